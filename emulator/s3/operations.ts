/**
 * The S3 operations that staging needs, each judging its request as S3 does and answering in S3's
 * shape (headers and XML). Routing, request counting, faults and writing the answer are the HTTP
 * layer's; bytes come in as a stream and go out as one.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
    checksumHeader,
    compositeChecksum,
    createDigest,
    parseAlgorithm,
    type ChecksumAlgorithm,
    type ChecksumType,
} from "./checksums";
import { receiveBody } from "./objectBody";
import type {
    BucketRecord,
    ObjectStore,
    ObjectVersion,
    PartRecord,
    StorageSettings,
    StoredChecksum,
    UploadRecord,
} from "./objectStore";
import {
    invalidArgument,
    invalidRequest,
    noSuchBucket,
    noSuchKey,
    noSuchUpload,
    noSuchVersion,
    preconditionFailed,
    S3Error,
    wrongRegion,
} from "./s3Errors";
import { elementText, elementTexts, xmlDocument, type XmlElements } from "./xml";

/** The S3 operations served, named as the S3 API names them. */
export type S3OperationName =
    | "ListBuckets"
    | "CreateBucket"
    | "HeadBucket"
    | "DeleteBucket"
    | "GetBucketLocation"
    | "GetBucketVersioning"
    | "PutBucketVersioning"
    | "ListObjectsV2"
    | "DeleteObjects"
    | "PutObject"
    | "HeadObject"
    | "GetObject"
    | "DeleteObject"
    | "CreateMultipartUpload"
    | "UploadPart"
    | "CompleteMultipartUpload"
    | "AbortMultipartUpload"
    | "ListParts";

/** One S3 request, routed. */
export interface S3Request {
    operation: S3OperationName;
    bucket?: string;
    key?: string;
    query: URLSearchParams;
    headers: IncomingHttpHeaders;
    body: Readable;
    /** The region the request was signed for. */
    region: string;
    accountId: string;
    now: Date;
}

/** An answer: status, headers and an optional body (XML text or a stream of object bytes). */
export interface S3Result {
    status: number;
    headers?: Record<string, string | number>;
    body?: string | Readable;
}

/** Every part but the last must be at least this big. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;
const MAX_KEYS = 1000;
/** The largest request document read (CompleteMultipartUpload with 10,000 parts fits). */
export const MAX_XML_BODY_BYTES = 4 * 1024 * 1024;
/** The checksum S3 keeps for objects uploaded without one. */
const DEFAULT_ALGORITHM: ChecksumAlgorithm = "CRC64NVME";

type Handler = (request: S3Request, store: ObjectStore) => Promise<S3Result>;

const HANDLERS: Record<S3OperationName, Handler> = {
    ListBuckets: listBuckets,
    CreateBucket: createBucket,
    HeadBucket: headBucket,
    DeleteBucket: deleteBucket,
    GetBucketLocation: getBucketLocation,
    GetBucketVersioning: getBucketVersioning,
    PutBucketVersioning: putBucketVersioning,
    ListObjectsV2: listObjectsV2,
    DeleteObjects: deleteObjects,
    PutObject: putObject,
    HeadObject: (request, store) => getObject(request, store, false),
    GetObject: (request, store) => getObject(request, store, true),
    DeleteObject: deleteObject,
    CreateMultipartUpload: createMultipartUpload,
    UploadPart: uploadPart,
    CompleteMultipartUpload: completeMultipartUpload,
    AbortMultipartUpload: abortMultipartUpload,
    ListParts: listParts,
};

/** Runs one operation; a refusal is thrown as an S3Error. */
export function runS3Operation(request: S3Request, store: ObjectStore): Promise<S3Result> {
    return HANDLERS[request.operation](request, store);
}

function xml(
    status: number,
    root: string,
    content: XmlElements,
    headers: Record<string, string | number> = {},
): S3Result {
    return { status, headers: { "Content-Type": "application/xml", ...headers }, body: xmlDocument(root, content) };
}

function header(request: S3Request, name: string): string | undefined {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(",") : value;
}

/**
 * The bucket of the request, which must exist, be in the request's region, and belong to the
 * account `x-amz-expected-bucket-owner` names, if any (every bucket belongs to the emulator's account).
 */
function ownBucket(request: S3Request, store: ObjectStore): BucketRecord {
    const name = request.bucket as string;
    const bucket = store.bucket(name);
    if (!bucket) throw noSuchBucket(name);
    checkExpectedOwner(request);
    if (bucket.region !== request.region) throw wrongRegion(name, bucket.region);
    return bucket;
}

function checkExpectedOwner(request: S3Request): void {
    const expected = header(request, "x-amz-expected-bucket-owner");
    if (expected !== undefined && expected !== request.accountId) {
        throw new S3Error(403, "AccessDenied", "Access Denied");
    }
}

