/**
 * The rules of S3 staging, pure: what a valid `staging` input is, where the defaults come from (the
 * stack config), which route a zip of a given size takes (inline or through S3), and the staged
 * object's key. The S3 calls themselves live with the other AWS calls.
 */
import type { InputFailure, LayerStaging } from "../types";
import { DIRECT_UPLOAD_MAX_ZIP_BYTES, S3_KEY_MAX_LENGTH } from "./limits";
import { isUnknown } from "./unknowns";

/** The stack config key that names the staging bucket of every layer that does not set `staging`. */
export const STAGING_BUCKET_CONFIG = "pulumi-lambda-layer:stagingBucket";

/** The stack config key of the default key prefix. */
export const STAGING_PREFIX_CONFIG = "pulumi-lambda-layer:stagingPrefix";

export const STAGING_MODES = ["auto", "always", "never"] as const;

export const SERVER_SIDE_ENCRYPTIONS = ["AES256", "aws:kms"] as const;

/**
 * Storage classes whose objects Lambda can read at once: S3's StorageClass enum without the archive
 * classes (GLACIER, DEEP_ARCHIVE), whose objects must be restored before anyone can read them, and
 * without the classes of directory buckets and Outposts.
 */
export const STAGING_STORAGE_CLASSES = [
    "STANDARD",
    "INTELLIGENT_TIERING",
    "STANDARD_IA",
    "ONEZONE_IA",
    "GLACIER_IR",
    "REDUCED_REDUNDANCY",
] as const;

/** A general purpose bucket's name: 3-63 characters of [a-z0-9.-], starting and ending with a letter or digit. */
const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Prefixes and suffixes S3 reserves (access points, aliases, directory and table buckets, its own examples). */
const RESERVED_BUCKET_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_BUCKET_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/**
 * The longest prefix that leaves room in S3's 1,024-byte key for the longest layer name (140), the
 * slash, 64 hex digits and `.zip`.
 */
export const STAGING_PREFIX_MAX_BYTES = S3_KEY_MAX_LENGTH - 140 - 1 - 64 - 4;

/** Staging as create uses it: the input or the stack config, with every default filled in. */
export interface ResolvedStaging extends LayerStaging {
    prefix: string;
    mode: "auto" | "always" | "never";
    /** Where the bucket came from, for messages: `staging.bucket` or the stack config key. */
    origin: string;
}

/** What `configure` read from the stack config. */
export interface StagingDefaults {
    bucket?: string;
    prefix?: string;
}

/** Why `bucket` cannot be a general purpose bucket's name, or `undefined` when it can. */
export function bucketNameProblem(bucket: string): string | undefined {
    if (bucket.length < 3 || bucket.length > 63) return `is ${bucket.length} characters; S3 allows 3-63`;
    if (!BUCKET_NAME_PATTERN.test(bucket))
        return "must hold only lowercase letters, digits, '.' and '-', and start and end with a letter or digit";
    if (bucket.includes("..")) return "has two adjacent periods";
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) return "is formatted as an IP address";
    const reserved = [
        ...RESERVED_BUCKET_PREFIXES.filter((prefix) => bucket.startsWith(prefix)),
        ...RESERVED_BUCKET_SUFFIXES.filter((suffix) => bucket.endsWith(suffix)),
    ];
    return reserved.length ? `uses ${JSON.stringify(reserved[0])}, which S3 reserves` : undefined;
}

/** Why `prefix` cannot start the staged object's key, or `undefined` when it can. */
export function prefixProblem(prefix: string): string | undefined {
    if (Buffer.byteLength(prefix) > STAGING_PREFIX_MAX_BYTES)
        return `is ${Buffer.byteLength(prefix)} bytes; at most ${STAGING_PREFIX_MAX_BYTES} leave room in S3's ${S3_KEY_MAX_LENGTH}-byte key for <layerName>/<sha256>.zip`;
    if (prefix.startsWith("/")) return "starts with /, which would make an empty first folder";
    if (prefix.includes("\\")) return "contains a backslash";
    if (prefix.includes("//")) return "contains //";
    if (prefix.split("/").some((segment) => segment === "." || segment === "..")) return "has a . or .. segment";
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(prefix)) return "contains a control character";
    return undefined;
}

