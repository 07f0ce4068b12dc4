/**
 * The AWS CLI as a second, independent client (botocore instead of the JS SDK): every layer command
 * against the emulator with --endpoint-url, asserting on its JSON output and exit codes.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../emulator";
import {
    awsCliEnvironment,
    findAwsCli,
    serviceErrorExitCode as serviceErrorExitCodeOf,
    type AwsCli,
} from "../helpers/awsCli";
import { AWS_CLI, skipUnlessFound } from "../helpers/externalTools";
import { ACCOUNT_ID, download, lambdaClient, makeZip, sha256Base64 } from "../helpers/emulator";

const run = promisify(execFile);
const REGION = "eu-west-2";

describe("emulator: AWS CLI as a client [needs the AWS CLI]", function () {
    // Each CLI run starts a Python interpreter: about a second.
    this.timeout(60_000);

    let emulator: RunningEmulator;
    let cli: AwsCli;
    let workDir: string;
    let zipPath: string;
    let zip: Buffer;

    before(async function () {
        const found = await findAwsCli();
        skipUnlessFound(this, AWS_CLI, found !== undefined);
        cli = found!;
        emulator = await startEmulator();
        workDir = await mkdtemp(join(tmpdir(), "emulator-awscli-"));
        zip = await makeZip({ "python/layer_lib.py": "ANSWER = 42\n" });
        zipPath = join(workDir, "layer.zip");
        await writeFile(zipPath, zip);
    });
    after(async () => {
        // A pending run (no AWS CLI) started nothing.
        await emulator?.close();
        if (workDir) await rm(workDir, { recursive: true, force: true });
    });

    /** Runs `aws lambda <args>` against the emulator; resolves with the exit code and parsed JSON output. */
    async function aws(...args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
        const env = awsCliEnvironment(workDir);
        const fullArgs = [
            "lambda",
            ...args,
            "--endpoint-url",
            emulator.endpoint,
            "--region",
            REGION,
            "--output",
            "json",
        ];
        try {
            const { stdout, stderr } = await run(cli.path, fullArgs, { env, timeout: 30_000 });
            return { code: 0, json: stdout.trim() ? JSON.parse(stdout) : {}, stderr };
        } catch (error) {
            const failed = error as { code: number; stderr: string };
            return { code: failed.code, json: {}, stderr: failed.stderr };
        }
    }

    const serviceErrorExitCode = () => serviceErrorExitCodeOf(cli);

    it("publishes, gets, lists and deletes layer versions", async () => {
        const published = await aws(
            "publish-layer-version",
            "--layer-name",
            "cli-layer",
            "--zip-file",
            `fileb://${zipPath}`,
            "--description",
            "from the CLI",
            "--license-info",
            "MIT",
            "--compatible-runtimes",
            "python3.12",
            "python3.13",
            "--compatible-architectures",
            "arm64",
        );
        expect(published.code, published.stderr).to.equal(0);
        const layerArn = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:layer:cli-layer`;
        expect(published.json).to.include({
            LayerArn: layerArn,
            LayerVersionArn: `${layerArn}:1`,
            Version: 1,
            Description: "from the CLI",
            LicenseInfo: "MIT",
        });
        expect(published.json.CompatibleRuntimes).to.deep.equal(["python3.12", "python3.13"]);
        expect(published.json.CompatibleArchitectures).to.deep.equal(["arm64"]);
        const content = published.json.Content as { CodeSha256: string; CodeSize: number; Location: string };
        expect(content.CodeSha256).to.equal(sha256Base64(zip));
        expect(content.CodeSize).to.equal(zip.length);
        expect((await download(content.Location)).bytes.equals(zip)).to.equal(true);

        // Two more versions through the SDK, so that the CLI has pages to follow.
        const sdk = lambdaClient(emulator.endpoint, { region: REGION });
        for (let i = 0; i < 2; i++) {
            await sdk.send(
                new PublishLayerVersionCommand({
                    LayerName: "cli-layer",
                    Content: { ZipFile: zip },
                    CompatibleRuntimes: ["nodejs20.x"],
                }),
            );
        }

        const [byNumber, byArn, versions, layers] = await Promise.all([
            aws("get-layer-version", "--layer-name", "cli-layer", "--version-number", "1"),
            aws("get-layer-version-by-arn", "--arn", `${layerArn}:1`),
            // --page-size 1: the CLI follows NextMarker page by page and merges the pages.
            aws("list-layer-versions", "--layer-name", "cli-layer", "--page-size", "1"),
            aws("list-layers", "--compatible-runtime", "python3.12"),
        ]);
        for (const answer of [byNumber, byArn]) {
            expect(answer.code, answer.stderr).to.equal(0);
            expect(answer.json).to.include({
                LayerVersionArn: `${layerArn}:1`,
                Version: 1,
                Description: "from the CLI",
            });
            expect((answer.json.Content as { CodeSha256: string }).CodeSha256).to.equal(sha256Base64(zip));
        }
        expect(versions.code, versions.stderr).to.equal(0);
        expect((versions.json.LayerVersions as Array<{ Version: number }>).map((item) => item.Version)).to.deep.equal([
            3, 2, 1,
        ]);
        expect(layers.code, layers.stderr).to.equal(0);
        expect(layers.json.Layers).to.deep.equal([
            {
                LayerName: "cli-layer",
                LayerArn: layerArn,
                LatestMatchingVersion: {
                    LayerVersionArn: `${layerArn}:1`,
                    Version: 1,
                    Description: "from the CLI",
                    CreatedDate: published.json.CreatedDate,
                    CompatibleRuntimes: ["python3.12", "python3.13"],
                    LicenseInfo: "MIT",
                    CompatibleArchitectures: ["arm64"],
                },
            },
        ]);

        const deleted = await aws("delete-layer-version", "--layer-name", "cli-layer", "--version-number", "3");
        expect(deleted.code, deleted.stderr).to.equal(0);
        const gone = await aws("get-layer-version", "--layer-name", "cli-layer", "--version-number", "3");
        expect(gone.code).to.equal(serviceErrorExitCode());
        expect(gone.stderr).to.contain("(ResourceNotFoundException) when calling the GetLayerVersion operation");
        expect(gone.stderr).to.contain(`${layerArn}:3 does not exist`);
    });

    it("adds, reads and removes permissions, with revision checks", async () => {
        await lambdaClient(emulator.endpoint, { region: REGION }).send(
            new PublishLayerVersionCommand({ LayerName: "cli-shared", Content: { ZipFile: zip } }),
        );
        const added = await aws(
            "add-layer-version-permission",
            "--layer-name",
            "cli-shared",
            "--version-number",
            "1",
            "--statement-id",
            "xaccount",
            "--action",
            "lambda:GetLayerVersion",
            "--principal",
            "210987654321",
        );
        expect(added.code, added.stderr).to.equal(0);
        const statement = {
            Sid: "xaccount",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::210987654321:root" },
            Action: "lambda:GetLayerVersion",
            Resource: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:layer:cli-shared:1`,
        };
        expect(JSON.parse(added.json.Statement as string)).to.deep.equal(statement);

        const policy = await aws("get-layer-version-policy", "--layer-name", "cli-shared", "--version-number", "1");
        expect(policy.code, policy.stderr).to.equal(0);
        expect(policy.json.RevisionId).to.equal(added.json.RevisionId);
        expect(JSON.parse(policy.json.Policy as string)).to.deep.equal({
            Version: "2012-10-17",
            Id: "default",
            Statement: [statement],
        });

        const [stale, removed] = await Promise.all([
            aws(
                "remove-layer-version-permission",
                "--layer-name",
                "cli-shared",
                "--version-number",
                "1",
                "--statement-id",
                "xaccount",
                "--revision-id",
                "0",
            ),
            aws(
                "remove-layer-version-permission",
                "--layer-name",
                "cli-shared",
                "--version-number",
                "1",
                "--statement-id",
                "missing",
            ),
        ]);
        expect(stale.code).to.equal(serviceErrorExitCode());
        expect(stale.stderr).to.contain("PreconditionFailedException");
        expect(removed.code).to.equal(serviceErrorExitCode());
        expect(removed.stderr).to.contain("ResourceNotFoundException");

        const revoked = await aws(
            "remove-layer-version-permission",
            "--layer-name",
            "cli-shared",
            "--version-number",
            "1",
            "--statement-id",
            "xaccount",
            "--revision-id",
            policy.json.RevisionId as string,
        );
        expect(revoked.code, revoked.stderr).to.equal(0);
        const none = await aws("get-layer-version-policy", "--layer-name", "cli-shared", "--version-number", "1");
        expect(none.code).to.equal(serviceErrorExitCode());
        expect(none.stderr).to.contain("ResourceNotFoundException");
    });
});
