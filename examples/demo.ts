/**
 * `npm run demo`: the basic example's whole life on the bundled Lambda-layers emulator, driven through
 * Pulumi's own dynamic-provider host (the process `pulumi up` runs for dynamic resources), with no AWS
 * account and no Pulumi CLI, then a layer over the 50 MB direct-upload limit published through an S3
 * staging bucket on the same emulator. Prints what Pulumi would show at each step.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AddLayerVersionPermissionCommand, LambdaClient, ListLayerVersionsCommand } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { startEmulator } from "../emulator";
import { EngineStack, installExample, startProviderHost, type ProviderHost, StepEvent } from "../engine";

const REPO_ROOT = path.resolve(__dirname, "../..");
const PROJECT = "lambda-layer-basic";
const LAYER_NAME = "lambda-layer-basic-greeting";
const BIG_LAYER_NAME = "lambda-layer-basic-big";
const STAGING_BUCKET = "demo-layer-staging";
const MEBIBYTE = 1024 * 1024;

async function main(): Promise<void> {
    // The SDK's notice that its 2027 releases will need Node 22 says nothing about this demo.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "lambda-layer-demo-"));
    const emulator = await startEmulator({ port: 0, dataDir });
    const environment = {
        AWS_ENDPOINT_URL_LAMBDA: emulator.endpoint,
        AWS_ENDPOINT_URL_S3: emulator.endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "demo",
        AWS_SECRET_ACCESS_KEY: "demo",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
    const lambda = new LambdaClient({
        endpoint: emulator.endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "demo", secretAccessKey: "demo" },
    });
    console.log(`Lambda layers emulator listening on ${emulator.endpoint} (data in ${dataDir})`);
    console.log(
        "Installing examples/basic with this package packed as a user gets it (npm pack + npm install, compiled with its own tsconfig and TypeScript)...",
    );
    const program = await installExample(REPO_ROOT, "basic");
    const host = await startProviderHost(program.dir, { env: environment, project: PROJECT });
    try {
        await host.configure();
        console.log(
            "Every step below runs through Pulumi's dynamic-provider host (@pulumi/pulumi/cmd/dynamic-provider) over gRPC,\n" +
                "the same process `pulumi up` starts for dynamic resources; this script plays the engine, not the Pulumi CLI.\n",
        );
        const stack = new EngineStack(host, { dir: program.dir, entry: "index.js", capture: { project: PROJECT } });

        await step("pulumi up: the first version is published", () => stack.up());
        await step("pulumi up again: nothing changed, so nothing is published", () => stack.up());

        const greeting = path.join(program.dir, "layer/node_modules/greeting/index.js");
        fs.appendFileSync(greeting, 'exports.wave = () => "o/";\n');
        console.log(`(edited ${path.relative(program.dir, greeting)})`);
        await step("pulumi up: the source changed, so a new version replaces the old one", () => stack.up());

        const current = stack.state.get("greeting")!;
        await lambda.send(
            new AddLayerVersionPermissionCommand({
                LayerName: LAYER_NAME,
                VersionNumber: current.outputs.version as number,
                StatementId: "added-out-of-band",
                Action: "lambda:GetLayerVersion",
                Principal: "*",
            }),
        );
        console.log("(someone grants the whole world access to the version with the AWS SDK, outside Pulumi)");
        await step("pulumi refresh: the drift shows", () => stack.refresh());
        console.log(`  permissions in AWS now: ${JSON.stringify(stack.state.get("greeting")!.outputs.permissions)}`);
        await step("pulumi up: the declared permissions (none) are restored in place", () => stack.up());
        await step("pulumi destroy", () => stack.destroy());

        const left = await lambda.send(new ListLayerVersionsCommand({ LayerName: LAYER_NAME }));
        console.log(`Versions of ${LAYER_NAME} left in the emulator: ${left.LayerVersions?.length ?? 0}`);

        await bigLayerThroughStaging(host, program.dir, emulator.endpoint, lambda);
        printNextSteps();
    } finally {
        await host.close();
        await program.cleanup();
        await emulator.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
    }
}

/**
 * A layer of random data (it does not compress: its zip is over 50 MB) published through an S3 bucket on
 * the same emulator. The bucket is made first, as a user would; the provider never creates one.
 */