const SERVER_SIDE_ENCRYPTIONS = ["AES256", "aws:kms", "aws:kms:dsse"];
const STORAGE_CLASSES = [
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "OUTPOSTS",
    "GLACIER_IR",
    "SNOW",
    "EXPRESS_ONEZONE",
];

/**
 * Buckets have ACLs disabled (Object Ownership "bucket owner enforced", S3's default since 2023): a
 * write that sets an ACL other than `bucket-owner-full-control` is refused.
 */
function refuseAcls(request: S3Request): void {
    const acl = header(request, "x-amz-acl");
    const grants = Object.keys(request.headers).some((name) => name.startsWith("x-amz-grant-"));
    if ((acl !== undefined && acl !== "bucket-owner-full-control") || grants) {
        throw new S3Error(400, "AccessControlListNotSupported", "The bucket does not allow ACLs");
    }
}

/** The storage settings a write asks for, checked as S3 checks them (ACLs included). */
function storageSettings(request: S3Request): StorageSettings {
    refuseAcls(request);
    const serverSideEncryption = header(request, "x-amz-server-side-encryption") ?? "AES256";
    const kmsKeyId = header(request, "x-amz-server-side-encryption-aws-kms-key-id");
    const storageClass = header(request, "x-amz-storage-class");
    if (!SERVER_SIDE_ENCRYPTIONS.includes(serverSideEncryption)) {
        throw invalidArgument(
            "The encryption method specified is not supported",
            "x-amz-server-side-encryption",
            serverSideEncryption,
        );
    }
    if (kmsKeyId !== undefined && !serverSideEncryption.startsWith("aws:kms")) {
        throw invalidArgument(
            "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms",
            "x-amz-server-side-encryption",
            serverSideEncryption,
        );
    }
    if (storageClass !== undefined && !STORAGE_CLASSES.includes(storageClass)) {
        throw new S3Error(400, "InvalidStorageClass", "The storage class you specified is not valid", {
            StorageClassRequested: storageClass,
        });
    }
    return {
        serverSideEncryption,
        // S3 names the key it used; for aws:kms without a key id, that is the account's default key.
        kmsKeyId: serverSideEncryption.startsWith("aws:kms")
            ? (kmsKeyId ?? `arn:aws:kms:${request.region}:${request.accountId}:alias/aws/s3`)
            : undefined,
        storageClass: storageClass === "STANDARD" ? undefined : storageClass,
    };
}

function storageHeaders(storage: StorageSettings | undefined): Record<string, string> {
    const headers: Record<string, string> = {
        "x-amz-server-side-encryption": storage?.serverSideEncryption ?? "AES256",
    };
    if (storage?.kmsKeyId) headers["x-amz-server-side-encryption-aws-kms-key-id"] = storage.kmsKeyId;
    if (storage?.storageClass) headers["x-amz-storage-class"] = storage.storageClass;
    return headers;
}

async function listBuckets(request: S3Request, store: ObjectStore): Promise<S3Result> {
    return xml(200, "ListAllMyBucketsResult", {
        Owner: { ID: ownerId(request.accountId), DisplayName: "emulator" },
        Buckets: {
            Bucket: store.allBuckets().map((bucket) => ({
                Name: bucket.name,
                CreationDate: bucket.creationDate,
                BucketRegion: bucket.region,
            })),
        },
    });
}

function ownerId(accountId: string): string {
    return createHash("sha256").update(accountId).digest("hex");
}

/** S3's bucket naming rules (general purpose buckets). */
function bucketNameProblem(name: string): boolean {
    return (
        !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) ||
        name.includes("..") ||
        /^\d+\.\d+\.\d+\.\d+$/.test(name) ||
        name.startsWith("xn--") ||
        name.endsWith("-s3alias")
    );
}

async function readXmlBody(body: Readable): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
        size += (chunk as Buffer).length;
        if (size > MAX_XML_BODY_BYTES) {
            throw new S3Error(400, "MaxMessageLengthExceeded", "Your request was too big.");
        }
        chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
}

const MALFORMED_XML = (): S3Error =>
    new S3Error(
        400,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
    );