/** Every problem with a `staging` value, each naming its property (`staging.bucket`...). Unknown fields are skipped. */
export function stagingFailures(value: unknown, path = "staging"): InputFailure[] {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return [{ property: path, reason: `${path} must be an object such as { bucket: "my-staging-bucket" }` }];
    }
    const staging = value as Record<string, unknown>;
    const failures: InputFailure[] = [];
    const fail = (field: string, reason: string): void => {
        failures.push({ property: `${path}.${field}`, reason: `${path}.${field} ${reason}` });
    };
    const known = (field: string): boolean =>
        staging[field] !== undefined && staging[field] !== null && !isUnknown(staging[field]);
    const fields = [
        "bucket",
        "prefix",
        "mode",
        "expectedBucketOwner",
        "serverSideEncryption",
        "kmsKeyId",
        "storageClass",
        "keepObject",
    ];
    for (const name of Object.keys(staging).filter((field) => !fields.includes(field))) {
        fail(name, `is not a property of ${path}; the accepted names are: ${fields.join(", ")}`);
    }
    const text = (field: string): string | undefined => {
        if (!known(field)) return undefined;
        if (typeof staging[field] === "string") return staging[field] as string;
        fail(field, `must be a string; got ${typeof staging[field]}`);
        return undefined;
    };
    const oneOf = (field: string, allowed: readonly string[], noun: string): void => {
        const given = text(field);
        if (given !== undefined && !allowed.includes(given)) {
            fail(field, `${JSON.stringify(given)} is not ${noun}; it must be one of: ${allowed.join(", ")}`);
        }
    };
    if (staging.bucket === undefined || staging.bucket === null) {
        fail("bucket", "is required: the name of an existing S3 bucket in the layer's region");
    }
    const bucket = text("bucket");
    const bucketProblem = bucket === undefined ? undefined : bucketNameProblem(bucket);
    if (bucketProblem) fail("bucket", `${JSON.stringify(bucket)} ${bucketProblem}`);
    const prefix = text("prefix");
    const prefixIssue = prefix === undefined ? undefined : prefixProblem(prefix);
    if (prefixIssue) fail("prefix", `${JSON.stringify(prefix)} ${prefixIssue}`);
    oneOf("mode", STAGING_MODES, "a staging mode");
    const owner = text("expectedBucketOwner");
    if (owner !== undefined && !ACCOUNT_ID_PATTERN.test(owner)) {
        fail("expectedBucketOwner", `${JSON.stringify(owner)} is not a 12-digit AWS account id`);
    }
    oneOf("serverSideEncryption", SERVER_SIDE_ENCRYPTIONS, "a server-side encryption S3 accepts here");
    const kmsKeyId = text("kmsKeyId");
    if (kmsKeyId === "") fail("kmsKeyId", "is empty; leave it out to use the account's aws/s3 key");
    if (kmsKeyId !== undefined && known("serverSideEncryption") && staging.serverSideEncryption !== "aws:kms") {
        fail("kmsKeyId", `is only allowed with serverSideEncryption "aws:kms"`);
    }
    if (kmsKeyId !== undefined && !known("serverSideEncryption") && !isUnknown(staging.serverSideEncryption)) {
        fail("kmsKeyId", `needs serverSideEncryption "aws:kms" beside it`);
    }
    oneOf("storageClass", STAGING_STORAGE_CLASSES, "a storage class Lambda can read at once");
    if (known("keepObject") && typeof staging.keepObject !== "boolean") {
        fail("keepObject", `must be true or false; got ${typeof staging.keepObject}`);
    }
    return failures;
}

