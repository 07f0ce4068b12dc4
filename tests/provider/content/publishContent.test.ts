/**
 * Staging through S3 in create, against the emulator's Lambda and S3 with the real SDK clients: the
 * upload skipped when the key holds the same bytes, multipart with a whole-object CRC32, the bucket's
 * region checked first, a missing bucket, a failed delete that only warns, and a version whose
 * CodeSha256 is not the zip's deleted.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { ListLayerVersionsCommand } from "@aws-sdk/client-lambda";
import {
    CreateBucketCommand,
    DeleteObjectCommand,
    HeadObjectCommand,
    ListObjectsV2Command,
    PutObjectCommand,
    S3Client,
} from "@aws-sdk/client-s3";
import { LayerVersionProvider } from "../../../provider";
import type { LayerStaging, LayerVersionInputs, LayerVersionOutputs } from "../../../provider/types";
import { makeTree, useEmulator } from "../../helpers/fixtures";
import { makeYazlZip, makeZip, sha256Base64 } from "../../helpers/emulator";
import { tempDir } from "../../helpers/fileTrees";
import { DIRECT_UPLOAD_MAX_ZIP_BYTES } from "../../../provider/rules/limits";
import { startInterceptingProxy, type CannedAnswer, type Interceptor } from "../../helpers/interceptingProxy";
import { setEnvironment } from "../../helpers/reliability";

const MEBIBYTE = 1024 * 1024;

/** An S3 error answer as S3 writes it: XML with the code and message. */
function s3ErrorAnswer(status: number, code: string, message: string): CannedAnswer {
    return {
        status,
        headers: { "Content-Type": "application/xml", "x-amz-request-id": "canned-request" },
        body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>canned-request</RequestId></Error>`,
    };
}

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
        expect(emulator.counts().UploadPart, "5 MiB parts").to.equal(Math.ceil(published.codeSize / (5 * MEBIBYTE)));
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

    it("publishes a prebuilt zip too big to send directly through staging, and without a bucket refuses it in create", async () => {
        const zip = await makeYazlZip(
            [{ name: "data/a.bin", content: randomBytes(DIRECT_UPLOAD_MAX_ZIP_BYTES) }],
            false,
        );
        const zipFile = path.join(tempDir("big-zip-"), "layer.zip");
        fs.writeFileSync(zipFile, zip);
        const inputs = { layerName: "big-zip-layer", zipFile } as LayerVersionInputs;

        const unstaged = await provider.check({} as LayerVersionInputs, inputs);
        expect(unstaged.failures ?? [], "the zip's size is create's to judge").to.deep.equal([]);
        emulator.resetCounts();
        const refused = await failureOf(provider.create(unstaged.inputs as LayerVersionInputs));
        expect(refused.message).to.include("staging").and.include("pulumi-lambda-layer:stagingBucket");
        expect(emulator.counts(), "nothing uploaded or published").to.deep.equal({});

        const checked = await provider.check({} as LayerVersionInputs, {
            ...inputs,
            staging: { bucket: "staging-bucket" },
        });
        const published = (await provider.create(checked.inputs as LayerVersionInputs)).outs as LayerVersionOutputs;
        expect(published.codeSha256).to.equal(sha256Base64(zip));
        expect(published.codeSize).to.equal(zip.length);
        expect(await keysIn("staging-bucket"), "the staged object is deleted").to.not.include(
            `big-zip-layer/${Buffer.from(published.codeSha256, "base64").toString("hex")}.zip`,
        );
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
            /^pulumi-lambda-layer: warning: layer "undeletable-layer": the staged zip s3:\/\/staging-bucket\/undeletable-layer\/[0-9a-f]{64}\.zip could not be deleted/,
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

    /** publish() with the S3 endpoint behind a proxy that answers every PUT with `answer`. */
    async function failureWithUploadAnswer(
        layerName: string,
        staging: LayerStaging,
        answer: CannedAnswer,
    ): Promise<Error> {
        const proxy = await startInterceptingProxy(emulator.endpoint, (request) =>
            request.method === "PUT" ? answer : "forward",
        );
        const environment = setEnvironment({ AWS_ENDPOINT_URL_S3: proxy.endpoint, AWS_MAX_ATTEMPTS: "1" });
        try {
            return await failureOf(
                publish(layerName, makeTree({ "index.js": `exports.n = "${layerName}";\n` }), staging),
            );
        } finally {
            environment();
            await proxy.close();
        }
    }

    it("says which permissions an upload refused with AccessDenied needs, and about encryption headers an SCP may demand", async () => {
        emulator.resetCounts();
        const failure = await failureWithUploadAnswer(
            "denied-layer",
            { bucket: "staging-bucket", prefix: "ci/", mode: "always" },
            s3ErrorAnswer(403, "AccessDenied", "User is not authorized to perform s3:PutObject with an explicit deny"),
        );
        expect(failure.message).to.match(
            /^layer "denied-layer": staging the zip at s3:\/\/staging-bucket\/ci\/denied-layer\/[0-9a-f]{64}\.zip failed in upload: AccessDenied \(HTTP 403/,
        );
        expect(failure.message).to.include(
            "allow s3:PutObject, s3:GetObject and s3:DeleteObject on arn:aws:s3:::staging-bucket/ci/*",
        );
        expect(failure.message).to.include(
            "if a bucket policy or an SCP demands encryption headers, set staging.serverSideEncryption",
        );
        expect(failure.message).to.include("nothing was published");
        expect(emulator.counts().PublishLayerVersion ?? 0).to.equal(0);
    });

    it("names the KMS key that cannot be used, and the KMS permissions", async () => {
        const failure = await failureWithUploadAnswer(
            "kms-layer",
            { bucket: "staging-bucket", mode: "always", serverSideEncryption: "aws:kms", kmsKeyId: "alias/deploy" },
            s3ErrorAnswer(400, "KMS.NotFoundException", "Invalid keyId alias/deploy"),
        );
        expect(failure.message).to.include("KMS.NotFoundException");
        expect(failure.message).to.include('the KMS key "alias/deploy" cannot be used');
        expect(failure.message).to.include("allow kms:GenerateDataKey and kms:Decrypt on it");
    });

    it("says Lambda reads the staged object with the deploying credentials when its read fails", async () => {
        const deleteBeforePublish: Interceptor = async (request) => {
            if (request.method === "POST" && request.path.split("?")[0].endsWith("/layers/unread-layer/versions")) {
                for (const Key of (await keysIn("staging-bucket")).filter((key) => key.startsWith("unread-layer/"))) {
                    await s3.send(new DeleteObjectCommand({ Bucket: "staging-bucket", Key }));
                }
            }
            return "forward" as const;
        };
        const proxy = await startInterceptingProxy(emulator.endpoint, deleteBeforePublish);
        const environment = setEnvironment({ AWS_ENDPOINT_URL_LAMBDA: proxy.endpoint });
        try {
            const dir = makeTree({ "index.js": "exports.unread = 1;\n" });
            const failure = await failureOf(publish("unread-layer", dir, { bucket: "staging-bucket", mode: "always" }));
            expect(failure.message).to.match(
                /^layer "unread-layer": PublishLayerVersion failed: InvalidParameterValueException/,
            );
            expect(failure.message).to.include("NoSuchKey");
            expect(failure.message).to.match(
                /Lambda read the zip from s3:\/\/staging-bucket\/unread-layer\/[0-9a-f]{64}\.zip with the deploying credentials: they need s3:GetObject on it/,
            );
        } finally {
            environment();
            await proxy.close();
        }
    });
});
