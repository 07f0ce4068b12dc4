/**
 * Which S3 operation a request is. Buckets are named path-style (`http://host:port/bucket/key`,
 * what the AWS CLI and `forcePathStyle` clients send, and what the JS SDK sends to an IP address)
 * or virtual-host style (`http://bucket.localhost:port/key`, what the JS SDK sends to a host name).
 */
import { isIP } from "node:net";
import type { S3OperationName } from "../s3/operations";
import { S3Error } from "../s3/s3Errors";

/** An S3 request: the operation, and the bucket and key it names (percent-decoded). */
export interface S3Route {
    kind: "s3";
    operation: S3OperationName;
    bucket?: string;
    key?: string;
    query: URLSearchParams;
}

/** Query parameters that select no other operation (x-id is the SDK's label of the operation). */
const PLAIN_PARAMETERS = new Set([
    "x-id",
    "prefix",
    "delimiter",
    "max-keys",
    "continuation-token",
    "start-after",
    "encoding-type",
    "fetch-owner",
    "versionId",
    "partNumber",
    "uploadId",
    "max-parts",
    "part-number-marker",
    "list-type",
]);
/** The subresources served; any other (acl, tagging, policy...) is answered NotImplemented. */
const SERVED_SUBRESOURCES = new Set(["uploads", "location", "versioning", "delete"]);

/**
 * The bucket named by the Host header in virtual-host style: `<bucket>.localhost[:port]`, or
 * `<bucket>.<host>` when the emulator listens on a host name. Undefined for path style.
 */
export function virtualHostBucket(hostHeader: string | undefined, emulatorHost: string): string | undefined {
    if (!hostHeader) return undefined;
    const hostname = hostHeader.startsWith("[") ? hostHeader : hostHeader.replace(/:\d+$/, "");
    if (isIP(hostname.replace(/^\[|\]$/g, "")) !== 0) return undefined;
    const suffixes = [".localhost"];
    if (isIP(emulatorHost) === 0 && emulatorHost !== "localhost") suffixes.push(`.${emulatorHost}`);
    for (const suffix of suffixes) {
        if (hostname.length > suffix.length && hostname.toLowerCase().endsWith(suffix)) {
            return hostname.slice(0, -suffix.length);
        }
    }
    return undefined;
}

/** The S3 route of a request, or the S3Error to answer (an unknown subresource, a bad path). */
export function matchS3Route(
    method: string,
    rawUrl: string,
    hostHeader: string | undefined,
    emulatorHost: string,
): S3Route | S3Error {
    const queryStart = rawUrl.indexOf("?");
    const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? "" : rawUrl.slice(queryStart + 1));
    let bucket = virtualHostBucket(hostHeader, emulatorHost);
    let rawKey: string;
    if (bucket !== undefined) {
        rawKey = rawPath.slice(1);
    } else {
        const slash = rawPath.indexOf("/", 1);
        bucket = slash === -1 ? rawPath.slice(1) : rawPath.slice(1, slash);
        rawKey = slash === -1 ? "" : rawPath.slice(slash + 1);
    }
    let key: string;
    try {
        bucket = decodeURIComponent(bucket);
        key = decodeURIComponent(rawKey);
    } catch {
        return new S3Error(400, "InvalidURI", "Couldn't parse the specified URI.", { URI: rawUrl });
    }
    for (const name of query.keys()) {
        if (!PLAIN_PARAMETERS.has(name) && !SERVED_SUBRESOURCES.has(name) && !name.startsWith("response-")) {
            return new S3Error(
                501,
                "NotImplemented",
                `A header or query you provided implies functionality that is not implemented: ?${name} (the emulator serves only the S3 subset that layer staging needs)`,
            );
        }
    }
    const operation = operationOf(method, bucket === "" ? undefined : bucket, key === "" ? undefined : key, query);
    if (operation instanceof S3Error) return operation;
    return { kind: "s3", operation, bucket: bucket || undefined, key: key || undefined, query };
}

function operationOf(
    method: string,
    bucket: string | undefined,
    key: string | undefined,
    query: URLSearchParams,
): S3OperationName | S3Error {
    const has = (name: string): boolean => query.has(name);
    if (bucket === undefined) {
        if (method === "GET") return "ListBuckets";
    } else if (key === undefined) {
        switch (method) {
            case "GET":
                if (has("location")) return "GetBucketLocation";
                if (has("versioning")) return "GetBucketVersioning";
                if (query.get("list-type") === "2") return "ListObjectsV2";
                if (has("uploads")) break;
                return new S3Error(
                    501,
                    "NotImplemented",
                    "ListObjects (version 1) is not implemented by the emulator: use ListObjectsV2 (list-type=2)",
                );
            case "PUT":
                if (has("versioning")) return "PutBucketVersioning";
                if (!has("uploads") && !has("location") && !has("delete")) return "CreateBucket";
                break;
            case "HEAD":
                return "HeadBucket";
            case "DELETE":
                if (!has("versioning") && !has("location")) return "DeleteBucket";
                break;
            case "POST":
                if (has("delete")) return "DeleteObjects";
                break;
        }
    } else {
        switch (method) {
            case "PUT":
                if (has("uploadId") && has("partNumber")) return "UploadPart";
                if (!has("uploads") && !has("uploadId")) return "PutObject";
                break;
            case "GET":
                return has("uploadId") ? "ListParts" : "GetObject";
            case "HEAD":
                return "HeadObject";
            case "DELETE":
                return has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
            case "POST":
                if (has("uploads")) return "CreateMultipartUpload";
                if (has("uploadId")) return "CompleteMultipartUpload";
                break;
        }
    }
    return new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", {
        Method: method,
        ResourceType: key !== undefined ? "OBJECT" : bucket !== undefined ? "BUCKET" : "SERVICE",
    });
}
