/**
 * A layer whose zip is over 60 MB, published through S3 staging by the basic example (its `big` layer)
 * via Pulumi's dynamic-provider host, against the emulator's Lambda and S3 on one endpoint: the bucket
 * is made first, as a user would; nothing else is set up behind the provider's back.
 */
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { ListLayerVersionsCommand } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { EngineStack, startProviderHost, type ProviderHost, type StepEvent } from "../../engine";
import { useInstalledExample } from "../helpers/installedExample";
import { removeTempDirs, tempDir, writeTree } from "../helpers/fileTrees";
import { listSourceFiles } from "../../provider/listing/sourceFiles";
import { writeLayerZip } from "../../provider/zip/zipWriter";

const PROJECT = "lambda-layer-basic";
const BUCKET = "layer-staging";
const MEBIBYTE = 1024 * 1024;
const REGION = "us-east-1";

describe("a layer over 60 MB through S3 staging (engine path)", function () {
    const example = useInstalledExample("basic", { project: PROJECT, region: REGION });
    let s3: S3Client;
    let bigDir: string;
    let zipSha256: string;

    before(async function () {
        this.timeout(300_000);
        s3 = new S3Client({
            endpoint: example.emulator.endpoint,
            region: REGION,
            forcePathStyle: true,
            credentials: { accessKeyId: "t", secretAccessKey: "t" },
        });
        await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
        // Random data does not compress: the zip is as big as the files.
        bigDir = writeTree(tempDir("big-layer-"), {
            "data/a.bin": randomBytes(31 * MEBIBYTE),
            "data/b.bin": randomBytes(31 * MEBIBYTE),
            "README.txt": "random data\n",
        });
        const zipped = await writeLayerZip(
            listSourceFiles({ path: bigDir }, "/"),
            path.join(tempDir("big-zip-"), "layer.zip"),
        );
        expect(zipped.bytes).to.be.at.least(60 * 1_000_000);
        zipSha256 = zipped.sha256Base64;
    });
    after(removeTempDirs);

    function stackFor(host: ProviderHost, layerName: string, config: Record<string, string> = {}): EngineStack {
        return new EngineStack(host, {
            dir: example.program.dir,
            entry: "index.js",
            capture: {
                project: PROJECT,
                config: {
                    [`${PROJECT}:layerName`]: `${layerName}-greeting`,
                    [`${PROJECT}:bigLayerName`]: layerName,
                    [`${PROJECT}:bigLayerPath`]: bigDir,
                    ...config,
                },
            },
        });
    }

    /** Each resource's step, by name: the order of the steps is the engine's business. */
    function opsOf(events: StepEvent[]): Record<string, string> {
        return Object.fromEntries(events.map((event) => [event.name, event.op]));
    }

    async function versionsOf(layerName: string): Promise<number[]> {
        const listed = await example.lambda.send(new ListLayerVersionsCommand({ LayerName: layerName }));
        return (listed.LayerVersions ?? []).map((version) => version.Version!).sort();
    }

    async function stagedKeys(): Promise<string[]> {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
        return (listed.Contents ?? []).map((object) => object.Key!).sort();
    }

    it("publishes from the bucket with the local zip's codeSha256, deletes the staged object, and a staging change is an in-place update with no API call", async () => {
        const layerName = "engine-staged";
        const stack = stackFor(example.host, layerName, {
            [`${PROJECT}:staging`]: JSON.stringify({ bucket: BUCKET, prefix: "layers/" }),
        });
        expect(opsOf(await stack.up())).to.deep.equal({ big: "create", greeting: "create" });
        const big = stack.state.get("big")!;
        expect(big.outputs.codeSha256).to.equal(zipSha256);
        expect(big.outputs.codeSize).to.be.at.least(60 * 1_000_000);
        expect(await versionsOf(layerName)).to.deep.equal([1]);
        expect(await stagedKeys(), "the staged object is deleted once Lambda has its copy").to.deep.equal([]);
        for (const phase of [/listed 3 files/, /zipped and hashed to 6\d\.\d MB/, /uploading: 50%/, /published arn:/]) {
            await example.host.waitForDiagnostic(
                (diagnostic) => phase.test(diagnostic.message) && diagnostic.message.includes(`layer "${layerName}"`),
            );
        }

        stack.setConfig({
            [`${PROJECT}:staging`]: JSON.stringify({ bucket: BUCKET, prefix: "kept/", keepObject: true }),
        });
        example.emulator.resetRequestCounts();
        expect(opsOf(await stack.up())).to.deep.equal({ big: "update", greeting: "same" });
        expect(example.emulator.requestCounts(), "changing staging alone makes no API call").to.deep.equal({});
        expect(stack.state.get("big")!.outputs.staging).to.deep.equal({
            bucket: BUCKET,
            prefix: "kept/",
            keepObject: true,
        });
        expect(stack.state.get("big")!.outputs.version).to.equal(1);

        // A new version with keepObject: the staged object stays.
        stack.setConfig({ [`${PROJECT}:bigLayerName`]: `${layerName}-kept` });
        expect(opsOf(await stack.up())).to.deep.equal({ big: "replace", greeting: "same" });
        const hex = Buffer.from(zipSha256, "base64").toString("hex");
        expect(await stagedKeys()).to.deep.equal([`kept/${layerName}-kept/${hex}.zip`]);
        expect(stack.state.get("big")!.outputs.codeSha256).to.equal(zipSha256);
        await stack.destroy();
    });

    it("without a bucket, fails in create naming `staging` and the stack config key, with nothing uploaded or published; the stack config's bucket then works", async () => {
        const layerName = "engine-unstaged";
        const stack = stackFor(example.host, layerName);
        const keysBefore = await stagedKeys();
        example.emulator.resetRequestCounts();
        let failure: Error | undefined;
        await stack.up().catch((error: Error) => (failure = error));
        expect(failure?.message).to.match(
            /layer "engine-unstaged": the zip is \d+ bytes, over the 52363264-byte limit/,
        );
        expect(failure?.message).to.include("`staging`");
        expect(failure?.message).to.include("pulumi-lambda-layer:stagingBucket");
        expect(failure?.message).to.include("nothing was uploaded or published");
        expect(await versionsOf(layerName)).to.deep.equal([]);
        expect(await stagedKeys()).to.deep.equal(keysBefore);
        const counts = example.emulator.requestCounts() as Record<string, number>;
        expect(counts.PutObject ?? 0, "no upload").to.equal(0);
        expect(counts.CreateMultipartUpload ?? 0, "no upload").to.equal(0);

        // A provider host configured with the stack config's bucket, as `pulumi config set` gives it.
        const configured = await startProviderHost(example.program.dir, {
            env: {
                AWS_ACCESS_KEY_ID: "t",
                AWS_SECRET_ACCESS_KEY: "t",
                AWS_ENDPOINT_URL_LAMBDA: example.emulator.endpoint,
                AWS_ENDPOINT_URL_S3: example.emulator.endpoint,
                AWS_REGION: REGION,
            },
            project: PROJECT,
        });
        try {
            await configured.configure({ "pulumi-lambda-layer:stagingBucket": BUCKET });
            const retried = stackFor(configured, layerName);
            for (const [name, resource] of stack.state) retried.state.set(name, resource);
            expect(opsOf(await retried.up()).big).to.equal("create");
            expect(retried.state.get("big")!.outputs.codeSha256).to.equal(zipSha256);
            expect(await stagedKeys()).to.deep.equal(keysBefore);
            await retried.destroy();
        } finally {
            await configured.close();
        }
    });
});
