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

/** The content to publish, with the hash `check` must have seen for it. */
export async function buildLayerContent(inputs: LayerVersionInputs): Promise<LayerVersionContentInput> {
    if (inputs.s3) {
        return { S3Bucket: inputs.s3.bucket, S3Key: inputs.s3.key, S3ObjectVersion: inputs.s3.objectVersion };
    }
    const zipBytes = inputs.source ? await zipSourceTree(inputs) : await fs.promises.readFile(inputs.zipFile as string);
    if (inputs.zipFile) {
        assertUnchangedSinceCheck(inputs, createHash("sha256").update(zipBytes).digest("hex"));
    }
    return { ZipFile: zipBytes };
}

async function zipSourceTree(inputs: LayerVersionInputs): Promise<Buffer> {
    const source = inputs.source!;
    const { sourceHash, files } = await computeSourceHash(source, process.cwd());
    assertUnchangedSinceCheck(inputs, sourceHash);
    const workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "lambda-layer-"));
    try {
        const zipPath = path.join(workDir, "layer.zip");
        await writeLayerZip(files, zipPath);
        return await fs.promises.readFile(zipPath);
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
