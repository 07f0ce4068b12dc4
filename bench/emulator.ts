/**
 * The emulator that `create` and the reference commands publish to: the package's own
 * `lambda-layer-emulator`, in memory, in a process of its own (the bench's measured children are run
 * synchronously, which would stall an emulator inside the bench's process), and the environment that
 * points the AWS SDK and the AWS CLI at it with dummy credentials.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";

/** The region everything is published in. */
export const BENCH_REGION = "us-east-1";

/** A running emulator process. */
export interface BenchEmulator {
    endpoint: string;
    /** What the SDK in our children and the AWS CLI in the references need to reach it. */
    env: NodeJS.ProcessEnv;
    stop(): void;
}

/** Starts `dist/emulator/cli.js` on a free port; resolves once it says where it listens. */
export async function startBenchEmulator(scratch: string): Promise<BenchEmulator> {
    const cli = path.join(__dirname, "..", "emulator", "cli.js");
    const child = spawn(process.execPath, [cli, "--port", "0", "--in-memory"], {
        stdio: ["ignore", "pipe", "inherit"],
    });
    const endpoint = await listeningOn(child);
    // It prints nothing more; the stream is let go so that it cannot keep this process alive.
    child.stdout?.destroy();
    const awsConfig = path.join(scratch, "aws-config");
    // Path-style addressing: a bucket name cannot be a subdomain of 127.0.0.1.
    fs.writeFileSync(awsConfig, `[default]\nregion = ${BENCH_REGION}\ns3 =\n    addressing_style = path\n`);
    const env: NodeJS.ProcessEnv = {
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: BENCH_REGION,
        AWS_DEFAULT_REGION: BENCH_REGION,
        AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        AWS_CONFIG_FILE: awsConfig,
        AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, "no-credentials"),
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_PAGER: "",
    };
    return { endpoint, env, stop: () => void child.kill("SIGTERM") };
}

function listeningOn(child: ChildProcess): Promise<string> {
    return new Promise((resolve, reject) => {
        const lines = readline.createInterface({ input: child.stdout! });
        lines.once("line", (line) => {
            lines.close();
            const match = /^listening on (\S+)$/.exec(line);
            if (match) {
                resolve(match[1]);
            } else {
                child.kill("SIGTERM");
                reject(new Error(`the emulator said ${JSON.stringify(line)} instead of where it listens`));
            }
        });
        child.once("exit", (code) => reject(new Error(`the emulator exited (code ${code}) before it listened`)));
        child.once("error", reject);
    });
}

/**
 * Creates `bucket` in the emulator with the AWS CLI; `undefined` when that worked, else why it did not
 * (the emulator serves no S3, or the AWS CLI is missing).
 */
export function createBucket(bucket: string, { endpoint, env }: BenchEmulator): string | undefined {
    const result = spawnSync("aws", ["s3api", "create-bucket", "--bucket", bucket, "--endpoint-url", endpoint], {
        env: { ...process.env, ...env },
        encoding: "utf8",
        stdio: ["ignore", "ignore", "pipe"],
    });
    if (result.error) {
        return `the AWS CLI could not be run (${result.error.message})`;
    }
    if (result.status !== 0) {
        return `the emulator refused aws s3api create-bucket (${result.stderr.trim().split("\n").pop()})`;
    }
    return undefined;
}
