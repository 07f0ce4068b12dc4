/**
 * Multipart uploads through @aws-sdk/lib-storage's Upload (5 MiB parts, in parallel) and the
 * low-level commands: the object is the bytes sent, its ETag and COMPOSITE checksum are computed as
 * S3 computes them, and S3's refusals (a small part, a wrong part checksum, an aborted upload) hold.
 */
import { createHash, randomBytes } from "node:crypto";
import {
    AbortMultipartUploadCommand,
    CompleteMultipartUploadCommand,
    CreateBucketCommand,
    CreateMultipartUploadCommand,
    GetObjectCommand,
    HeadObjectCommand,
    ListPartsCommand,
    UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { checksumOf, compositeChecksum } from "../../emulator/s3/checksums";
import { rejectionOf } from "../helpers/emulator";
import { s3Client } from "../helpers/s3";

const REGION = "us-west-2";
const MiB = 1024 * 1024;

describe("emulator: S3 multipart uploads (@aws-sdk/lib-storage)", () => {
    let emulator: RunningEmulator;

    before(async () => {
        emulator = await startEmulator();
        await s3Client(emulator.endpoint, { region: REGION }).client.send(
            new CreateBucketCommand({ Bucket: "big-objects" }),
        );
    });
    after(async () => {
        await emulator.close();
    });

    it("assembles a 12.5 MiB Upload of 5 MiB parts, with the multipart ETag and the composite CRC32", async () => {
        const { client: s3 } = s3Client(emulator.endpoint, { region: REGION });
        const body = randomBytes(12.5 * MiB);
        const progress: number[] = [];
        const upload = new Upload({
            client: s3,
            params: { Bucket: "big-objects", Key: "layer.zip", Body: body },
            partSize: 5 * MiB,
            queueSize: 4,
            leavePartsOnError: false,
        });
        upload.on("httpUploadProgress", (event) => progress.push(event.loaded ?? 0));
        const result = await upload.done();
        expect(emulator.requestCounts()).to.include({
            CreateMultipartUpload: 1,
            UploadPart: 3,
            CompleteMultipartUpload: 1,
        });
        const parts = [body.subarray(0, 5 * MiB), body.subarray(5 * MiB, 10 * MiB), body.subarray(10 * MiB)];
        const partMd5s = Buffer.concat(parts.map((part) => createHash("md5").update(part).digest()));
        expect(result.ETag).to.equal(`"${createHash("md5").update(partMd5s).digest("hex")}-3"`);
        expect(Math.max(...progress)).to.equal(body.length);
        const head = await s3.send(
            new HeadObjectCommand({ Bucket: "big-objects", Key: "layer.zip", ChecksumMode: "ENABLED" }),
        );
        expect(head.ContentLength).to.equal(body.length);
        expect(head.ChecksumType).to.equal("COMPOSITE");
        expect(head.ChecksumCRC32).to.equal(
            compositeChecksum(
                "CRC32",
                parts.map((part) => checksumOf("CRC32", part)),
            ),
        );
        const got = await s3.send(new GetObjectCommand({ Bucket: "big-objects", Key: "layer.zip" }));
        const bytes = Buffer.from(
            await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
        );
        expect(createHash("sha256").update(bytes).digest("hex")).to.equal(
            createHash("sha256").update(body).digest("hex"),
        );
    });

    it("keeps a FULL_OBJECT CRC64NVME of a multipart object (the checksum of the whole bytes) and its encryption", async () => {
        const { client: s3 } = s3Client(emulator.endpoint, { region: REGION });
        const body = randomBytes(11 * MiB);
        await new Upload({
            client: s3,
            params: {
                Bucket: "big-objects",
                Key: "full.bin",
                Body: body,
                ChecksumAlgorithm: "CRC64NVME",
                ServerSideEncryption: "aws:kms",
            },
            partSize: 5 * MiB,
        }).done();
        const head = await s3.send(
            new HeadObjectCommand({ Bucket: "big-objects", Key: "full.bin", ChecksumMode: "ENABLED" }),
        );
        expect(head.ChecksumType).to.equal("FULL_OBJECT");
        expect(head.ChecksumCRC64NVME).to.equal(checksumOf("CRC64NVME", body));
        // The upload's encryption settings carry over to the assembled object.
        expect(head.ServerSideEncryption).to.equal("aws:kms");
        expect(head.SSEKMSKeyId).to.equal(`arn:aws:kms:${REGION}:123456789012:alias/aws/s3`);
    });

    it("refuses a part with a wrong checksum, a small middle part, and a completed or aborted upload", async () => {
        const { client: s3 } = s3Client(emulator.endpoint, { region: REGION });
        const { UploadId } = await s3.send(
            new CreateMultipartUploadCommand({ Bucket: "big-objects", Key: "manual", ChecksumAlgorithm: "SHA256" }),
        );
        const part = (PartNumber: number, Body: Buffer, ChecksumSHA256 = checksumOf("SHA256", Body)) =>
            s3.send(
                new UploadPartCommand({
                    Bucket: "big-objects",
                    Key: "manual",
                    UploadId,
                    PartNumber,
                    Body,
                    ChecksumSHA256,
                }),
            );
        const wrong = await rejectionOf(part(1, Buffer.from("small"), checksumOf("SHA256", Buffer.from("other"))));
        expect(wrong.name).to.equal("BadDigest");
        const small = Buffer.from("small first part");
        const last = Buffer.from("last part");
        const first = await part(1, small);
        const second = await part(2, last);
        const listed = await s3.send(new ListPartsCommand({ Bucket: "big-objects", Key: "manual", UploadId }));
        expect(listed.Parts?.map((listedPart) => listedPart.Size)).to.deep.equal([small.length, last.length]);
        const complete = () =>
            s3.send(
                new CompleteMultipartUploadCommand({
                    Bucket: "big-objects",
                    Key: "manual",
                    UploadId,
                    MultipartUpload: {
                        Parts: [
                            { PartNumber: 1, ETag: first.ETag, ChecksumSHA256: first.ChecksumSHA256 },
                            { PartNumber: 2, ETag: second.ETag, ChecksumSHA256: second.ChecksumSHA256 },
                        ],
                    },
                }),
            );
        const tooSmall = await rejectionOf(complete());
        expect(tooSmall.name).to.equal("EntityTooSmall");
        await s3.send(new AbortMultipartUploadCommand({ Bucket: "big-objects", Key: "manual", UploadId }));
        const aborted = await rejectionOf(complete());
        expect(aborted.name).to.equal("NoSuchUpload");
        expect(aborted.$metadata.httpStatusCode).to.equal(404);
        const noObject = await rejectionOf(s3.send(new HeadObjectCommand({ Bucket: "big-objects", Key: "manual" })));
        expect(noObject.$metadata.httpStatusCode).to.equal(404);
    });
});
