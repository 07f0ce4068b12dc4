/**
 * The S3 subset with a data directory: buckets, object versions and multipart uploads in progress
 * are back after the CLI is killed (SIGKILL) and restarted on the same directory, byte for byte,
 * and data files no record names (a kill mid-upload) are swept at start-up.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
    CompleteMultipartUploadCommand,
    CreateBucketCommand,
    CreateMultipartUploadCommand,
    GetObjectCommand,
    HeadBucketCommand,
    HeadObjectCommand,
    UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { expect } from "chai";
import { startCli, type CliProcess } from "../helpers/emulator";
import { s3Client } from "../helpers/s3";

const REGION = "eu-north-1";
const MiB = 1024 * 1024;

describe("emulator: S3 objects in the data directory across kill -9", () => {
    let dataDir: string;
    let running: CliProcess | undefined;

    before(async () => {
        dataDir = await mkdtemp(join(tmpdir(), "emulator-s3-durability-"));
    });
    afterEach(() => {
        running?.child.kill("SIGKILL");
        running = undefined;
    });
    after(() => rm(dataDir, { recursive: true, force: true }));

    async function restart(): Promise<ReturnType<typeof s3Client>["client"]> {
        if (running) {
            running.child.kill("SIGKILL");
            await running.exited;
        }
        running = await startCli(["--data-dir", dataDir, "--port", "0"]);
        return s3Client(running.endpoint, { region: REGION }).client;
    }

    it("keeps buckets, objects and an upload in progress across a kill, and sweeps unnamed data files", async () => {
        let s3 = await restart();
        await s3.send(new CreateBucketCommand({ Bucket: "durable-bucket" }));
        const small = randomBytes(1000);
        const big = randomBytes(11 * MiB);
        await new Upload({ client: s3, params: { Bucket: "durable-bucket", Key: "small", Body: small } }).done();
        await new Upload({
            client: s3,
            params: { Bucket: "durable-bucket", Key: "big", Body: big },
            partSize: 5 * MiB,
        }).done();
        const { UploadId } = await s3.send(
            new CreateMultipartUploadCommand({ Bucket: "durable-bucket", Key: "later", ChecksumAlgorithm: "CRC32" }),
        );
        const firstPart = await s3.send(
            new UploadPartCommand({
                Bucket: "durable-bucket",
                Key: "later",
                UploadId,
                PartNumber: 1,
                Body: big.subarray(0, 5 * MiB),
            }),
        );
        // What a kill in the middle of receiving an object leaves: a data file that no record names.
        await writeFile(join(dataDir, "_s3", "data", "orphan-from-a-kill"), "partial bytes");

        s3 = await restart();
        expect((await s3.send(new HeadBucketCommand({ Bucket: "durable-bucket" }))).BucketRegion).to.equal(REGION);
        const read = async (Key: string) => {
            const got = await s3.send(new GetObjectCommand({ Bucket: "durable-bucket", Key }));
            return Buffer.from(
                await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
            );
        };
        expect((await read("small")).equals(small)).to.equal(true);
        expect((await read("big")).equals(big)).to.equal(true);
        const head = await s3.send(
            new HeadObjectCommand({ Bucket: "durable-bucket", Key: "big", ChecksumMode: "ENABLED" }),
        );
        expect(head.ChecksumCRC32).to.match(/-3$/);
        expect(await readdir(join(dataDir, "_s3", "data"))).to.not.include("orphan-from-a-kill");

        const secondPart = await s3.send(
            new UploadPartCommand({
                Bucket: "durable-bucket",
                Key: "later",
                UploadId,
                PartNumber: 2,
                Body: big.subarray(5 * MiB),
            }),
        );
        await s3.send(
            new CompleteMultipartUploadCommand({
                Bucket: "durable-bucket",
                Key: "later",
                UploadId,
                MultipartUpload: {
                    Parts: [
                        { PartNumber: 1, ETag: firstPart.ETag, ChecksumCRC32: firstPart.ChecksumCRC32 },
                        { PartNumber: 2, ETag: secondPart.ETag, ChecksumCRC32: secondPart.ChecksumCRC32 },
                    ],
                },
            }),
        );
        s3 = await restart();
        expect((await read("later")).equals(big)).to.equal(true);
    });
});
