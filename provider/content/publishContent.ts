/**
 * The `Content` of a PublishLayerVersion request, ready to send: the zip is built, then sent inline when
 * it fits the direct-upload limit (mode `auto`), or staged in S3 first. A zip that fits nowhere fails
 * here, before anything is uploaded or published. What is left behind (a temp zip, a staged object) is
 * released by the caller once the publish is over, whatever its outcome.
 */
import * as fs from "node:fs";
import type { LayerVersionContentInput } from "@aws-sdk/client-lambda";
import type { LayerVersionInputs } from "../types";
import { chooseZipRoute, resolveStaging, stagingKey, type StagingDefaults } from "../rules/staging";
import { buildLayerZip, fileCrc32Base64 } from "./layerZip";
import {
    assertBucketRegion,
    createS3Client,
    deleteStagedObject,
    objectUrl,
    stageZip,
    type StagedObject,
} from "../aws/s3Staging";
import { formatBytes, type ProgressSink } from "../local/progressLog";

/** What create publishes, and what to do once the publish is over. */
export interface PublishContent {
    content: LayerVersionContentInput;
    /** Base64 sha256 of the zip, which the published version's CodeSha256 must equal; absent for `s3` content. */
    codeSha256?: string;
    /** The object the zip was staged at, when it went through S3. */
    staged?: StagedObject;
    /** How the content travels, for the progress line: `inline, 1.2 MB` or `from s3://...`. */
    route: string;
    /** Removes the staged object (unless `keepObject`); never throws. */
    release(): Promise<void>;
}

/** Builds the zip of `inputs` and sends it where it fits; `defaults` are the stack config's staging values. */
export async function preparePublishContent(
    inputs: LayerVersionInputs,
    region: string,
    defaults: StagingDefaults,
    sink?: ProgressSink,
): Promise<PublishContent> {
    const nothing = async (): Promise<void> => undefined;
    if (inputs.s3) {
        const { bucket, key, objectVersion } = inputs.s3;
        return {
            content: { S3Bucket: bucket, S3Key: key, S3ObjectVersion: objectVersion },
            route: `from s3://${bucket}/${key}`,
            release: nothing,
        };
    }
    const staging = stagingFor(inputs, defaults);
    const zip = await buildLayerZip(inputs);
    try {
        const route = chooseZipRoute(zip.bytes, staging);
        if (route.route === "refused") {
            throw new Error(`layer "${inputs.layerName}": ${route.reason}`);
        }
        if (route.route === "inline") {
            return {
                content: { ZipFile: await fs.promises.readFile(zip.path) },
                codeSha256: zip.sha256Base64,
                route: `inline, ${formatBytes(zip.bytes)}`,
                release: nothing,
            };
        }
        const sha256Hex = Buffer.from(zip.sha256Base64, "base64").toString("hex");
        const object: StagedObject = {
            layerName: inputs.layerName,
            staging: route.staging,
            key: stagingKey(route.staging.prefix, inputs.layerName, sha256Hex),
        };
        const s3 = createS3Client(region);
        await assertBucketRegion(s3, object, region);
        await stageZip(
            s3,
            object,
            { path: zip.path, bytes: zip.bytes, crc32Base64: await fileCrc32Base64(zip.path) },
            sink,
        );
        return {
            content: { S3Bucket: object.staging.bucket, S3Key: object.key },
            codeSha256: zip.sha256Base64,
            staged: object,
            route: `from ${objectUrl(object)}`,
            release: () => (object.staging.keepObject ? nothing() : deleteStagedObject(s3, object)),
        };
    } finally {
        await zip.dispose();
    }
}

/** resolveStaging, with the layer named when the stack config's values are refused. */
function stagingFor(inputs: LayerVersionInputs, defaults: StagingDefaults): ReturnType<typeof resolveStaging> {
    try {
        return resolveStaging(inputs.staging, defaults);
    } catch (error) {
        throw new Error(`layer "${inputs.layerName}": ${(error as Error).message}; nothing was published`, {
            cause: error,
        });
    }
}
