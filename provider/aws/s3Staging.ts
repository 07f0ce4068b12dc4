/**
 * The provider's edge to S3, for staging a zip too big to send to Lambda directly: the bucket's region
 * is checked first, the zip is uploaded (multipart when big, with a CRC32 that S3 verifies over the
 * whole object) unless its content-addressed key already holds the same bytes, and the object is deleted
 * once Lambda has its own copy. Never an ACL, never a bucket created. Clients are made per call, from the
 * standard AWS chain (`AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` point them at an emulator).
 */
import * as fs from "node:fs";
import {
    DeleteObjectCommand,
    HeadBucketCommand,
    HeadObjectCommand,
    S3Client,
    type PutObjectCommandInput,
    type StorageClass,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { loadConfig } from "@smithy/core/config";
import { NODE_MAX_ATTEMPT_CONFIG_OPTIONS } from "@smithy/core/retry";
import type { ResolvedStaging } from "../rules/staging";
import { DEFAULT_MAX_ATTEMPTS } from "./lambdaClient";
import {
    elapsed,
    formatBytes,
    logProgress,
    logWarning,
    uploadPercentages,
    type ProgressSink,
} from "../local/progressLog";

/**
 * Parts of a multipart upload: S3's smallest. lib-storage holds up to PARTS_IN_FLIGHT parts (and copies
 * of them) at once, so the part size sets the upload's memory: 8 MiB parts took a 210 MB create from 157 MB
 * to 239 MB peak RSS here, for no faster upload.
 */
const PART_BYTES = 5 * 1024 * 1024;
/** Parts in flight at once (lib-storage's default). */
const PARTS_IN_FLIGHT = 4;

/** The zip to stage: where it is and what its bytes are. */
export interface ZipToStage {
    path: string;
    bytes: number;
    /** Base64 CRC32 of the whole zip, as S3 reports a full-object `ChecksumCRC32`. */
    crc32Base64: string;
}

/** One staged object: the layer it is for, the settings, the key. */
export interface StagedObject {
    layerName: string;
    staging: ResolvedStaging;
    key: string;
}

/** A client for one region, with the same attempt count as the Lambda client. */
export function createS3Client(region: string): S3Client {
    return new S3Client({
        region,
        maxAttempts: loadConfig({ ...NODE_MAX_ATTEMPT_CONFIG_OPTIONS, default: DEFAULT_MAX_ATTEMPTS }),
    });
}

/** The fields of an AWS SDK v3 error that the messages need. */
interface S3ErrorLike {
    name?: string;
    message?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number; requestId?: string };
    $response?: { headers?: Record<string, string | undefined> };
}

/** `s3://bucket/key` of an object. */
export function objectUrl(object: StagedObject): string {
    return `s3://${object.staging.bucket}/${object.key}`;
}

/**
 * Fails, naming both regions, when the bucket is in another region than the layer: Lambda reads the
 * object from the layer's region only. HeadBucket needs s3:ListBucket, which a deploying role may lack:
 * a 403 still carries the bucket's region header; without one, the check is left to the upload.
 */
export async function assertBucketRegion(client: S3Client, object: StagedObject, region: string): Promise<void> {
    const { bucket, expectedBucketOwner } = object.staging;
    let bucketRegion: string | undefined;
    try {
        const head = await client.send(
            new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: expectedBucketOwner }),
        );
        bucketRegion = head.BucketRegion;
    } catch (error) {
        const status = (error as S3ErrorLike).$metadata?.httpStatusCode;
        bucketRegion = headerOf(error, "x-amz-bucket-region");
        if (status === 404) {
            throw stagingError(object, "HeadBucket", error, missingBucketAdvice(object, region));
        }
        if (status !== 301 && status !== 403 && status !== 400) {
            throw stagingError(object, "HeadBucket", error, "");
        }
    }
    if (bucketRegion && bucketRegion !== region) {
        throw new Error(
            `layer "${object.layerName}": the staging bucket "${bucket}" is in ${bucketRegion}, but the layer is published ` +
                `in ${region}: Lambda reads the zip from a bucket in the layer's own region; use a bucket in ${region} ` +
                `(${object.staging.origin}); nothing was uploaded or published`,
        );
    }
}

