/**
 * The S3 subset through the real @aws-sdk/client-s3: buckets with regions, objects with the
 * checksums S3 verifies (the SDK's default CRC32 trailer, explicit headers, Content-MD5), conditional
 * writes, listing, versions, and S3's XML errors.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import {
    ChecksumAlgorithm,
    CreateBucketCommand,
    DeleteBucketCommand,
    DeleteObjectCommand,
    GetBucketLocationCommand,
    GetObjectCommand,
    HeadBucketCommand,
    HeadObjectCommand,
    ListObjectsV2Command,
    PutBucketVersioningCommand,
    PutObjectCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { checksumOf } from "../../emulator/s3/checksums";
import { rejectionOf } from "../helpers/emulator";
import { s3Client } from "../helpers/s3";

const REGION = "eu-west-1";

describe("emulator: S3 buckets and objects (@aws-sdk/client-s3)", () => {
    let emulator: RunningEmulator;

    before(async () => {
        emulator = await startEmulator();
    });
    after(async () => {
        await emulator.close();
    });

    const client = (options: Parameters<typeof s3Client>[1] = {}) =>
        s3Client(emulator.endpoint, { region: REGION, ...options });

    async function createBucket(name: string, region = REGION): Promise<void> {
        await s3Client(emulator.endpoint, { region }).client.send(
            new CreateBucketCommand({
                Bucket: name,
                CreateBucketConfiguration: region === "us-east-1" ? undefined : { LocationConstraint: region as never },
            }),
        );
    }

    it("creates a bucket in a region, answers its region on HEAD and GetBucketLocation, and deletes it", async () => {
        const { client: s3 } = client();
        await createBucket("regional-bucket");
        const head = await s3.send(new HeadBucketCommand({ Bucket: "regional-bucket" }));
        expect(head.BucketRegion).to.equal(REGION);
        const location = await s3.send(new GetBucketLocationCommand({ Bucket: "regional-bucket" }));
        expect(location.LocationConstraint).to.equal(REGION);
        const again = await rejectionOf(
            s3.send(
                new CreateBucketCommand({
                    Bucket: "regional-bucket",
                    CreateBucketConfiguration: { LocationConstraint: REGION },
                }),
            ),
        );
        expect(again.name).to.equal("BucketAlreadyOwnedByYou");
        expect(again.$metadata.httpStatusCode).to.equal(409);
        await s3.send(new DeleteBucketCommand({ Bucket: "regional-bucket" }));
        const gone = await rejectionOf(s3.send(new HeadBucketCommand({ Bucket: "regional-bucket" })));
        expect(gone.$metadata.httpStatusCode).to.equal(404);
        const missing = await rejectionOf(s3.send(new DeleteBucketCommand({ Bucket: "regional-bucket" })));
        expect(missing.name).to.equal("NoSuchBucket");
    });

    it("refuses a bucket whose location constraint does not match the region the request was signed for", async () => {
        const { client: s3 } = client();
        const other = await rejectionOf(
            s3.send(
                new CreateBucketCommand({
                    Bucket: "other-constraint",
                    CreateBucketConfiguration: { LocationConstraint: "ap-south-1" },
                }),
            ),
        );
        expect(other.name).to.equal("IllegalLocationConstraintException");
        const badName = await rejectionOf(
            s3.send(
                new CreateBucketCommand({
                    Bucket: "Bad_Name",
                    CreateBucketConfiguration: { LocationConstraint: REGION },
                }),
            ),
        );
        expect(badName.name).to.equal("InvalidBucketName");
    });

    it("answers a request for a bucket of another region with 301 and the bucket's region", async () => {
        await createBucket("far-bucket", "ap-southeast-2");
        const { client: s3 } = client({ followRegionRedirects: false });
        const head = await rejectionOf(s3.send(new HeadBucketCommand({ Bucket: "far-bucket" })));
        expect(head.$metadata.httpStatusCode).to.equal(301);
        const response = (head as unknown as { $response?: { headers: Record<string, string> } }).$response;
        expect(response?.headers["x-amz-bucket-region"]).to.equal("ap-southeast-2");
        const put = await rejectionOf(s3.send(new PutObjectCommand({ Bucket: "far-bucket", Key: "k", Body: "x" })));
        expect(put.name).to.equal("PermanentRedirect");
        expect(put.$metadata.httpStatusCode).to.equal(301);
        // The SDK's own region redirect follows the header and succeeds.
        const { client: following } = client({ followRegionRedirects: true });
        await following.send(new PutObjectCommand({ Bucket: "far-bucket", Key: "k", Body: "x" }));
        const location = await s3.send(new GetBucketLocationCommand({ Bucket: "far-bucket" }));
        expect(location.LocationConstraint).to.equal("ap-southeast-2");
    });

    it("fills in the location constraint of the client's region, as the SDK does", async () => {
        const { client: s3 } = client();
        await s3.send(new CreateBucketCommand({ Bucket: "implicit-region" }));
        const head = await s3.send(new HeadBucketCommand({ Bucket: "implicit-region" }));
        expect(head.BucketRegion).to.equal(REGION);
    });

    it("stores a stream sent with the SDK's default CRC32 trailer (aws-chunked) and returns its bytes and checksum", async () => {
        await createBucket("objects");
        const { client: s3, sent } = client();
        const body = Buffer.from("hello layer staging\n".repeat(1000));
        const put = await s3.send(
            new PutObjectCommand({
                Bucket: "objects",
                Key: "dir/a b+c.txt",
                Body: Readable.from([body.subarray(0, 7000), body.subarray(7000)]),
                ContentLength: body.length,
            }),
        );
        // The SDK sent the body aws-chunked with a CRC32 trailer: the emulator decoded and verified it.
        const putRequest = sent.find((request) => request.method === "PUT") as (typeof sent)[number];
        expect(putRequest.headers["x-amz-trailer"]).to.equal("x-amz-checksum-crc32");
        expect(putRequest.headers["content-encoding"]).to.equal("aws-chunked");
        expect(put.ChecksumCRC32).to.equal(checksumOf("CRC32", body));
        expect(put.ETag).to.equal(`"${createHash("md5").update(body).digest("hex")}"`);
        const head = await s3.send(
            new HeadObjectCommand({ Bucket: "objects", Key: "dir/a b+c.txt", ChecksumMode: "ENABLED" }),
        );
        expect(head.ContentLength).to.equal(body.length);
        expect(head.ChecksumCRC32).to.equal(checksumOf("CRC32", body));
        expect(head.ChecksumType).to.equal("FULL_OBJECT");
        const got = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "dir/a b+c.txt" }));
        expect(
            Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()),
        ).to.deep.equal(body);
        const range = await s3.send(
            new GetObjectCommand({ Bucket: "objects", Key: "dir/a b+c.txt", Range: "bytes=6-10" }),
        );
        expect(await (range.Body as { transformToString(): Promise<string> }).transformToString()).to.equal("layer");
        expect(range.ContentRange).to.equal(`bytes 6-10/${body.length}`);
    });

    for (const algorithm of [ChecksumAlgorithm.CRC32C, ChecksumAlgorithm.SHA256, ChecksumAlgorithm.CRC64NVME]) {
        it(`verifies and keeps a ${algorithm} checksum sent as a header`, async () => {
            const { client: s3 } = client();
            const body = Buffer.from(`content checked with ${algorithm}`);
            const value = checksumOf(algorithm, body);
            const member = `Checksum${algorithm}` as const;
            await s3.send(
                new PutObjectCommand({ Bucket: "objects", Key: `sum-${algorithm}`, Body: body, [member]: value }),
            );
            const head = await s3.send(
                new HeadObjectCommand({ Bucket: "objects", Key: `sum-${algorithm}`, ChecksumMode: "ENABLED" }),
            );
            expect(head[member]).to.equal(value);
        });
    }

    it("refuses a wrong checksum or Content-MD5 with BadDigest and keeps nothing", async () => {
        const { client: s3 } = client();
        const body = Buffer.from("the real bytes");
        const wrongSha = await rejectionOf(
            s3.send(
                new PutObjectCommand({
                    Bucket: "objects",
                    Key: "bad-digest",
                    Body: body,
                    ChecksumSHA256: checksumOf("SHA256", Buffer.from("other bytes")),
                }),
            ),
        );
        expect(wrongSha.name).to.equal("BadDigest");
        expect(wrongSha.$metadata.httpStatusCode).to.equal(400);
        expect(wrongSha.message).to.equal("The SHA256 you specified did not match the calculated checksum.");
        const wrongMd5 = await rejectionOf(
            s3.send(
                new PutObjectCommand({
                    Bucket: "objects",
                    Key: "bad-digest",
                    Body: body,
                    ContentMD5: checksumOf("MD5", Buffer.from("other bytes")),
                }),
            ),
        );
        expect(wrongMd5.name).to.equal("BadDigest");
        const head = await rejectionOf(s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "bad-digest" })));
        expect(head.$metadata.httpStatusCode).to.equal(404);
    });

    it("refuses a write with If-None-Match: * when the key exists (412 PreconditionFailed)", async () => {
        const { client: s3 } = client();
        await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "once", Body: "first", IfNoneMatch: "*" }));
        const second = await rejectionOf(
            s3.send(new PutObjectCommand({ Bucket: "objects", Key: "once", Body: "second", IfNoneMatch: "*" })),
        );
        expect(second.name).to.equal("PreconditionFailed");
        expect(second.$metadata.httpStatusCode).to.equal(412);
        const got = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "once" }));
        expect(await (got.Body as { transformToString(): Promise<string> }).transformToString()).to.equal("first");
    });

    it("lists objects with a prefix, a delimiter and pages", async () => {
        await createBucket("listing");
        const { client: s3 } = client();
        for (const key of ["a/1", "a/2", "b/1", "c", "d"]) {
            await s3.send(new PutObjectCommand({ Bucket: "listing", Key: key, Body: key }));
        }
        const top = await s3.send(new ListObjectsV2Command({ Bucket: "listing", Delimiter: "/" }));
        expect(top.CommonPrefixes?.map((prefix) => prefix.Prefix)).to.deep.equal(["a/", "b/"]);
        expect(top.Contents?.map((object) => object.Key)).to.deep.equal(["c", "d"]);
        const underA = await s3.send(new ListObjectsV2Command({ Bucket: "listing", Prefix: "a/" }));
        expect(underA.Contents?.map((object) => [object.Key, object.Size])).to.deep.equal([
            ["a/1", 3],
            ["a/2", 3],
        ]);
        const keys: string[] = [];
        let token: string | undefined;
        do {
            const page = await s3.send(
                new ListObjectsV2Command({ Bucket: "listing", MaxKeys: 2, ContinuationToken: token }),
            );
            keys.push(...(page.Contents ?? []).map((object) => object.Key as string));
            token = page.NextContinuationToken;
        } while (token);
        expect(keys).to.deep.equal(["a/1", "a/2", "b/1", "c", "d"]);
        const empty = await rejectionOf(s3.send(new DeleteBucketCommand({ Bucket: "listing" })));
        expect(empty.name).to.equal("BucketNotEmpty");
    });

    it("deletes objects, and answers NoSuchKey / NoSuchBucket for what is not there", async () => {
        const { client: s3 } = client();
        await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "doomed", Body: "x" }));
        await s3.send(new DeleteObjectCommand({ Bucket: "objects", Key: "doomed" }));
        const noKey = await rejectionOf(s3.send(new GetObjectCommand({ Bucket: "objects", Key: "doomed" })));
        expect(noKey.name).to.equal("NoSuchKey");
        expect(noKey.$metadata.httpStatusCode).to.equal(404);
        // Deleting what is not there succeeds, as in S3.
        await s3.send(new DeleteObjectCommand({ Bucket: "objects", Key: "doomed" }));
        const noBucket = await rejectionOf(s3.send(new GetObjectCommand({ Bucket: "no-such-bucket", Key: "k" })));
        expect(noBucket.name).to.equal("NoSuchBucket");
        expect(noBucket.$metadata.httpStatusCode).to.equal(404);
    });

    it("keeps every version once versioning is enabled, and serves each by its VersionId", async () => {
        await createBucket("versioned");
        const { client: s3 } = client();
        const unversioned = await s3.send(new PutObjectCommand({ Bucket: "versioned", Key: "k", Body: "before" }));
        expect(unversioned.VersionId).to.equal(undefined);
        await s3.send(
            new PutBucketVersioningCommand({ Bucket: "versioned", VersioningConfiguration: { Status: "Enabled" } }),
        );
        const first = await s3.send(new PutObjectCommand({ Bucket: "versioned", Key: "k", Body: "one" }));
        const second = await s3.send(new PutObjectCommand({ Bucket: "versioned", Key: "k", Body: "two" }));
        expect(first.VersionId).to.be.a("string").and.not.equal(second.VersionId);
        const read = async (VersionId?: string) =>
            (await s3.send(new GetObjectCommand({ Bucket: "versioned", Key: "k", VersionId }))).Body as {
                transformToString(): Promise<string>;
            };
        expect(await (await read(first.VersionId)).transformToString()).to.equal("one");
        expect(await (await read()).transformToString()).to.equal("two");
        expect(await (await read("null")).transformToString()).to.equal("before");
        const deleted = await s3.send(new DeleteObjectCommand({ Bucket: "versioned", Key: "k" }));
        expect(deleted.DeleteMarker).to.equal(true);
        expect((await rejectionOf(read())).name).to.equal("NoSuchKey");
        expect(await (await read(second.VersionId)).transformToString()).to.equal("two");
        const missing = await rejectionOf(read("no-such-version"));
        expect(missing.name).to.equal("NoSuchVersion");
    });

    it("answers back the encryption and storage class asked for, and refuses unknown ones and ACLs", async () => {
        const { client: s3 } = client();
        const put = await s3.send(
            new PutObjectCommand({
                Bucket: "objects",
                Key: "encrypted",
                Body: "secret-ish",
                ServerSideEncryption: "aws:kms",
                SSEKMSKeyId: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                StorageClass: "STANDARD_IA",
            }),
        );
        expect(put.ServerSideEncryption).to.equal("aws:kms");
        const head = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "encrypted" }));
        expect(head.ServerSideEncryption).to.equal("aws:kms");
        expect(head.SSEKMSKeyId).to.equal(
            "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        );
        expect(head.StorageClass).to.equal("STANDARD_IA");
        const plain = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "once" }));
        expect(plain.ServerSideEncryption).to.equal("AES256");
        expect(plain.StorageClass).to.equal(undefined);
        const badClass = await rejectionOf(
            s3.send(new PutObjectCommand({ Bucket: "objects", Key: "k", Body: "x", StorageClass: "COLD" as never })),
        );
        expect(badClass.name).to.equal("InvalidStorageClass");
        // ACLs are disabled, as on every new bucket since 2023.
        const acl = await rejectionOf(
            s3.send(new PutObjectCommand({ Bucket: "objects", Key: "k", Body: "x", ACL: "public-read" })),
        );
        expect(acl.name).to.equal("AccessControlListNotSupported");
    });

    it("refuses a request whose expected bucket owner is another account with 403 AccessDenied", async () => {
        const { client: s3 } = client();
        const other = await rejectionOf(
            s3.send(
                new PutObjectCommand({ Bucket: "objects", Key: "k", Body: "x", ExpectedBucketOwner: "210987654321" }),
            ),
        );
        expect(other.name).to.equal("AccessDenied");
        expect(other.$metadata.httpStatusCode).to.equal(403);
        await s3.send(
            new PutObjectCommand({ Bucket: "objects", Key: "owned", Body: "x", ExpectedBucketOwner: "123456789012" }),
        );
    });
});
