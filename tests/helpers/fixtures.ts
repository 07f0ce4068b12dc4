/**
 * Shared test fixtures: layer source trees on disk, an emulator with the AWS environment pointed at it,
 * and a real SDK client for looking behind the provider's back.
 */
import JSZip from "jszip";
import { GetLayerVersionByArnCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { startEmulator } from "../../emulator";
import { removeTempDirs, tempDir, TreeFile, writeTree } from "./fileTrees";

export { writeTree };

/** Writes `files` (POSIX relative paths) under a new temp directory and returns its path. */
export function makeTree(files: Record<string, TreeFile>): string {
    return writeTree(tempDir("layer-src-"), files);
}

/** The AWS settings a test process uses to reach the emulator, with harmless credentials. */
export function emulatorEnvironment(endpoint: string): Record<string, string> {
    return {
        AWS_ENDPOINT_URL_LAMBDA: endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "AKIAEMULATOR0000TEST",
        AWS_SECRET_ACCESS_KEY: "emulator-secret-not-real",
        AWS_EC2_METADATA_DISABLED: "true",
    };
}

/** An emulator for one mocha `describe`, with this process's AWS environment pointed at it. */
export interface EmulatorFixture {
    endpoint: string;
    client: LambdaClient;
    /** Requests per operation since the last reset. */
    counts(): Record<string, number>;
    resetCounts(): void;
}

/** Registers before/after hooks that start an in-memory emulator and point the AWS environment at it. */
export function useEmulator(): EmulatorFixture {
    const fixture = {} as EmulatorFixture;
    let close: () => Promise<void>;
    const saved: Record<string, string | undefined> = {};
    before(async () => {
        const emulator = await startEmulator({});
        close = emulator.close;
        const environment = emulatorEnvironment(emulator.endpoint);
        for (const [key, value] of Object.entries(environment)) {
            saved[key] = process.env[key];
            process.env[key] = value;
        }
        fixture.endpoint = emulator.endpoint;
        fixture.client = new LambdaClient({ endpoint: emulator.endpoint, region: "us-east-1" });
        fixture.counts = () => emulator.requestCounts();
        fixture.resetCounts = () => emulator.resetRequestCounts();
    });
    after(async () => {
        removeTempDirs();
        for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
        await close?.();
    });
    return fixture;
}

/** Downloads a published version's zip through its Content.Location and opens it. */
export async function downloadLayerZip(client: LambdaClient, arn: string): Promise<{ bytes: Buffer; zip: JSZip }> {
    const version = await client.send(new GetLayerVersionByArnCommand({ Arn: arn }));
    const response = await fetch(version.Content!.Location!);
    const bytes = Buffer.from(await response.arrayBuffer());
    return { bytes, zip: await JSZip.loadAsync(bytes) };
}
