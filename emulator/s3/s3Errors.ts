/**
 * The errors the S3 subset answers with, as S3 writes them: a status code and an XML body
 * `<Error><Code>..</Code><Message>..</Message>...<RequestId>..</RequestId></Error>` (no body for HEAD).
 */
import type { ChecksumAlgorithm } from "./checksums";

export class S3Error extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
        /** Extra elements of the error document, e.g. `BucketName`, `Key`, `Region`. */
        readonly details: Readonly<Record<string, string>> = {},
        /** Extra response headers, e.g. `x-amz-bucket-region` on a region redirect. */
        readonly headers: Readonly<Record<string, string>> = {},
    ) {
        super(message);
        this.name = code;
    }
}

export const noSuchBucket = (bucket: string): S3Error =>
    new S3Error(404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: bucket });

export const noSuchKey = (key: string, headers: Record<string, string> = {}): S3Error =>
    new S3Error(404, "NoSuchKey", "The specified key does not exist.", { Key: key }, headers);

export const noSuchVersion = (key: string, versionId: string): S3Error =>
    new S3Error(404, "NoSuchVersion", "The specified version does not exist.", { Key: key, VersionId: versionId });

export const noSuchUpload = (uploadId: string): S3Error =>
    new S3Error(
        404,
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        { UploadId: uploadId },
    );

export const invalidRequest = (message: string): S3Error => new S3Error(400, "InvalidRequest", message);

export const invalidArgument = (message: string, name: string, value: string): S3Error =>
    new S3Error(400, "InvalidArgument", message, { ArgumentName: name, ArgumentValue: value });

export const badChecksum = (algorithm: ChecksumAlgorithm): S3Error =>
    new S3Error(400, "BadDigest", `The ${algorithm} you specified did not match the calculated checksum.`);

export const badContentMd5 = (): S3Error =>
    new S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");

export const preconditionFailed = (condition: string): S3Error =>
    new S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", {
        Condition: condition,
    });

export const notImplemented = (what: string): S3Error =>
    new S3Error(
        501,
        "NotImplemented",
        `A header or query you provided implies functionality that is not implemented: ${what}`,
    );

/**
 * A request for a bucket of another region. S3's regional endpoints answer 301 PermanentRedirect
 * with the bucket's region in `x-amz-bucket-region`, which the SDK's region redirect reads.
 */
export const wrongRegion = (bucket: string, bucketRegion: string): S3Error =>
    new S3Error(
        301,
        "PermanentRedirect",
        "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
        { Bucket: bucket, Endpoint: `${bucket}.s3.${bucketRegion}.amazonaws.com` },
        { "x-amz-bucket-region": bucketRegion },
    );

/** What fault injection answers on the S3 side: S3's own throttle and internal error. */
export const slowDown = (): S3Error => new S3Error(503, "SlowDown", "Please reduce your request rate.");
export const internalError = (): S3Error =>
    new S3Error(500, "InternalError", "We encountered an internal error. Please try again.");