async function createBucket(request: S3Request, store: ObjectStore): Promise<S3Result> {
    const name = request.bucket as string;
    if (bucketNameProblem(name)) {
        throw new S3Error(400, "InvalidBucketName", "The specified bucket is not valid.", { BucketName: name });
    }
    const document = await readXmlBody(request.body);
    const constraint = document.trim() === "" ? undefined : elementText(document, "LocationConstraint");
    if (document.trim() !== "" && !/<(\w+:)?CreateBucketConfiguration[\s>]/.test(document)) throw MALFORMED_XML();
    // "EU" is the legacy name of eu-west-1; requests signed for us-east-1 reach S3's global endpoint,
    // which creates buckets in any region.
    const region =
        constraint === undefined || constraint === "" ? "us-east-1" : constraint === "EU" ? "eu-west-1" : constraint;
    if (constraint === "us-east-1") {
        throw new S3Error(400, "InvalidLocationConstraint", "The specified location-constraint is not valid", {
            LocationConstraint: constraint,
        });
    }
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
        throw new S3Error(400, "InvalidLocationConstraint", "The specified location-constraint is not valid", {
            LocationConstraint: region,
        });
    }
    if (region !== request.region && request.region !== "us-east-1") {
        const described = constraint === undefined ? "unspecified" : constraint;
        throw new S3Error(
            400,
            "IllegalLocationConstraintException",
            `The ${described} location constraint is incompatible for the region specific endpoint this request was sent to.`,
        );
    }
    const existing = store.bucket(name);
    if (existing) {
        // In us-east-1 S3 answers success to its owner re-creating a bucket, everywhere else 409.
        if (existing.region === "us-east-1" && region === "us-east-1")
            return { status: 200, headers: { Location: `/${name}` } };
        throw new S3Error(
            409,
            "BucketAlreadyOwnedByYou",
            "Your previous request to create the named bucket succeeded and you already own it.",
            { BucketName: name },
        );
    }
    await store.createBucket({ name, region, creationDate: request.now.toISOString() });
    return { status: 200, headers: { Location: `/${name}` } };
}

async function headBucket(request: S3Request, store: ObjectStore): Promise<S3Result> {
    const bucket = ownBucket(request, store);
    return { status: 200, headers: { "x-amz-bucket-region": bucket.region, "x-amz-access-point-alias": "false" } };
}

async function deleteBucket(request: S3Request, store: ObjectStore): Promise<S3Result> {
    ownBucket(request, store);
    await store.deleteBucket(request.bucket as string);
    return { status: 204 };
}