/**
 * The staging that create uses: the resource's `staging` input, else the stack config's bucket, with
 * the prefix and mode defaults filled in; `undefined` when there is no bucket at all. Throws when the
 * stack config's values break the rules (check never sees them).
 */
export function resolveStaging(
    input: LayerStaging | undefined,
    defaults: StagingDefaults,
): ResolvedStaging | undefined {
    if (input) {
        return {
            ...input,
            prefix: input.prefix ?? defaults.prefix ?? "",
            mode: input.mode ?? "auto",
            origin: "staging",
        };
    }
    if (!defaults.bucket) {
        return undefined;
    }
    const fromConfig = { bucket: defaults.bucket, prefix: defaults.prefix ?? "" };
    const failures = stagingFailures(fromConfig);
    if (failures.length) {
        const keys = { "staging.bucket": STAGING_BUCKET_CONFIG, "staging.prefix": STAGING_PREFIX_CONFIG };
        const reasons = failures.map((failure) =>
            failure.reason.replace(failure.property, keys[failure.property as keyof typeof keys] ?? failure.property),
        );
        throw new Error(`the stack config is not usable for staging: ${reasons.join("; ")}`);
    }
    return { ...fromConfig, mode: "auto", origin: STAGING_BUCKET_CONFIG };
}

/** Whether two `staging` values say the same: absent and `{}` fields alike. */
export function sameStaging(a: LayerStaging | undefined, b: LayerStaging | undefined): boolean {
    const canonical = (staging: LayerStaging | undefined): string =>
        JSON.stringify(
            staging && [
                staging.bucket,
                staging.prefix ?? "",
                staging.mode ?? "auto",
                staging.expectedBucketOwner,
                staging.serverSideEncryption,
                staging.kmsKeyId,
                staging.storageClass,
                staging.keepObject === true,
            ],
        ) ?? "none";
    return canonical(a) === canonical(b);
}

/** How a zip reaches Lambda: in the request, through S3, or not at all (with the reason). */
export type ZipRoute =
    { route: "inline" } | { route: "s3"; staging: ResolvedStaging } | { route: "refused"; reason: string };

/** The route of a zip of `zipBytes` bytes, given the resolved staging. */
export function chooseZipRoute(zipBytes: number, staging: ResolvedStaging | undefined): ZipRoute {
    const fits = zipBytes <= DIRECT_UPLOAD_MAX_ZIP_BYTES;
    if (staging && (staging.mode === "always" || (staging.mode === "auto" && !fits))) {
        return { route: "s3", staging };
    }
    if (fits) {
        return { route: "inline" };
    }
    const size = `the zip is ${zipBytes} bytes, over the ${DIRECT_UPLOAD_MAX_ZIP_BYTES}-byte limit of a zip sent directly to the Lambda API`;
    const reason = staging
        ? `${size}, and staging.mode is "never": set staging.mode to "auto" (or leave it out) to send it through S3 bucket "${staging.bucket}"`
        : `${size}, and no staging bucket is set: set the \`staging\` input (staging: { bucket: "<an S3 bucket in the layer's region>" }) ` +
          `or the stack config \`pulumi config set ${STAGING_BUCKET_CONFIG} <bucket>\`, and the zip goes through S3`;
    return { route: "refused", reason: `${reason}; nothing was uploaded or published` };
}

/**
 * The staged object's key: `<prefix><layer name>/<hex sha256 of the zip>.zip`. Content-addressed, so
 * the same zip lands on the same key (and is not uploaded twice); a layer ARN counts by its name.
 */
export function stagingKey(prefix: string, layerName: string, sha256Hex: string): string {
    const name = layerName.includes(":layer:")
        ? layerName.slice(layerName.lastIndexOf(":layer:") + ":layer:".length)
        : layerName;
    return `${prefix}${name}/${sha256Hex}.zip`;
}
