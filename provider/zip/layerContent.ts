/**
 * Turns the checked inputs into the `Content` of a PublishLayerVersion request: the deterministic zip of
 * a source tree, a prebuilt zip's bytes, or an S3 location. Runs in `create`, after `check` hashed the
 * same content; a mismatch means the files changed in between, and publishing them would make the state
 * lie about what was published.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import type { LayerVersionContentInput } from "@aws-sdk/client-lambda";
import type { LayerVersionInputs } from "../types";
import { computeSourceHash } from "../hashing/contentDigests";
import { writeLayerZip } from "./zipWriter";

/** What `create` publishes. */
export interface LayerContent {
    /** The `Content` of the PublishLayerVersion request. */
    content: LayerVersionContentInput;
    /** Base64 sha256 of the zip sent (what AWS reports as CodeSha256); absent for content in S3. */
    codeSha256?: string;
}

/** The content to publish, with the hash `check` must have seen for it. */
export async function buildLayerContent(inputs: LayerVersionInputs): Promise<LayerContent> {
    if (inputs.s3) {
        return {
            content: { S3Bucket: inputs.s3.bucket, S3Key: inputs.s3.key, S3ObjectVersion: inputs.s3.objectVersion },
        };
    }
    if (inputs.source) {
        return zipSourceTree(inputs);
    }
    const zipBytes = await fs.promises.readFile(inputs.zipFile as string);
    const digest = createHash("sha256").update(zipBytes).digest();
    assertUnchangedSinceCheck(inputs, digest.toString("hex"));
    return { content: { ZipFile: zipBytes }, codeSha256: digest.toString("base64") };
}

async function zipSourceTree(inputs: LayerVersionInputs): Promise<LayerContent> {
    const source = inputs.source!;
    const { sourceHash, files } = await computeSourceHash(source, process.cwd());
    assertUnchangedSinceCheck(inputs, sourceHash);
    const workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "lambda-layer-"));
    try {
        const zipPath = path.join(workDir, "layer.zip");
        const { sha256Base64 } = await writeLayerZip(files, zipPath);
        return { content: { ZipFile: await fs.promises.readFile(zipPath) }, codeSha256: sha256Base64 };
    } finally {
        await fs.promises.rm(workDir, { recursive: true, force: true });
    }
}

function assertUnchangedSinceCheck(inputs: LayerVersionInputs, actualHash: string): void {
    if (inputs.sourceHash && actualHash !== inputs.sourceHash) {
        const what = inputs.source ? `source.path "${inputs.source.path}"` : `zipFile "${inputs.zipFile}"`;
        throw new Error(
            `layer "${inputs.layerName}": ${what} changed while the deployment ran (hash ${inputs.sourceHash} at check, ` +
                `${actualHash} now): nothing was published; run the command again`,
        );
    }
}