async function bigLayerThroughStaging(
    host: ProviderHost,
    programDir: string,
    endpoint: string,
    lambda: LambdaClient,
): Promise<void> {
    const s3 = new S3Client({
        endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: { accessKeyId: "demo", secretAccessKey: "demo" },
    });
    await s3.send(new CreateBucketCommand({ Bucket: STAGING_BUCKET }));
    const bigDir = fs.mkdtempSync(path.join(os.tmpdir(), "lambda-layer-demo-big-"));
    try {
        fs.writeFileSync(path.join(bigDir, "a.bin"), randomBytes(28 * MEBIBYTE));
        fs.writeFileSync(path.join(bigDir, "b.bin"), randomBytes(28 * MEBIBYTE));
        console.log(
            `\n(made ${bigDir}: 56 MiB of random data, whose zip is over the 50 MB direct-upload limit; ` +
                `created the bucket s3://${STAGING_BUCKET} in the emulator)`,
        );
        const stack = new EngineStack(host, {
            dir: programDir,
            entry: "index.js",
            capture: {
                project: PROJECT,
                config: {
                    [`${PROJECT}:bigLayerPath`]: bigDir,
                    [`${PROJECT}:staging`]: JSON.stringify({ bucket: STAGING_BUCKET, prefix: "layers/" }),
                },
            },
        });
        const shown = host.diagnostics.length;
        await step("pulumi up: the big layer goes through the staging bucket", () => stack.up());
        for (const diagnostic of host.diagnostics.slice(shown)) {
            if (diagnostic.message.includes(`layer "${BIG_LAYER_NAME}"`)) console.log(`  | ${diagnostic.message}`);
        }
        const big = stack.state.get("big")!.outputs;
        const staged = await s3.send(new ListObjectsV2Command({ Bucket: STAGING_BUCKET }));
        console.log(
            `  ${BIG_LAYER_NAME}: version ${big.version}, ${big.codeSize} bytes, codeSha256 ${big.codeSha256}; ` +
                `objects left in the bucket: ${staged.KeyCount ?? 0} (Lambda keeps its own copy)`,
        );
        await step("pulumi destroy", () => stack.destroy());
        const left = await lambda.send(new ListLayerVersionsCommand({ LayerName: BIG_LAYER_NAME }));
        console.log(`Versions of ${BIG_LAYER_NAME} left in the emulator: ${left.LayerVersions?.length ?? 0}`);
    } finally {
        fs.rmSync(bigDir, { recursive: true, force: true });
    }
}

async function step(title: string, run: () => Promise<StepEvent[]>): Promise<void> {
    console.log(`== ${title}`);
    for (const event of await run()) {
        console.log(`  ${describe(event)}`);
    }
}

const SYMBOLS: Record<StepEvent["op"], string> = {
    create: "+",
    same: " ",
    update: "~",
    replace: "+-",
    delete: "-",
    "refresh-same": " ",
    "refresh-changed": "~",
    "refresh-gone": "-",
};

function describe(event: StepEvent): string {
    const version = event.id?.split(":").pop();
    const what: Record<StepEvent["op"], string> = {
        create: `created version ${version}`,
        same: "unchanged (no API call)",
        update: `updated in place: ${event.properties.join(", ")}`,
        replace: `replaced because ${event.properties.join(", ")} changed: version ${version} published, ${event.replacedId} deleted`,
        delete: `deleted ${event.id}`,
        "refresh-same": "in sync with AWS",
        "refresh-changed": `drift in AWS: ${event.properties.join(", ")}`,
        "refresh-gone": "gone from AWS: dropped from the state",
    };
    return `${SYMBOLS[event.op]} LayerVersion ${event.name}: ${what[event.op]}`;
}

function printNextSteps(): void {
    console.log(`
Run the same example with the Pulumi CLI (examples/basic/README.md has the details):
  npm run build && cd examples/basic && npm install
  pulumi login --local && pulumi stack init dev && pulumi config set aws:region us-east-1
  against AWS:          pulumi up
  against the emulator: npx lambda-layer-emulator --port 4566 &
                        AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test pulumi up
  a big layer:          aws --endpoint-url http://127.0.0.1:4566 s3 mb s3://my-staging-bucket
                        pulumi config set pulumi-lambda-layer:stagingBucket my-staging-bucket
                        pulumi config set bigLayerPath ./some/big/folder && pulumi up`);
}

main().catch((error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
});
