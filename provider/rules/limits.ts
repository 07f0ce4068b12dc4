/**
 * The Lambda layer API's limits and enums, as named constants. Each one says where it comes from: the
 * operation and the parameter of the Lambda API reference that states it.
 */
import type { Architecture, Runtime } from "@aws-sdk/client-lambda";
import { layerArnSource } from "./layerVersionRef";

/** An AWS region code such as `us-east-1`, `us-gov-west-1`, `us-isob-east-1`: the region part of AWS's layer ARN pattern. */
const REGION_SOURCE = String.raw`[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d`;

/** LayerName: minimum length, PublishLayerVersion URI parameter `LayerName`. */
export const LAYER_NAME_MIN_LENGTH = 1;

/** LayerName: maximum length, PublishLayerVersion URI parameter `LayerName` (a layer ARN counts in full). */
export const LAYER_NAME_MAX_LENGTH = 140;

/**
 * LayerName: a bare name, or a layer ARN as AWS writes it in a function's `Layers` (stricter than the
 * URI pattern `arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:...`, which accepts partitions and regions that do not exist).
 */
export const LAYER_NAME_PATTERN = new RegExp(`^(?:[a-zA-Z0-9-_]+|${layerArnSource(REGION_SOURCE)})$`);

/** Description: maximum length, PublishLayerVersion request body `Description` (0-256). */
export const DESCRIPTION_MAX_LENGTH = 256;

/** LicenseInfo: maximum length, PublishLayerVersion request body `LicenseInfo`. */
export const LICENSE_INFO_MAX_LENGTH = 512;

/** CompatibleRuntimes: maximum entries, GetLayerVersion/PublishLayerVersion `CompatibleRuntimes` ("Maximum number of 15 items"). */
export const COMPATIBLE_RUNTIMES_MAX = 15;

/**
 * Every runtime the Lambda API knows, deprecated ones included: the values of the SDK's `Runtime` enum
 * (@aws-sdk/client-lambda), written out so that `check` does not load the SDK (about 100 ms of every
 * preview). A test holds the list equal to the installed SDK's enum.
 */
// prettier-ignore
export const RUNTIMES: readonly Runtime[] = [
    "dotnet10", "dotnet6", "dotnet8", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",
    "go1.x",
    "java11", "java11.al2023", "java17", "java17.al2023", "java21", "java25", "java8", "java8.al2", "java8.al2023",
    "nodejs", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x",
    "nodejs24.x", "nodejs26.x", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10",
    "provided", "provided.al2", "provided.al2023",
    "python2.7", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14", "python3.15", "python3.6",
    "python3.7", "python3.8", "python3.9",
    "ruby2.5", "ruby2.7", "ruby3.2", "ruby3.3", "ruby3.4", "ruby4.0",
];

/** CompatibleArchitectures: maximum entries, PublishLayerVersion `CompatibleArchitectures` ("Maximum number of 2 items"). */
export const COMPATIBLE_ARCHITECTURES_MAX = 2;

/** `arm64` and `x86_64`: the values of the SDK's `Architecture` enum (@aws-sdk/client-lambda), held equal to it by a test. */
export const ARCHITECTURES: readonly Architecture[] = ["arm64", "x86_64"];

/** StatementId: minimum length, AddLayerVersionPermission request body `StatementId`. */
export const STATEMENT_ID_MIN_LENGTH = 1;

/** StatementId: maximum length, AddLayerVersionPermission request body `StatementId`. */
export const STATEMENT_ID_MAX_LENGTH = 100;

/** StatementId: pattern `([a-zA-Z0-9-_]+)`, AddLayerVersionPermission request body `StatementId`. */
export const STATEMENT_ID_PATTERN = /^[a-zA-Z0-9-_]+$/;

/** Principal: pattern `\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root`, AddLayerVersionPermission request body `Principal`. */
export const PRINCIPAL_PATTERN = /^(?:\d{12}|\*|arn:aws[a-zA-Z-]*:iam::\d{12}:root)$/;

/** OrganizationId: pattern `o-[a-z0-9]{10,32}` (so at most 34 characters), AddLayerVersionPermission request body `OrganizationId`. */
export const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;

/** The only action a layer permission can grant: AddLayerVersionPermission `Action` pattern `lambda:GetLayerVersion`. */
export const LAYER_PERMISSION_ACTION = "lambda:GetLayerVersion";

/** An AWS region code: the region part of the layer ARN pattern above, e.g. `eu-west-1`, `us-gov-east-1`. */
export const REGION_PATTERN = new RegExp(`^${REGION_SOURCE}$`);

/** S3Bucket: length 3-63, LayerVersionContentInput `S3Bucket`. */
export const S3_BUCKET_MIN_LENGTH = 3;

/** S3Bucket: maximum length, LayerVersionContentInput `S3Bucket`. */
export const S3_BUCKET_MAX_LENGTH = 63;

/** S3Bucket: pattern `^[0-9A-Za-z\.\-_]*(?<!\.)$` (no trailing dot), LayerVersionContentInput `S3Bucket`. */
export const S3_BUCKET_PATTERN = /^[0-9A-Za-z.\-_]*(?<!\.)$/;

/** S3Key and S3ObjectVersion: maximum length (minimum 1), LayerVersionContentInput. */
export const S3_KEY_MAX_LENGTH = 1024;

/**
 * The largest PublishLayerVersion request body, as AWS's 413 answer states it: "Request must be smaller
 * than 69905067 bytes for the PublishLayerVersion operation" (some regions now allow 256 KiB more).
 */
export const PUBLISH_REQUEST_MAX_BYTES = 69_905_067;

/**
 * The largest zip sent directly (ZipFile, base64 in the JSON body); bigger ones need the S3 route.
 * AWS documents "50 MB": 52,428,800 bytes, whose base64 alone (69,905,068 bytes) already misses
 * PUBLISH_REQUEST_MAX_BYTES by one byte, before the JSON around it. So 50 MiB minus 64 KiB:
 * its base64 (69,817,688 bytes) leaves 87,379 bytes for the rest of the body, far more than the worst
 * case (256 + 512 characters of description and license escaped as `\u0000`, 15 runtimes, 2 architectures: under 6 KB).
 */
export const DIRECT_UPLOAD_MAX_ZIP_BYTES = 52_428_800 - 65_536;

/**
 * Unzipped content: AWS answers "Unzipped size must be smaller than 262144000 bytes" (Lambda quotas,
 * 250 MB), so content must stay below this number of bytes.
 */
export const UNZIPPED_MAX_BYTES = 262_144_000;