/**
 * Uploads the zip to its key unless the key already holds the same bytes (same size and full-object
 * CRC32; the key itself names the sha256). Returns whether it uploaded. An upload whose checksum S3
 * reports differently from the local one is deleted and fails.
 */
export async function stageZip(
    client: S3Client,
    object: StagedObject,
    zip: ZipToStage,
    sink?: ProgressSink,
): Promise<boolean> {
    const { staging, key, layerName } = object;
    if (await holdsSameBytes(client, object, zip)) {
        logProgress(layerName, `${objectUrl(object)} already holds this zip: not uploaded again`, sink);
        return false;
    }
    const startedAt = performance.now();
    logProgress(layerName, `uploading ${formatBytes(zip.bytes)} to ${objectUrl(object)}`, sink);
    const params: PutObjectCommandInput & { ChecksumType?: "FULL_OBJECT" } = {
        Bucket: staging.bucket,
        Key: key,
        Body: fs.createReadStream(zip.path, { highWaterMark: 1024 * 1024 }),
        ContentLength: zip.bytes,
        ContentType: "application/zip",
        // The SDK computes a CRC32 per request, which S3 checks; with FULL_OBJECT, S3 combines the parts'
        // into the whole object's CRC32, which is then compared with the local one below.
        ChecksumAlgorithm: "CRC32",
        ChecksumType: "FULL_OBJECT",
        ExpectedBucketOwner: staging.expectedBucketOwner,
        ServerSideEncryption: staging.serverSideEncryption,
        SSEKMSKeyId: staging.kmsKeyId,
        StorageClass: staging.storageClass as StorageClass | undefined,
    };
    const upload = new Upload({
        client,
        params,
        partSize: PART_BYTES,
        queueSize: PARTS_IN_FLIGHT,
        leavePartsOnError: false,
    });
    const percentages = uploadPercentages(layerName, zip.bytes, sink);
    upload.on("httpUploadProgress", (progress) => progress.loaded !== undefined && percentages(progress.loaded));
    let result: { ChecksumCRC32?: string; ChecksumType?: string };
    try {
        result = await upload.done();
    } catch (error) {
        throw stagingError(object, "upload", error, uploadAdvice(object, error));
    }
    if (
        result.ChecksumCRC32 !== undefined &&
        result.ChecksumType !== "COMPOSITE" &&
        result.ChecksumCRC32 !== zip.crc32Base64
    ) {
        await deleteStagedObject(client, object);
        throw new Error(
            `layer "${layerName}": ${objectUrl(object)} holds a CRC32 of ${result.ChecksumCRC32} after the upload, ` +
                `not the zip's ${zip.crc32Base64}: the bytes were changed on the way; nothing was published; run the command again`,
        );
    }
    logProgress(layerName, `uploaded ${formatBytes(zip.bytes)} in ${elapsed(startedAt)}`, sink);
    return true;
}

/** Whether the key already holds the zip: HeadObject with the stored checksum. A 404 or 403 means no. */
async function holdsSameBytes(client: S3Client, object: StagedObject, zip: ZipToStage): Promise<boolean> {
    try {
        const head = await client.send(
            new HeadObjectCommand({
                Bucket: object.staging.bucket,
                Key: object.key,
                ChecksumMode: "ENABLED",
                ExpectedBucketOwner: object.staging.expectedBucketOwner,
            }),
        );
        return (
            head.ContentLength === zip.bytes &&
            head.ChecksumCRC32 === zip.crc32Base64 &&
            head.ChecksumType !== "COMPOSITE"
        );
    } catch (error) {
        const status = (error as S3ErrorLike).$metadata?.httpStatusCode;
        // Without s3:ListBucket a missing key answers 403: the upload then tells the real story.
        if (status === 404 || status === 403) {
            return false;
        }
        throw stagingError(object, "HeadObject", error, "");
    }
}

