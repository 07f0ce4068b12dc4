/**
 * `node dist/bench/emulatorStall.js [--runs N] [--megabytes M]`: how long one big inline publish makes
 * the emulator's other clients wait. A child process publishes an M MB zip (45 by default) with
 * PublishLayerVersion while this process calls ListLayers every 10 ms; each run prints the slowest
 * ListLayers and the publish's own time. The publisher is a process of its own so that the SDK's
 * encoding of the body, which blocks its own event loop, cannot delay the prober.
 */
import { randomBytes } from "node:crypto";
import { fork } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LambdaClient, ListLayersCommand, PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import JSZip from "jszip";
import { BENCH_REGION, startBenchEmulator } from "./emulator";

const CREDENTIALS = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "bench" };

/** The publisher: builds the zip, says "ready", publishes on "go", then says how long that took. */
async function publisher(endpoint: string, megabytes: number): Promise<void> {
    const zip = new JSZip().file("python/data.bin", randomBytes(megabytes * 1e6), { compression: "STORE" });
    const body = await zip.generateAsync({ type: "nodebuffer" });
    const lambda = new LambdaClient({ endpoint, region: BENCH_REGION, credentials: CREDENTIALS });
    process.send!("ready");
    await new Promise((resolve) => process.once("message", resolve));
    const started = performance.now();
    await lambda.send(new PublishLayerVersionCommand({ LayerName: "stall", Content: { ZipFile: body } }));
    process.send!(performance.now() - started);
    process.disconnect();
}

/** One run: the slowest ListLayers while the child publishes, and the publish's time. */
async function run(
    endpoint: string,
    megabytes: number,
): Promise<{ slowestMs: number; calls: number; publishMs: number }> {
    const child = fork(__filename, ["--publisher", endpoint, String(megabytes)]);
    // The publisher's messages in order ("ready", then its time), or why it stopped: a publisher that dies
    // ends the run instead of leaving it waiting.
    const messages: unknown[] = [];
    let failure: Error | undefined;
    child.on("message", (message) => messages.push(message));
    child.once("exit", (code) => {
        if (code !== 0) failure = new Error(`the publisher exited with ${code}`);
    });
    const until = async (done: () => boolean, between: () => Promise<unknown>): Promise<void> => {
        while (!done()) {
            if (failure) throw failure;
            await between();
        }
    };
    const pause = () => new Promise((resolve) => setTimeout(resolve, 10));
    await until(() => messages.length > 0, pause);
    const prober = new LambdaClient({ endpoint, region: BENCH_REGION, credentials: CREDENTIALS });
    await prober.send(new ListLayersCommand({})); // a warm connection, as a busy client has
    child.send("go");
    let slowestMs = 0;
    let calls = 0;
    await until(
        () => messages.length > 1,
        async () => {
            const started = performance.now();
            await prober.send(new ListLayersCommand({}));
            slowestMs = Math.max(slowestMs, performance.now() - started);
            calls++;
            await pause();
        },
    );
    return { slowestMs, calls, publishMs: messages[1] as number };
}

async function main(args: string[]): Promise<void> {
    if (args[0] === "--publisher") {
        return publisher(args[1], Number(args[2]));
    }
    const option = (name: string, fallback: number) => {
        const at = args.indexOf(name);
        return at < 0 ? fallback : Number(args[at + 1]);
    };
    // The SDK's notice that its 2027 releases will need Node 22 says nothing about this measurement.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    const runs = option("--runs", 3);
    const megabytes = option("--megabytes", 45);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "emulator-stall-"));
    const emulator = await startBenchEmulator(scratch);
    try {
        for (let index = 1; index <= runs; index++) {
            const { slowestMs, calls, publishMs } = await run(emulator.endpoint, megabytes);
            console.log(
                `run ${index}: slowest ListLayers ${slowestMs.toFixed(0)} ms of ${calls} calls during a ${megabytes} MB inline publish that took ${publishMs.toFixed(0)} ms`,
            );
        }
    } finally {
        emulator.stop();
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
});
