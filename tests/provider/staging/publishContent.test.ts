/**
 * Staging through S3 in create, against the emulator's Lambda and S3 with the real SDK clients: the
 * upload skipped when the key holds the same bytes, multipart with a whole-object CRC32, the bucket's
 * region checked first, a missing bucket, a failed delete that only warns, and a version whose
 * CodeSha256 is not the zip's deleted.
 */
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { ListLayerVersionsCommand } from "@aws-sdk/client-lambda";
import {
    CreateBucketCommand,
    HeadObjectCommand,
    ListObjectsV2Command,
    PutObjectCommand,
    S3Client,
} from "@aws-sdk/client-s3";
import { LayerVersionProvider } from "../../../provider";
import type { LayerStaging, LayerVersionInputs, LayerVersionOutputs } from "../../../provider/types";
import { makeTree, useEmulator } from "../../helpers/fixtures";
import { makeZip, sha256Base64 } from "../../helpers/emulator";
import { startInterceptingProxy, type Interceptor } from "../../helpers/interceptingProxy";
import { setEnvironment } from "../../helpers/reliability";

const MEBIBYTE = 1024 * 1024;

describe("staging a zip through S3 in create", () => {
    const emulator = useEmulator();
    const provider = new LayerVersionProvider();
    let s3: S3Client;
    let restore: () => void;

    before(async () => {
        restore = setEnvironment({ AWS_ENDPOINT_URL_S3: emulator.endpoint });
        s3 = s3Client("us-east-1");
        await s3.send(new CreateBucketCommand({ Bucket: "staging-bucket" }));
    });
    after(() => restore());

    function s3Client(region: string): S3Client {
        return new S3Client({ endpoint: emulator.endpoint, region, forcePathStyle: true });
    }

    /** check then create, as the engine calls them. */
    async function publish(layerName: string, dir: string, staging?: LayerStaging): Promise<LayerVersionOutputs> {
        const checked = await provider.check(
            {} as LayerVersionInputs,
            { layerName, source: { path: dir }, staging } as LayerVersionInputs,
        );
        expect(checked.failures ?? []).to.deep.equal([]);
        return (await provider.create(checked.inputs as LayerVersionInputs)).outs as LayerVersionOutputs;
    }

    async function failureOf(promise: Promise<unknown>): Promise<Error> {
        try {
            await promise;
        } catch (error) {
            return error as Error;
        }
        throw new Error("expected a failure");
    }

    async function keysIn(bucket: string): Promise<string[]> {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
        return (listed.Contents ?? []).map((object) => object.Key!).sort();
    }

    it("uploads a zip once: the same bytes at the key are not sent again, other bytes are", async () => {
        const dir = makeTree({ "index.js": "exports.x = 1;\n" });
        const staging = { bucket: "staging-bucket", mode: "always" as const, keepObject: true };
        emulator.resetCounts();
        const first = await publish("skip-layer", dir, staging);
        expect(emulator.counts().PutObject).to.equal(1);
        const [key] = await keysIn("staging-bucket");
        expect(key).to.equal(`skip-layer/${Buffer.from(first.codeSha256, "base64").toString("hex")}.zip`);

        emulator.resetCounts();
        const second = await publish("skip-layer", dir, staging);
        expect(second.version).to.equal(2);
        expect(second.codeSha256).to.equal(first.codeSha256);
        expect(emulator.counts().PutObject ?? 0, "the key already held the zip").to.equal(0);
        expect(emulator.counts().HeadObject).to.equal(1);

        // Other bytes under the same key (same size even): the zip is uploaded again.
        const size = (await s3.send(new HeadObjectCommand({ Bucket: "staging-bucket", Key: key }))).ContentLength!;
        await s3.send(new PutObjectCommand({ Bucket: "staging-bucket", Key: key, Body: randomBytes(size) }));
        emulator.resetCounts();
        const third = await publish("skip-layer", dir, staging);
        expect(emulator.counts().PutObject).to.equal(1);
        expect(third.codeSha256).to.equal(first.codeSha256);
    });

    it("sends a big zip in parts with a whole-object CRC32, and skips it next time", async () => {
        const dir = makeTree({ "a.bin": randomBytes(20 * MEBIBYTE) });
        const staging = { bucket: "staging-bucket", prefix: "parts/", mode: "always" as const, keepObject: true };
        emulator.resetCounts();
        const published = await publish("multipart-layer", dir, staging);
        expect(emulator.counts().CreateMultipartUpload).to.equal(1);
        expect(emulator.counts().UploadPart).to.equal(3);
        const key = `parts/multipart-layer/${Buffer.from(published.codeSha256, "base64").toString("hex")}.zip`;
        const head = await s3.send(
            new HeadObjectCommand({ Bucket: "staging-bucket", Key: key, ChecksumMode: "ENABLED" }),
        );
        expect(head.ChecksumType).to.equal("FULL_OBJECT");
        expect(head.ChecksumCRC32).to.be.a("string");
        emulator.resetCounts();
        await publish("multipart-layer", dir, staging);
        expect(emulator.counts().CreateMultipartUpload ?? 0).to.equal(0);
    });

    it("refuses a bucket in another region, naming both, before uploading or publishing", async () => {
        await s3Client("eu-west-1").send(
            new CreateBucketCommand({
                Bucket: "far-away-bucket",
                CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
            }),
        );
        const dir = makeTree({ "index.js": "exports.far = 1;\n" });
        emulator.resetCounts();
        const failure = await failureOf(publish("far-layer", dir, { bucket: "far-away-bucket", mode: "always" }));
        expect(failure.message).to.include('the staging bucket "far-away-bucket" is in eu-west-1');
        expect(failure.message).to.include("the layer is published in us-east-1");
        expect(emulator.counts().PublishLayerVersion ?? 0).to.equal(0);
        expect(emulator.counts().PutObject ?? 0).to.equal(0);
    });

    it("names a missing bucket and says to create it", async () => {
        const dir = makeTree({ "index.js": "exports.none = 1;\n" });
        const failure = await failureOf(publish("lost-layer", dir, { bucket: "no-such-bucket", mode: "always" }));
        expect(failure.message).to.match(
            /^layer "lost-layer": staging the zip at s3:\/\/no-such-bucket\/lost-layer\/[0-9a-f]{64}\.zip failed/,
        );
        expect(failure.message).to.include(
            "does not exist: create it in us-east-1 (this provider never creates buckets)",
        );
        const versions = await emulator.client.send(new ListLayerVersionsCommand({ LayerName: "lost-layer" }));
        expect(versions.LayerVersions).to.deep.equal([]);
    });

    it("only warns when the staged object cannot be deleted", async () => {
        const refuseDeletes: Interceptor = (request) => (request.method === "DELETE" ? "lose-answer" : "forward");
        const proxy = await startInterceptingProxy(emulator.endpoint, refuseDeletes);
        const environment = setEnvironment({ AWS_ENDPOINT_URL_S3: proxy.endpoint, AWS_MAX_ATTEMPTS: "1" });
        const lines: string[] = [];
        const original = console.error;
        console.error = (line: string) => lines.push(line);
        try {
            const dir = makeTree({ "index.js": "exports.stays = 1;\n" });
            const published = await publish("undeletable-layer", dir, { bucket: "staging-bucket", mode: "always" });
            expect(published.version).to.equal(1);
        } finally {
            console.error = original;
            environment();
            await proxy.close();
        }
        const warning = lines.find((line) => line.includes("could not be deleted"));
        expect(warning).to.match(
            /^pulumi-lambda-layer: layer "undeletable-layer": warning: the staged zip s3:\/\/staging-bucket\/undeletable-layer\/[0-9a-f]{64}\.zip could not be deleted/,
        );
        expect(warning).to.include("lifecycle rule");
    });

    it("deletes the new version and fails when Lambda read other bytes than the zip", async () => {
        const otherZip = await makeZip({ "other.js": "exports.other = 1;\n" });
        const swapBeforePublish: Interceptor = async (request) => {
            const match = /\/layers\/swapped-layer\/versions$/.exec(request.path.split("?")[0]);
            if (request.method === "POST" && match) {
                const [key] = await keysIn("staging-bucket").then((keys) =>
                    keys.filter((candidate) => candidate.startsWith("swapped-layer/")),
                );
                await s3.send(new PutObjectCommand({ Bucket: "staging-bucket", Key: key, Body: otherZip }));
            }
            return "forward" as const;
        };
        const proxy = await startInterceptingProxy(emulator.endpoint, swapBeforePublish);
        const environment = setEnvironment({ AWS_ENDPOINT_URL_LAMBDA: proxy.endpoint });
        try {
            const dir = makeTree({ "index.js": "exports.mine = 1;\n" });
            const failure = await failureOf(
                publish("swapped-layer", dir, { bucket: "staging-bucket", mode: "always" }),
            );
            expect(failure.message).to.include(`the published version's CodeSha256 is ${sha256Base64(otherZip)}`);
            expect(failure.message).to.include("the version is deleted");
        } finally {
            environment();
            await proxy.close();
        }
        const versions = await emulator.client.send(new ListLayerVersionsCommand({ LayerName: "swapped-layer" }));
        expect(versions.LayerVersions).to.deep.equal([]);
        expect((await keysIn("staging-bucket")).filter((key) => key.startsWith("swapped-layer/"))).to.deep.equal([]);
    });
});