/** Deletes the staged object; a failure only warns (a lifecycle rule on the prefix is the backstop). */
export async function deleteStagedObject(client: S3Client, object: StagedObject): Promise<void> {
    try {
        await client.send(
            new DeleteObjectCommand({
                Bucket: object.staging.bucket,
                Key: object.key,
                ExpectedBucketOwner: object.staging.expectedBucketOwner,
            }),
        );
    } catch (error) {
        const line =
            `the staged zip ${objectUrl(object)} could not be deleted (${describeCause(error)}); the layer ` +
            `was published all the same: delete the object by hand (aws s3 rm ${objectUrl(object)}), allow s3:DeleteObject ` +
            "on the staging prefix, or let a lifecycle rule on the prefix expire it";
        logWarning(object.layerName, line);
    }
}

/** What to add to a failed PublishLayerVersion that read a staged object: Lambda reads it with the caller's credentials. */
export function publishReadAdvice(object: StagedObject): string {
    const kms = object.staging.serverSideEncryption === "aws:kms" ? " and kms:Decrypt on the KMS key" : "";
    return (
        `; Lambda read the zip from ${objectUrl(object)} with the deploying credentials: they need s3:GetObject ` +
        `on it${kms}, and the bucket must be in the layer's region`
    );
}

function missingBucketAdvice(object: StagedObject, region: string): string {
    return (
        `the staging bucket "${object.staging.bucket}" does not exist: create it in ${region} (this provider never ` +
        `creates buckets), or name an existing one in ${object.staging.origin}`
    );
}

function uploadAdvice(object: StagedObject, error: unknown): string {
    const { staging } = object;
    const code = codeOf(error);
    const status = (error as S3ErrorLike).$metadata?.httpStatusCode;
    const text = `${code} ${(error as S3ErrorLike).message ?? ""}`;
    if (code === "NoSuchBucket") {
        return missingBucketAdvice(object, "the layer's region");
    }
    if (/kms/i.test(text)) {
        return (
            `the KMS key ${staging.kmsKeyId ? `"${staging.kmsKeyId}"` : "(the bucket's default)"} cannot be used: ` +
            "check that it exists in the layer's region and is enabled, and allow kms:GenerateDataKey and kms:Decrypt on it"
        );
    }
    if (code === "AccessDenied" || status === 403) {
        const headers = staging.serverSideEncryption
            ? ""
            : "; if a bucket policy or an SCP demands encryption headers, set staging.serverSideEncryption (and staging.kmsKeyId)";
        return (
            `the credentials in use may not write ${objectUrl(object)}: allow s3:PutObject, s3:GetObject and ` +
            `s3:DeleteObject on arn:aws:s3:::${staging.bucket}/${staging.prefix}*${headers}`
        );
    }
    if (code === "PermanentRedirect" || code === "AuthorizationHeaderMalformed" || status === 301) {
        return `the bucket is in another region than the layer: use a bucket in the layer's region (${staging.origin})`;
    }
    if (code === "InvalidStorageClass" || code === "InvalidArgument" || code === "InvalidEncryptionAlgorithmError") {
        return "S3 refused a staging setting (the message names it): correct staging.storageClass, staging.serverSideEncryption or staging.kmsKeyId";
    }
    return "run the command again; a lifecycle rule on the staging prefix removes what an interrupted upload leaves";
}

function stagingError(object: StagedObject, operation: string, error: unknown, advice: string): Error {
    const what = `layer "${object.layerName}": staging the zip at ${objectUrl(object)} failed in ${operation}`;
    return new Error(`${what}: ${describeCause(error)}${advice ? `; ${advice}` : ""}; nothing was published`);
}

function describeCause(error: unknown): string {
    const s3Error = error as S3ErrorLike;
    const code = codeOf(error);
    const status = s3Error.$metadata?.httpStatusCode;
    const details = [
        status ? `HTTP ${status}` : "",
        s3Error.$metadata?.requestId ? `request id ${s3Error.$metadata.requestId}` : "",
    ]
        .filter(Boolean)
        .join(", ");
    const message = s3Error.message && s3Error.message !== code ? `: ${s3Error.message.replace(/\.$/, "")}` : "";
    return `${code ?? "error"}${details ? ` (${details})` : ""}${message}`;
}

function codeOf(error: unknown): string | undefined {
    const s3Error = error as S3ErrorLike;
    return s3Error.Code ?? s3Error.name;
}

function headerOf(error: unknown, name: string): string | undefined {
    return (error as S3ErrorLike).$response?.headers?.[name];
}
