/** The `lambda-layer-emulator` command: flags, its one listening line, clean shutdown, flag errors. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { CLI_PATH, lambdaClient, makeZip, startCli } from "../helpers/emulator";

const run = promisify(execFile);

/** Runs the CLI to completion; resolves with its exit code and output. */
async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
        const { stdout, stderr } = await run(process.execPath, [CLI_PATH, ...args], { timeout: 20_000 });
        return { code: 0, stdout, stderr };
    } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
}

describe("emulator: lambda-layer-emulator command", () => {
    it("prints exactly one line, serves the API with the given account id, and stops on SIGINT and SIGTERM", async () => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) {
            const cli = await startCli(["--port", "0", "--in-memory", "--account-id", "210987654321"]);
            expect(cli.endpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
            let stdout = "";
            cli.child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
            const lambda = lambdaClient(cli.endpoint, { region: "ca-central-1" });
            const zip = await makeZip({ "a.txt": "a" });
            const published = await lambda.send(
                new PublishLayerVersionCommand({ LayerName: "cli", Content: { ZipFile: zip } }),
            );
            expect(published.LayerVersionArn).to.equal("arn:aws:lambda:ca-central-1:210987654321:layer:cli:1");
            cli.child.kill(signal);
            expect(await cli.exited).to.equal(0);
            expect(stdout).to.equal("");
        }
    });

    it("prints the flags for --help", async () => {
        const { code, stdout } = await runCli(["--help"]);
        expect(code).to.equal(0);
        for (const flag of [
            "--host",
            "--port",
            "--data-dir",
            "--in-memory",
            "--account-id",
            "--fault-rate",
            "--fault-seed",
        ]) {
            expect(stdout).to.contain(flag);
        }
    });

    const badFlags: Array<{ args: string[]; names: string }> = [
        { args: ["--port", "http"], names: "--port" },
        { args: ["--port", "70000"], names: "--port" },
        { args: ["--port", ""], names: "--port" },
        { args: ["--account-id", "12345"], names: "--account-id" },
        { args: ["--fault-rate", "2"], names: "--fault-rate" },
        { args: ["--fault-seed", "x"], names: "--fault-seed" },
        { args: ["--data-dir", "/tmp/x", "--in-memory"], names: "--data-dir and --in-memory" },
        { args: ["--verbose"], names: "--verbose" },
        { args: ["--port"], names: "--port" },
    ];
    for (const { args, names } of badFlags) {
        it(`exits with 2 and names ${names} for: ${args.join(" ") || "(empty)"}`, async () => {
            const { code, stdout, stderr } = await runCli(args);
            expect(code).to.equal(2);
            expect(stdout).to.equal("");
            expect(stderr).to.contain(names);
        });
    }
});