/** Answered from any region, as S3 does: it is how clients find a bucket's region. */
async function getBucketLocation(request: S3Request, store: ObjectStore): Promise<S3Result> {
    const bucket = store.bucket(request.bucket as string);
    if (!bucket) throw noSuchBucket(request.bucket as string);
    checkExpectedOwner(request);
    const location = bucket.region === "us-east-1" ? "" : bucket.region;
    return {
        status: 200,
        headers: { "Content-Type": "application/xml" },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${location}</LocationConstraint>`,
    };
}

async function getBucketVersioning(request: S3Request, store: ObjectStore): Promise<S3Result> {
    const bucket = ownBucket(request, store);
    return xml(200, "VersioningConfiguration", { Status: bucket.versioning });
}

async function putBucketVersioning(request: S3Request, store: ObjectStore): Promise<S3Result> {
    ownBucket(request, store);
    const status = elementText(await readXmlBody(request.body), "Status");
    if (status !== "Enabled" && status !== "Suspended") throw MALFORMED_XML();
    await store.setVersioning(request.bucket as string, status);
    return { status: 200 };
}

/** Keys as ListObjectsV2 writes them: URL-encoded (but `/` kept) with `encoding-type=url`. */
function listedKey(key: string, urlEncoded: boolean): string {
    return urlEncoded ? encodeURIComponent(key).replace(/%2F/g, "/") : key;
}

async function listObjectsV2(request: S3Request, store: ObjectStore): Promise<S3Result> {
    const bucket = ownBucket(request, store);
    const query = request.query;
    const prefix = query.get("prefix") ?? "";
    const delimiter = query.get("delimiter") ?? "";
    const encodingType = query.get("encoding-type") ?? undefined;
    if (encodingType !== undefined && encodingType !== "url") {
        throw invalidArgument("Invalid Encoding Method specified in Request", "encoding-type", encodingType);
    }
    const maxKeysText = query.get("max-keys");
    const maxKeys = maxKeysText === null ? MAX_KEYS : Number(maxKeysText);
    if (!Number.isInteger(maxKeys) || maxKeys < 0) {
        throw invalidArgument(
            "Provided max-keys not an integer or within integer range",
            "max-keys",
            String(maxKeysText),
        );
    }
    const token = query.get("continuation-token") ?? undefined;
    let after = query.get("start-after") ?? "";
    if (token !== undefined) {
        const decoded = Buffer.from(token, "base64url").toString("utf8");
        if (!decoded.startsWith("k:")) {
            throw invalidArgument("The continuation token provided is incorrect", "continuation-token", token);
        }
        after = decoded.slice(2);
    }
    const contents: XmlElements[] = [];
    const prefixes: string[] = [];
    let last: string | undefined;
    let truncated = false;
    for (const { key, version } of store.listObjects(bucket.name)) {
        if (!key.startsWith(prefix) || key <= after) continue;
        const cut = delimiter === "" ? -1 : key.indexOf(delimiter, prefix.length);
        const commonPrefix = cut === -1 ? undefined : key.slice(0, cut + delimiter.length);
        // A common prefix counts once; keys under one already listed are skipped.
        if (commonPrefix !== undefined && commonPrefix === prefixes[prefixes.length - 1]) continue;
        if (commonPrefix !== undefined && after.startsWith(commonPrefix)) continue;
        if (contents.length + prefixes.length >= maxKeys) {
            truncated = true;
            break;
        }
        if (commonPrefix !== undefined) {
            prefixes.push(commonPrefix);
            // The next page starts after every key under this prefix.
            last = `${commonPrefix}\u{10ffff}`;
        } else {
            contents.push({
                Key: listedKey(key, encodingType === "url"),
                LastModified: version.lastModified,
                ETag: version.etag,
                ChecksumAlgorithm: version.checksum?.algorithm,
                ChecksumType: version.checksum?.type,
                Size: version.size,
                StorageClass: version.storage?.storageClass ?? "STANDARD",
            });
            last = key;
        }
    }
    return xml(200, "ListBucketResult", {
        Name: bucket.name,
        Prefix: listedKey(prefix, encodingType === "url"),
        Delimiter: delimiter === "" ? undefined : listedKey(delimiter, encodingType === "url"),
        MaxKeys: maxKeys,
        EncodingType: encodingType,
        KeyCount: contents.length + prefixes.length,
        IsTruncated: truncated,
        ContinuationToken: token,
        NextContinuationToken:
            truncated && last !== undefined ? Buffer.from(`k:${last}`).toString("base64url") : undefined,
        StartAfter: query.get("start-after") ?? undefined,
        Contents: contents,
        CommonPrefixes: prefixes.map((commonPrefix) => ({ Prefix: listedKey(commonPrefix, encodingType === "url") })),
    });
}

function newVersionId(bucket: BucketRecord): string {
    return bucket.versioning === "Enabled" ? randomBytes(24).toString("base64url") : "null";
}

function versionHeaders(bucket: BucketRecord, version: ObjectVersion): Record<string, string> {
    return bucket.versioning ? { "x-amz-version-id": version.versionId } : {};
}

/** `x-amz-meta-*` headers, names lowercased as S3 keeps them. */
function userMetadata(request: S3Request): Record<string, string> {
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
        if (name.startsWith("x-amz-meta-") && value !== undefined) {
            metadata[name.slice("x-amz-meta-".length)] = Array.isArray(value) ? value.join(",") : value;
        }
    }
    return metadata;
}

/** The conditions of a write: `If-None-Match: *` (the key must not exist) and `If-Match: <etag>`. */
function writeConditions(request: S3Request): (current: ObjectVersion | undefined) => void {
    const ifNoneMatch = header(request, "if-none-match");
    const ifMatch = header(request, "if-match");
    if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== "*") {
        throw new S3Error(501, "NotImplemented", "If-None-Match on a write accepts only *", {
            Header: "If-None-Match",
        });
    }
    return (current) => {
        const exists = current !== undefined && !current.deleteMarker;
        if (ifNoneMatch !== undefined && exists) throw preconditionFailed("If-None-Match");
        if (ifMatch !== undefined) {
            if (!exists) throw noSuchKey(request.key as string);
            if (!etagMatches(ifMatch, current.etag)) throw preconditionFailed("If-Match");
        }
    };
}

function etagMatches(condition: string, etag: string): boolean {
    return condition
        .split(",")
        .map((candidate) => candidate.trim())
        .some((candidate) => candidate === "*" || candidate.replace(/^W\//, "") === etag || `"${candidate}"` === etag);
}

function checksumResponseHeaders(checksum: StoredChecksum | undefined): Record<string, string> {
    if (!checksum) return {};
    return { [checksumHeader(checksum.algorithm)]: checksum.value, "x-amz-checksum-type": checksum.type };
}

async function putObject(request: S3Request, store: ObjectStore): Promise<S3Result> {
    const bucket = ownBucket(request, store);
    if (header(request, "x-amz-copy-source") !== undefined) {
        throw new S3Error(501, "NotImplemented", "CopyObject is not implemented by the emulator", {
            Header: "x-amz-copy-source",
        });
    }
    const key = request.key as string;
    const condition = writeConditions(request);
    const storage = storageSettings(request);
    condition(store.latest(bucket.name, key));
    // S3 keeps a CRC64NVME of objects sent without a checksum.
    const received = await receiveBody(request.headers, request.body, store, { unlessSent: DEFAULT_ALGORITHM });
    const algorithm = received.clientAlgorithm ?? DEFAULT_ALGORITHM;
    const checksum = received.checksums[algorithm] as string;
    const version: ObjectVersion = {
        versionId: newVersionId(bucket),
        dataFile: received.dataFile,
        size: received.size,
        etag: `"${received.md5Hex}"`,
        lastModified: request.now.toISOString(),
        contentType: header(request, "content-type"),
        metadata: userMetadata(request),
        checksum: { algorithm, type: "FULL_OBJECT", value: checksum },
        storage,
    };
    try {
        await store.putVersion(bucket.name, key, version, condition);
    } catch (error) {
        await store.discardDataFile(received.dataFile);
        throw error;
    }
    return {
        status: 200,
        headers: {
            ETag: version.etag,
            ...checksumResponseHeaders(version.checksum),
            ...versionHeaders(bucket, version),
            ...storageHeaders(storage),
        },
    };
}

/** The version a GET, HEAD or DELETE names: `versionId`, or the current one. */
function namedVersion(request: S3Request, store: ObjectStore, bucket: BucketRecord): ObjectVersion {
    const key = request.key as string;
    const versionId = request.query.get("versionId");
    if (versionId !== null) {
        const version = store.version(bucket.name, key, versionId);
        if (!version) {
            if (versionId !== "null" && !/^[A-Za-z0-9._-]{1,1024}$/.test(versionId)) {
                throw invalidArgument("Invalid version id specified", "versionId", versionId);
            }
            throw noSuchVersion(key, versionId);
        }
        if (version.deleteMarker) {
            throw new S3Error(
                405,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
                {
                    Method: "GET",
                    ResourceType: "DeleteMarker",
                },
                { "x-amz-delete-marker": "true", "x-amz-version-id": versionId },
            );
        }
        return version;
    }
    const latest = store.latest(bucket.name, key);
    if (!latest) throw noSuchKey(key);
    if (latest.deleteMarker)
        throw noSuchKey(key, { "x-amz-delete-marker": "true", "x-amz-version-id": latest.versionId });
    return latest;
}

/** A `Range: bytes=...` header resolved against `size`: inclusive start and end, or undefined for the whole. */
function byteRange(range: string | undefined, size: number): { start: number; end: number } | undefined {
    if (range === undefined) return undefined;
    const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    // S3 ignores a Range it cannot parse (several ranges included) and answers the whole object.
    if (!match || (match[1] === "" && match[2] === "")) return undefined;
    let start: number;
    let end: number;
    if (match[1] === "") {
        start = Math.max(0, size - Number(match[2]));
        end = size - 1;
    } else {
        start = Number(match[1]);
        end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
    }
    if (start >= size || start > end) {
        throw new S3Error(416, "InvalidRange", "The requested range is not satisfiable", {
            RangeRequested: range,
            ActualObjectSize: String(size),
        });
    }
    return { start, end };
}

async function getObject(request: S3Request, store: ObjectStore, withBody: boolean): Promise<S3Result> {
    const bucket = ownBucket(request, store);
    if (request.query.has("partNumber")) {
        throw new S3Error(
            501,
            "NotImplemented",
            "GetObject and HeadObject by partNumber are not implemented by the emulator",
        );
    }
    const version = namedVersion(request, store, bucket);
    const ifMatch = header(request, "if-match");
    const ifNoneMatch = header(request, "if-none-match");
    if (ifMatch !== undefined && !etagMatches(ifMatch, version.etag)) throw preconditionFailed("If-Match");
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, version.etag)) {
        return { status: 304, headers: { ETag: version.etag } };
    }
    const range = byteRange(header(request, "range"), version.size);
    const checksumMode = header(request, "x-amz-checksum-mode")?.toUpperCase() === "ENABLED";
    const headers: Record<string, string | number> = {
        "Accept-Ranges": "bytes",
        "Content-Type": version.contentType ?? "binary/octet-stream",
        ETag: version.etag,
        "Last-Modified": new Date(version.lastModified).toUTCString(),
        ...versionHeaders(bucket, version),
        ...(checksumMode && !range ? checksumResponseHeaders(version.checksum) : {}),
        ...(version.partCount ? { "x-amz-mp-parts-count": version.partCount } : {}),
        ...storageHeaders(version.storage),
    };
    for (const [name, value] of Object.entries(version.metadata)) headers[`x-amz-meta-${name}`] = value;
    headers["Content-Length"] = range ? range.end - range.start + 1 : version.size;
    if (range) headers["Content-Range"] = `bytes ${range.start}-${range.end}/${version.size}`;
    const status = range ? 206 : 200;
    if (!withBody || version.size === 0) return { status, headers };
    const body = createReadStream(store.dataPath(version.dataFile as string), range ?? {});
    return { status, headers, body };
}

async function deleteObject(request: S3Request, store: ObjectStore): Promise<S3Result> {
    const bucket = ownBucket(request, store);
    const result = await deleteOne(
        bucket,
        request.key as string,
        request.query.get("versionId") ?? undefined,
        request,
        store,
    );
    return { status: 204, headers: result.headers };
}

/** Deletes a key (a delete marker when versioning is enabled) or one version; a missing one is success. */
async function deleteOne(
    bucket: BucketRecord,
    key: string,
    versionId: string | undefined,
    request: S3Request,
    store: ObjectStore,
): Promise<{ headers: Record<string, string>; deleteMarker?: boolean; versionId?: string }> {
    if (versionId !== undefined) {
        const removed = await store.removeVersion(bucket.name, key, versionId);
        const marker: Record<string, string> = removed?.deleteMarker ? { "x-amz-delete-marker": "true" } : {};
        return {
            headers: { "x-amz-version-id": versionId, ...marker },
            deleteMarker: removed?.deleteMarker,
            versionId,
        };
    }
    if (bucket.versioning === "Enabled") {
        const marker: ObjectVersion = {
            versionId: newVersionId(bucket),
            deleteMarker: true,
            size: 0,
            etag: "",
            lastModified: request.now.toISOString(),
            metadata: {},
        };
        await store.putVersion(bucket.name, key, marker);
        return {
            headers: { "x-amz-delete-marker": "true", "x-amz-version-id": marker.versionId },
            deleteMarker: true,
            versionId: marker.versionId,
        };
    }
    await store.removeVersion(bucket.name, key, "null");
    return { headers: {} };
}

async function deleteObjects(request: S3Request, store: ObjectStore): Promise<S3Result> {
    const bucket = ownBucket(request, store);
    const document = await readXmlBody(request.body);
    const quiet = elementText(document, "Quiet") === "true";
    const objects = elementTexts(document, "Object");
    if (objects.length === 0 || objects.length > 1000) throw MALFORMED_XML();
    const deleted: XmlElements[] = [];
    for (const object of objects) {
        const key = elementText(object, "Key");
        if (key === undefined) throw MALFORMED_XML();
        const result = await deleteOne(bucket, key, elementText(object, "VersionId"), request, store);
        if (!quiet) {
            deleted.push({
                Key: key,
                VersionId: elementText(object, "VersionId"),
                DeleteMarker: result.deleteMarker,
                DeleteMarkerVersionId: result.deleteMarker ? result.versionId : undefined,
            });
        }
    }
    return xml(200, "DeleteResult", { Deleted: deleted });
}

async function createMultipartUpload(request: S3Request, store: ObjectStore): Promise<S3Result> {
    const bucket = ownBucket(request, store);
    const algorithmText = header(request, "x-amz-checksum-algorithm");
    const algorithm = algorithmText === undefined ? undefined : parseAlgorithm(algorithmText);
    if (algorithmText !== undefined && !algorithm) {
        throw invalidRequest(
            `Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]`,
        );
    }
    const typeText = header(request, "x-amz-checksum-type")?.toUpperCase();
    if (typeText !== undefined && typeText !== "FULL_OBJECT" && typeText !== "COMPOSITE") {
        throw invalidRequest(`Value for x-amz-checksum-type header is invalid.`);
    }
    if (typeText !== undefined && !algorithm) {
        throw invalidRequest(
            "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.",
        );
    }
    const checksumType = algorithm
        ? ((typeText as ChecksumType | undefined) ?? defaultChecksumType(algorithm))
        : undefined;
    if (algorithm && checksumType === "FULL_OBJECT" && (algorithm === "SHA1" || algorithm === "SHA256")) {
        throw invalidRequest(
            `The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`,
        );
    }
    if (algorithm === "CRC64NVME" && checksumType === "COMPOSITE") {
        throw invalidRequest("The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.");
    }
    const upload: UploadRecord = {
        uploadId: randomBytes(32).toString("base64url"),
        bucket: bucket.name,
        key: request.key as string,
        initiated: request.now.toISOString(),
        algorithm,
        checksumType,
        contentType: header(request, "content-type"),
        metadata: userMetadata(request),
        storage: storageSettings(request),
        parts: {},
    };
    await store.createUpload(upload);
    const checksumHeaders: Record<string, string> = algorithm
        ? { "x-amz-checksum-algorithm": algorithm, "x-amz-checksum-type": checksumType as string }
        : {};
    return xml(
        200,
        "InitiateMultipartUploadResult",
        { Bucket: bucket.name, Key: upload.key, UploadId: upload.uploadId },
        { ...checksumHeaders, ...storageHeaders(upload.storage) },
    );
}

/** CRC64NVME checksums are always of the full object; the others default to a checksum of checksums. */
function defaultChecksumType(algorithm: ChecksumAlgorithm): ChecksumType {
    return algorithm === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE";
}

/** The upload named by `uploadId`, for this request's bucket and key. */
function ownUpload(request: S3Request, store: ObjectStore): UploadRecord {
    const uploadId = request.query.get("uploadId") ?? "";
    const upload = store.upload(uploadId);
    if (!upload || upload.bucket !== request.bucket || upload.key !== request.key) throw noSuchUpload(uploadId);
    return upload;
}

async function uploadPart(request: S3Request, store: ObjectStore): Promise<S3Result> {
    ownBucket(request, store);
    if (header(request, "x-amz-copy-source") !== undefined) {
        throw new S3Error(501, "NotImplemented", "UploadPartCopy is not implemented by the emulator");
    }
    const partNumberText = request.query.get("partNumber") ?? "";
    const partNumber = Number(partNumberText);
    if (!/^\d+$/.test(partNumberText) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
        throw invalidArgument(
            "Part number must be an integer between 1 and 10000, inclusive",
            "partNumber",
            partNumberText,
        );
    }
    const upload = ownUpload(request, store);
    const received = await receiveBody(request.headers, request.body, store, { always: upload.algorithm });
    if (upload.algorithm && received.clientAlgorithm && received.clientAlgorithm !== upload.algorithm) {
        await store.discardDataFile(received.dataFile);
        throw invalidRequest(
            `Checksum Type mismatch occurred, expected checksum Type: ${upload.algorithm.toLowerCase()}, actual checksum Type: ${received.clientAlgorithm.toLowerCase()}`,
        );
    }
    const part: PartRecord = {
        partNumber,
        dataFile: received.dataFile,
        size: received.size,
        etag: `"${received.md5Hex}"`,
        checksum: upload.algorithm ? received.checksums[upload.algorithm] : undefined,
        lastModified: request.now.toISOString(),
    };
    await store.putPart(upload.uploadId, part);
    const checksumHeaders: Record<string, string> =
        upload.algorithm && part.checksum ? { [checksumHeader(upload.algorithm)]: part.checksum } : {};
    return { status: 200, headers: { ETag: part.etag, ...checksumHeaders } };
}

const invalidPart = (partNumber: number, reason: string): S3Error =>
    new S3Error(
        400,
        "InvalidPart",
        `One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag. (part ${partNumber}: ${reason})`,
        { PartNumber: String(partNumber) },
    );

async function completeMultipartUpload(request: S3Request, store: ObjectStore): Promise<S3Result> {
    const bucket = ownBucket(request, store);
    const upload = ownUpload(request, store);
    const condition = writeConditions(request);
    const document = await readXmlBody(request.body);
    const listed = elementTexts(document, "Part").map((part) => ({
        partNumber: Number(elementText(part, "PartNumber")),
        etag: elementText(part, "ETag")?.replace(/^"|"$/g, ""),
        checksum: upload.algorithm ? elementText(part, `Checksum${upload.algorithm}`) : undefined,
    }));
    if (listed.length === 0) throw MALFORMED_XML();
    const parts: PartRecord[] = [];
    for (const [index, entry] of listed.entries()) {
        if (!Number.isInteger(entry.partNumber)) throw MALFORMED_XML();
        if (index > 0 && entry.partNumber <= listed[index - 1].partNumber) {
            throw new S3Error(
                400,
                "InvalidPartOrder",
                "The list of parts was not in ascending order. Parts must be ordered by part number.",
            );
        }
        const part = upload.parts[String(entry.partNumber)];
        if (!part) throw invalidPart(entry.partNumber, "not uploaded");
        if (entry.etag !== part.etag.replace(/^"|"$/g, "")) throw invalidPart(entry.partNumber, "the ETag differs");
        if (upload.algorithm && upload.checksumType === "COMPOSITE" && entry.checksum === undefined) {
            throw invalidRequest(
                `The upload was created using a ${upload.algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${entry.partNumber} in the request.`,
            );
        }
        if (entry.checksum !== undefined && entry.checksum !== part.checksum) {
            throw invalidPart(entry.partNumber, `the ${upload.algorithm} checksum differs`);
        }
        if (index < listed.length - 1 && part.size < MIN_PART_SIZE) {
            throw new S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", {
                ProposedSize: String(part.size),
                MinSizeAllowed: String(MIN_PART_SIZE),
                PartNumber: String(part.partNumber),
                ETag: part.etag,
            });
        }
        parts.push(part);
    }
    condition(store.latest(bucket.name, upload.key));
    const assembled = await assemble(parts, store, upload);
    const sent = upload.algorithm ? header(request, checksumHeader(upload.algorithm)) : undefined;
    if (sent !== undefined && upload.algorithm && sent !== assembled.checksum.value) {
        await store.discardDataFile(assembled.dataFile);
        throw new S3Error(
            400,
            "BadDigest",
            `The ${upload.algorithm} you specified for the full object did not match the calculated checksum.`,
        );
    }
    const md5s = Buffer.concat(parts.map((part) => Buffer.from(part.etag.replace(/"/g, ""), "hex")));
    const version: ObjectVersion = {
        versionId: newVersionId(bucket),
        dataFile: assembled.dataFile,
        size: assembled.size,
        etag: `"${createHash("md5").update(md5s).digest("hex")}-${parts.length}"`,
        lastModified: request.now.toISOString(),
        contentType: upload.contentType,
        metadata: upload.metadata,
        storage: upload.storage,
        checksum: assembled.checksum,
        partCount: parts.length,
    };
    try {
        await store.putVersion(bucket.name, upload.key, version, condition);
    } catch (error) {
        await store.discardDataFile(assembled.dataFile);
        throw error;
    }
    await store.endUpload(upload.uploadId);
    const checksum = version.checksum as StoredChecksum;
    return xml(
        200,
        "CompleteMultipartUploadResult",
        {
            Location: `/${bucket.name}/${encodeURIComponent(upload.key).replace(/%2F/g, "/")}`,
            Bucket: bucket.name,
            Key: upload.key,
            ETag: version.etag,
            [`Checksum${checksum.algorithm}`]: checksum.value,
            ChecksumType: checksum.type,
        },
        { ...versionHeaders(bucket, version), ...storageHeaders(version.storage) },
    );
}

/**
 * Concatenates the parts into one data file, computing the full-object checksum on the way when
 * the upload keeps one (or when it declared none: S3 then keeps a CRC64NVME of the whole object).
 */
async function assemble(
    parts: PartRecord[],
    store: ObjectStore,
    upload: UploadRecord,
): Promise<{ dataFile: string; size: number; checksum: StoredChecksum }> {
    const fullAlgorithm = upload.algorithm
        ? upload.checksumType === "FULL_OBJECT"
            ? upload.algorithm
            : undefined
        : DEFAULT_ALGORITHM;
    const digest = fullAlgorithm ? createDigest(fullAlgorithm) : undefined;
    const { name, path } = store.newDataFile();
    let size = 0;
    try {
        const combined = new PassThrough();
        const writing = pipeline(combined, createWriteStream(path));
        for (const part of parts) {
            for await (const chunk of createReadStream(store.dataPath(part.dataFile))) {
                digest?.update(chunk as Buffer);
                size += (chunk as Buffer).length;
                if (!combined.write(chunk)) await new Promise((resolve) => combined.once("drain", resolve));
            }
        }
        combined.end();
        await writing;
        await store.flushDataFile(name);
    } catch (error) {
        await store.discardDataFile(name);
        throw error;
    }
    const checksum: StoredChecksum =
        fullAlgorithm && digest
            ? { algorithm: fullAlgorithm, type: "FULL_OBJECT", value: digest.digest().toString("base64") }
            : {
                  algorithm: upload.algorithm as ChecksumAlgorithm,
                  type: "COMPOSITE",
                  value: compositeChecksum(
                      upload.algorithm as ChecksumAlgorithm,
                      parts.map((part) => part.checksum as string),
                  ),
              };
    return { dataFile: name, size, checksum };
}

async function abortMultipartUpload(request: S3Request, store: ObjectStore): Promise<S3Result> {
    ownBucket(request, store);
    const upload = ownUpload(request, store);
    await store.endUpload(upload.uploadId);
    return { status: 204 };
}

async function listParts(request: S3Request, store: ObjectStore): Promise<S3Result> {
    ownBucket(request, store);
    const upload = ownUpload(request, store);
    const marker = Number(request.query.get("part-number-marker") ?? "0");
    const maxParts = Number(request.query.get("max-parts") ?? "1000");
    const all = Object.values(upload.parts)
        .filter((part) => part.partNumber > marker)
        .sort((a, b) => a.partNumber - b.partNumber);
    const page = all.slice(0, maxParts);
    const truncated = all.length > page.length;
    return xml(200, "ListPartsResult", {
        Bucket: upload.bucket,
        Key: upload.key,
        UploadId: upload.uploadId,
        PartNumberMarker: marker,
        NextPartNumberMarker: truncated ? page[page.length - 1].partNumber : undefined,
        MaxParts: maxParts,
        IsTruncated: truncated,
        ChecksumAlgorithm: upload.algorithm,
        ChecksumType: upload.checksumType,
        Part: page.map((part) => ({
            PartNumber: part.partNumber,
            LastModified: part.lastModified,
            ETag: part.etag,
            Size: part.size,
            ...(upload.algorithm && part.checksum ? { [`Checksum${upload.algorithm}`]: part.checksum } : {}),
        })),
    });
}
