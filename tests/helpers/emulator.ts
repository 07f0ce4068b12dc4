/** What the emulator tests share: SDK clients with dummy credentials, real zips, and error capture. */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import JSZip from "jszip";
import { ZipFile } from "yazl";

/** Dummy credentials: the emulator reads the region from the signature and checks nothing else. */
export const DUMMY_CREDENTIALS = { accessKeyId: "AKIDEMULATORTEST", secretAccessKey: "emulator-test-secret" };

export const ACCOUNT_ID = "123456789012";

/** A real SDK client for the emulator at `endpoint`; one attempt unless told, so errors show as they are. */
export function lambdaClient(endpoint: string, options: { region?: string; maxAttempts?: number } = {}): LambdaClient {
    return new LambdaClient({
        endpoint,
        region: options.region ?? "us-west-2",
        credentials: DUMMY_CREDENTIALS,
        maxAttempts: options.maxAttempts ?? 1,
    });
}

/** A deflated zip of `files` (name to content), written by jszip. */
export async function makeZip(files: Record<string, string | Buffer>): Promise<Buffer> {
    const zip = new JSZip();
    for (const [name, content] of Object.entries(files)) zip.file(name, content);
    return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}

/** A zip of `entries` buffers written by yazl (native zlib), each stored or deflated (at the fastest level). */
export function makeYazlZip(entries: Array<{ name: string; content: Buffer }>, compress: boolean): Promise<Buffer> {
    const zip = new ZipFile();
    for (const { name, content } of entries) zip.addBuffer(content, name, { compressionLevel: compress ? 1 : 0 });
    zip.end();
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        zip.outputStream.on("data", (chunk: Buffer) => chunks.push(chunk));
        zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
        zip.outputStream.on("error", reject);
    });
}

export function sha256Base64(bytes: Buffer): string {
    return createHash("sha256").update(bytes).digest("base64");
}

/** An error as the SDK raises it. */
export type SdkError = Error & { $metadata: { httpStatusCode?: number }; $fault?: string; [member: string]: unknown };

/** The error `promise` rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<SdkError> {
    try {
        await promise;
    } catch (error) {
        return error as SdkError;
    }
    expect.fail("expected the call to fail, but it succeeded");
}

/** Downloads a `Content.Location` link. */
export async function download(location: string): Promise<{ status: number; bytes: Buffer }> {
    const response = await fetch(location);
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** The compiled emulator CLI, next to these compiled tests (dist/tests/emulator -> dist/emulator). */
export const CLI_PATH = join(__dirname, "..", "..", "emulator", "cli.js");

/** The CLI run as a child process, once it printed its listening line. */
export interface CliProcess {
    child: ChildProcess;
    endpoint: string;
    /** Resolves with the exit code (or signal) once the process ends. */
    exited: Promise<number | NodeJS.Signals>;
}

/** Starts the emulator CLI with `args` and waits for `listening on http://HOST:PORT`. */
export function startCli(args: string[]): Promise<CliProcess> {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | NodeJS.Signals>((resolve) =>
        child.once("exit", (code, signal) => resolve(code ?? (signal as NodeJS.Signals))),
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve, reject) => {
        const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
        lines.once("line", (line) => {
            const match = /^listening on (http:\/\/\S+)$/.exec(line);
            if (match) resolve({ child, endpoint: match[1], exited });
            else reject(new Error(`unexpected first line from the CLI: ${line}`));
        });
        exited.then((code) => reject(new Error(`the CLI exited (${code}) before listening: ${stderr}`)));
    });
}
