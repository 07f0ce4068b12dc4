/**
 * The setup every engine-path test shares: an emulator, an example program installed from the packed
 * package, and Pulumi's dynamic-provider host started in it with the AWS settings pointed at the emulator.
 */
import * as path from "node:path";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { startEmulator } from "../../emulator";
import { InstalledProgram, installExample, ProviderHost, startProviderHost } from "../../engine";

/** The repository root, from dist/tests/engine. */
export const REPO_ROOT = path.resolve(__dirname, "../../..");

/** What a test gets once the `before` hook ran. */
export interface InstalledExample {
    emulator: Awaited<ReturnType<typeof startEmulator>>;
    program: InstalledProgram;
    host: ProviderHost;
    /** A client of the emulator, for changes behind the provider's back. */
    lambda: LambdaClient;
}

/** Registers before/after hooks that install `examples/<name>` and start the host; fields are set in `before`. */
export function useInstalledExample(
    name: string,
    options: { project?: string; region?: string; env?: Record<string, string> } = {},
): InstalledExample {
    const fixture = {} as InstalledExample;
    const region = options.region ?? "us-east-1";
    before(async function () {
        this.timeout(300_000);
        fixture.emulator = await startEmulator({});
        fixture.lambda = new LambdaClient({
            endpoint: fixture.emulator.endpoint,
            region,
            credentials: { accessKeyId: "t", secretAccessKey: "t" },
        });
        fixture.program = await installExample(REPO_ROOT, name);
        fixture.host = await startProviderHost(fixture.program.dir, {
            env: {
                AWS_ACCESS_KEY_ID: "t",
                AWS_SECRET_ACCESS_KEY: "t",
                ...options.env,
                AWS_ENDPOINT_URL_LAMBDA: fixture.emulator.endpoint,
                AWS_ENDPOINT_URL_S3: fixture.emulator.endpoint,
                AWS_REGION: region,
            },
            project: options.project,
        });
        await fixture.host.configure();
    });
    after(async () => {
        await fixture.host?.close();
        await fixture.program?.cleanup();
        await fixture.emulator?.close();
    });
    return fixture;
}
