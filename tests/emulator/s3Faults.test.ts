/**
 * Fault injection on the S3 side: the same `faultRate` answers S3 requests with S3's own 503
 * SlowDown and 500 InternalError, before any change, so the SDK's retries complete every upload
 * (single and multipart) with the right bytes and nothing twice.
 */
import { createHash, randomBytes } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { rejectionOf } from "../helpers/emulator";
import { s3Client } from "../helpers/s3";

const REGION = "us-west-2";
const MiB = 1024 * 1024;

describe("emulator: S3 fault injection", () => {
    let emulator: RunningEmulator;

    before(async () => {
        emulator = await startEmulator({ faultRate: 0.3, faultSeed: 7 });
    });
    after(async () => {
        await emulator.close();
    });

    it("answers faults as S3 does, and the SDK's retries finish every upload intact", async () => {
        const { client: once } = s3Client(emulator.endpoint, { region: REGION, maxAttempts: 1 });
        const errors = new Set<string>();
        for (let attempt = 0; attempt < 20; attempt++) {
            const error = await rejectionOf(once.send(new ListObjectsV2Command({ Bucket: "no-such-bucket" })));
            errors.add(`${error.$metadata.httpStatusCode} ${error.name}`);
        }
        expect([...errors].sort()).to.deep.equal(["404 NoSuchBucket", "500 InternalError", "503 SlowDown"]);

        const { client: s3 } = s3Client(emulator.endpoint, { region: REGION, maxAttempts: 10 });
        await s3.send(new CreateBucketCommand({ Bucket: "faulty" }));
        const bodies = [randomBytes(3000), randomBytes(11 * MiB)];
        for (const [index, body] of bodies.entries()) {
            await new Upload({
                client: s3,
                params: { Bucket: "faulty", Key: `k${index}`, Body: body },
                partSize: 5 * MiB,
            }).done();
        }
        for (const [index, body] of bodies.entries()) {
            const got = await s3.send(new GetObjectCommand({ Bucket: "faulty", Key: `k${index}` }));
            const bytes = Buffer.from(
                await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
            );
            expect(createHash("sha256").update(bytes).digest("hex")).to.equal(
                createHash("sha256").update(body).digest("hex"),
            );
        }
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: "faulty" }));
        expect(listed.Contents?.map((object) => object.Key)).to.deep.equal(["k0", "k1"]);
        const counts = emulator.requestCounts();
        expect(counts.UploadPart).to.be.at.least(3);
    });
});
