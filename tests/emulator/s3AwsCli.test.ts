/**
 * The AWS CLI (botocore, a client independent of the JS SDK) against the S3 subset with
 * --endpoint-url: `aws s3 mb / cp / ls / rm / rb` (a 20 MB file goes up in multipart chunks and
 * comes back identical), `aws s3api head-object`, and a layer published from what `aws s3 cp` put.
 * Pending when no AWS CLI is installed.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { awsCliEnvironment, findAwsCli, serviceErrorExitCode, type AwsCli } from "../helpers/awsCli";
import { AWS_CLI, skipUnlessFound } from "../helpers/externalTools";
import { makeZip, sha256Base64 } from "../helpers/emulator";

const run = promisify(execFile);
const REGION = "eu-west-1";

describe("emulator: the AWS CLI's aws s3 and aws s3api commands against the S3 subset [needs the AWS CLI]", function () {
    // Each CLI run starts a Python interpreter: about a second.
    this.timeout(120_000);

    let emulator: RunningEmulator;
    let cli: AwsCli;
    let workDir: string;

    before(async function () {
        const found = await findAwsCli();
        skipUnlessFound(this, AWS_CLI, found !== undefined);
        cli = found!;
        emulator = await startEmulator();
        workDir = await mkdtemp(join(tmpdir(), "emulator-s3-awscli-"));
    });
    after(async () => {
        await emulator?.close();
        if (workDir) await rm(workDir, { recursive: true, force: true });
    });

    /** Runs `aws <args>` against the emulator; resolves with the exit code, stdout and stderr. */
    async function aws(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
        const fullArgs = [...args, "--endpoint-url", emulator.endpoint, "--region", REGION];
        try {
            const { stdout, stderr } = await run(cli.path, fullArgs, {
                env: awsCliEnvironment(workDir),
                timeout: 60_000,
                maxBuffer: 16 * 1024 * 1024,
            });
            return { code: 0, stdout, stderr };
        } catch (error) {
            const failed = error as { code: number; stdout: string; stderr: string };
            return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
        }
    }

    it("makes a bucket, copies files up and back (20 MB in multipart chunks), lists, heads and removes them", async () => {
        const big = randomBytes(20_000_000);
        await writeFile(join(workDir, "big.bin"), big);
        await writeFile(join(workDir, "small.txt"), "small\n");
        const made = await aws("s3", "mb", "s3://cli-bucket");
        expect(made.code, made.stderr).to.equal(0);
        for (const [file, key] of [
            ["big.bin", "dir/big.bin"],
            ["small.txt", "small.txt"],
        ]) {
            const copied = await aws("s3", "cp", join(workDir, file), `s3://cli-bucket/${key}`, "--only-show-errors");
            expect(copied.code, copied.stderr).to.equal(0);
        }
        // The CLI cut the 20 MB file into its default 8 MiB chunks: a multipart upload of 3 parts.
        expect(emulator.requestCounts()).to.include({
            CreateMultipartUpload: 1,
            UploadPart: 3,
            CompleteMultipartUpload: 1,
        });

        const head = await aws(
            "s3api",
            "head-object",
            "--bucket",
            "cli-bucket",
            "--key",
            "dir/big.bin",
            "--output",
            "json",
        );
        expect(head.code, head.stderr).to.equal(0);
        const metadata = JSON.parse(head.stdout) as { ContentLength: number; ETag: string };
        expect(metadata.ContentLength).to.equal(big.length);
        expect(metadata.ETag).to.match(/^"[0-9a-f]{32}-3"$/);

        const top = await aws("s3", "ls", "s3://cli-bucket");
        expect(top.code, top.stderr).to.equal(0);
        expect(top.stdout).to.match(/PRE dir\//);
        expect(top.stdout).to.match(/\s6 small\.txt/);
        const recursive = await aws("s3", "ls", "s3://cli-bucket", "--recursive");
        expect(recursive.stdout).to.match(/\s20000000 dir\/big\.bin/);
        const buckets = await aws("s3", "ls");
        expect(buckets.stdout).to.match(/ cli-bucket$/m);

        const back = await aws(
            "s3",
            "cp",
            "s3://cli-bucket/dir/big.bin",
            join(workDir, "back.bin"),
            "--only-show-errors",
        );
        expect(back.code, back.stderr).to.equal(0);
        expect((await readFile(join(workDir, "back.bin"))).equals(big)).to.equal(true);

        const removed = await aws("s3", "rm", "s3://cli-bucket/small.txt");
        expect(removed.code, removed.stderr).to.equal(0);
        const gone = await aws("s3api", "head-object", "--bucket", "cli-bucket", "--key", "small.txt");
        expect(gone.code).to.equal(serviceErrorExitCode(cli));
        expect(gone.stderr).to.match(/404|Not Found/);
        const emptied = await aws("s3", "rm", "s3://cli-bucket", "--recursive");
        expect(emptied.code, emptied.stderr).to.equal(0);
        const bucketGone = await aws("s3", "rb", "s3://cli-bucket");
        expect(bucketGone.code, bucketGone.stderr).to.equal(0);
        const listedGone = await aws("s3", "ls", "s3://cli-bucket");
        expect(listedGone.code).to.not.equal(0);
        expect(listedGone.stderr).to.include("NoSuchBucket");
    });

    it("publishes a layer from a zip that aws s3 cp uploaded, with the zip's sha256", async () => {
        const zip = await makeZip({ "python/from_cli.py": "FROM_CLI = True\n" });
        await writeFile(join(workDir, "layer.zip"), zip);
        expect((await aws("s3", "mb", "s3://cli-staging")).code).to.equal(0);
        const copied = await aws("s3", "cp", join(workDir, "layer.zip"), "s3://cli-staging/layers/layer.zip");
        expect(copied.code, copied.stderr).to.equal(0);
        const published = await aws(
            "lambda",
            "publish-layer-version",
            "--layer-name",
            "cli-staged",
            "--content",
            "S3Bucket=cli-staging,S3Key=layers/layer.zip",
            "--output",
            "json",
        );
        expect(published.code, published.stderr).to.equal(0);
        const layer = JSON.parse(published.stdout) as { Content: { CodeSha256: string; CodeSize: number } };
        expect(layer.Content.CodeSha256).to.equal(sha256Base64(zip));
        expect(layer.Content.CodeSize).to.equal(zip.length);
        const missing = await aws(
            "lambda",
            "publish-layer-version",
            "--layer-name",
            "cli-staged",
            "--content",
            "S3Bucket=cli-staging,S3Key=layers/missing.zip",
        );
        expect(missing.code).to.equal(serviceErrorExitCode(cli));
        expect(missing.stderr).to.include("S3 Error Code: NoSuchKey");
    });
});
