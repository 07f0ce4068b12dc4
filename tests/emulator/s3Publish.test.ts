/**
 * PublishLayerVersion with S3 content through the real @aws-sdk/client-lambda, reading what the
 * real @aws-sdk/client-s3 put into the same emulator: the layer's CodeSha256 is the object's sha256,
 * and a missing bucket, key or version, or a bucket of another region, gets AWS's error.
 */
import { randomBytes } from "node:crypto";
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { GetLayerVersionCommand, PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { download, lambdaClient, makeYazlZip, makeZip, rejectionOf, sha256Base64 } from "../helpers/emulator";
import { s3Client } from "../helpers/s3";

const REGION = "eu-central-1";
const MiB = 1024 * 1024;

describe("emulator: PublishLayerVersion from S3 content", () => {
    let emulator: RunningEmulator;
    let zip: Buffer;

    before(async () => {
        emulator = await startEmulator();
        zip = await makeZip({ "python/staged.py": "STAGED = True\n" });
        const { client: s3 } = s3Client(emulator.endpoint, { region: REGION });
        await s3.send(new CreateBucketCommand({ Bucket: "staging-bucket" }));
        await s3.send(new PutObjectCommand({ Bucket: "staging-bucket", Key: "layers/staged.zip", Body: zip }));
        await s3Client(emulator.endpoint, { region: "us-east-1" }).client.send(
            new CreateBucketCommand({ Bucket: "virginia-bucket" }),
        );
    });
    after(async () => {
        await emulator.close();
    });

    const lambda = () => lambdaClient(emulator.endpoint, { region: REGION });
    const publish = (Content: { S3Bucket?: string; S3Key?: string; S3ObjectVersion?: string }) =>
        lambda().send(new PublishLayerVersionCommand({ LayerName: "from-s3", Content }));

    it("publishes the object's bytes: CodeSha256 and CodeSize are the object's, and the download is the object", async () => {
        const published = await publish({ S3Bucket: "staging-bucket", S3Key: "layers/staged.zip" });
        expect(published.Content?.CodeSha256).to.equal(sha256Base64(zip));
        expect(published.Content?.CodeSize).to.equal(zip.length);
        const read = await lambda().send(
            new GetLayerVersionCommand({ LayerName: "from-s3", VersionNumber: published.Version }),
        );
        const downloaded = await download(read.Content?.Location as string);
        expect(downloaded.bytes).to.deep.equal(zip);
    });

    it("publishes a 13 MiB zip that lib-storage uploaded in 5 MiB parts, with the zip's sha256", async () => {
        const big = await makeYazlZip(
            [
                { name: "python/a.bin", content: randomBytes(7 * MiB) },
                { name: "python/b.bin", content: randomBytes(6 * MiB) },
            ],
            false,
        );
        const { client: s3 } = s3Client(emulator.endpoint, { region: REGION });
        await new Upload({
            client: s3,
            params: { Bucket: "staging-bucket", Key: "layers/big.zip", Body: big },
            partSize: 5 * MiB,
        }).done();
        expect(emulator.requestCounts().UploadPart).to.equal(3);
        const published = await publish({ S3Bucket: "staging-bucket", S3Key: "layers/big.zip" });
        expect(published.Content?.CodeSha256).to.equal(sha256Base64(big));
        expect(published.Content?.CodeSize).to.equal(big.length);
    });

    it("answers AWS's InvalidParameterValueException for a missing key or bucket", async () => {
        const noKey = await rejectionOf(publish({ S3Bucket: "staging-bucket", S3Key: "layers/missing.zip" }));
        expect(noKey.name).to.equal("InvalidParameterValueException");
        expect(noKey.$metadata.httpStatusCode).to.equal(400);
        expect(noKey.message).to.equal(
            "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.",
        );
        const noBucket = await rejectionOf(publish({ S3Bucket: "no-such-bucket", S3Key: "layers/staged.zip" }));
        expect(noBucket.name).to.equal("InvalidParameterValueException");
        expect(noBucket.message).to.equal(
            "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist",
        );
    });

    it("answers PermanentRedirect naming the bucket's region for a bucket in another region", async () => {
        const far = await rejectionOf(publish({ S3Bucket: "virginia-bucket", S3Key: "anything.zip" }));
        expect(far.name).to.equal("InvalidParameterValueException");
        expect(far.message).to.equal(
            "Error occurred while GetObject. S3 Error Code: PermanentRedirect. S3 Error Message: The bucket is in this region: us-east-1. Please use this region to retry the request",
        );
    });

    it("reads the version S3ObjectVersion names, and refuses a version that does not exist", async () => {
        const { client: s3 } = s3Client(emulator.endpoint, { region: REGION });
        await s3.send(new CreateBucketCommand({ Bucket: "versioned-staging" }));
        await s3.send(
            new PutBucketVersioningCommand({
                Bucket: "versioned-staging",
                VersioningConfiguration: { Status: "Enabled" },
            }),
        );
        const first = await s3.send(new PutObjectCommand({ Bucket: "versioned-staging", Key: "layer.zip", Body: zip }));
        const other = await makeZip({ "python/other.py": "OTHER = 1\n" });
        await s3.send(new PutObjectCommand({ Bucket: "versioned-staging", Key: "layer.zip", Body: other }));
        const pinned = await publish({
            S3Bucket: "versioned-staging",
            S3Key: "layer.zip",
            S3ObjectVersion: first.VersionId,
        });
        expect(pinned.Content?.CodeSha256).to.equal(sha256Base64(zip));
        const latest = await publish({ S3Bucket: "versioned-staging", S3Key: "layer.zip" });
        expect(latest.Content?.CodeSha256).to.equal(sha256Base64(other));
        const missing = await rejectionOf(
            publish({ S3Bucket: "versioned-staging", S3Key: "layer.zip", S3ObjectVersion: "no-such-version" }),
        );
        expect(missing.message).to.equal(
            "Error occurred while GetObject. S3 Error Code: NoSuchVersion. S3 Error Message: The specified version does not exist.",
        );
    });

    it("checks an S3 archive as it checks an inline one: not a zip is refused", async () => {
        const { client: s3 } = s3Client(emulator.endpoint, { region: REGION });
        await s3.send(new PutObjectCommand({ Bucket: "staging-bucket", Key: "not-a-zip", Body: "plain text" }));
        const refused = await rejectionOf(publish({ S3Bucket: "staging-bucket", S3Key: "not-a-zip" }));
        expect(refused.name).to.equal("InvalidParameterValueException");
        expect(refused.message).to.include("Could not unzip uploaded file");
    });
});
