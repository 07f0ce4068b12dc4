/**
 * Turns the checked inputs into the `Content` of a PublishLayerVersion request: the deterministic zip of
 * a source tree, a prebuilt zip's bytes, or an S3 location. Runs in `create`, after `check` hashed the
 * same content. The source hash of a tree is computed again from the very reads that fill the zip (one
 * pass, no digest cache), so a file rewritten at any moment, even at the same size, cannot be published
 * under the hash of what it held before: a mismatch with `check`'s hash means the files changed in
 * between, and publishing them would make the state lie about what was published.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import type { LayerVersionContentInput } from "@aws-sdk/client-lambda";
import type { LayerVersionInputs } from "../types";
import { hashSourceFiles } from "../hashing/sourceHash";
import { listSourceFiles, type SourceFile } from "../listing/sourceFiles";
import { SourceError, UnreadableFileError } from "../listing/sourceError";
import { canonicalPrefix } from "../rules/entryNames";
import { writeLayerZip, ZIP_COMPRESSION } from "./zipWriter";

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
    let files: SourceFile[];
    try {
        files = listSourceFiles(source, process.cwd());
    } catch (error) {
        throw error instanceof SourceError ? withLayerName(inputs, error) : error;
    }
    const workDir = await fs.promises
        .mkdtemp(path.join(os.tmpdir(), "lambda-layer-"))
        .catch((error: Error) => Promise.reject(workSpaceError(inputs, os.tmpdir(), error)));
    try {
        const zipPath = path.join(workDir, "layer.zip");
        const written = await writeLayerZip(files, zipPath).catch((error: Error) => {
            if (error instanceof UnreadableFileError && error.changed) {
                throw changedWhilePublishing(inputs, error.message);
            }
            throw error instanceof SourceError ? withLayerName(inputs, error) : workSpaceError(inputs, workDir, error);
        });
        const zippedHash = hashSourceFiles(
            files,
            { prefix: canonicalPrefix(source.prefix), compression: ZIP_COMPRESSION },
            written.contentDigests,
        );
        assertUnchangedSinceCheck(inputs, zippedHash);
        return { content: { ZipFile: await fs.promises.readFile(zipPath) }, codeSha256: written.sha256Base64 };
    } finally {
        await fs.promises.rm(workDir, { recursive: true, force: true });
    }
}

/** `error` (which names the file) with the layer's name in front. */
function withLayerName(inputs: LayerVersionInputs, error: SourceError): SourceError {
    error.message = `layer "${inputs.layerName}": ${error.message}`;
    return error;
}

/**
 * A failure to write the zip (a full or read-only temporary directory), naming the layer and where;
 * any other failure gets the layer's name in front.
 */
function workSpaceError(inputs: LayerVersionInputs, directory: string, error: Error): Error {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) {
        error.message = `layer "${inputs.layerName}": ${error.message}`;
        return error;
    }
    const advice =
        code === "ENOSPC" || code === "EDQUOT"
            ? "free space there, or point TMPDIR at a directory with room for the zip"
            : "point TMPDIR at a writable directory";
    return new Error(
        `layer "${inputs.layerName}": the zip cannot be written in ${directory} (${error.message}); ${advice}`,
        { cause: error },
    );
}

/** Never publish content whose recorded hash is not its own. */
function assertUnchangedSinceCheck(inputs: LayerVersionInputs, actualHash: string): void {
    if (inputs.sourceHash && actualHash !== inputs.sourceHash) {
        const what = inputs.source ? `source.path "${inputs.source.path}"` : `zipFile "${inputs.zipFile}"`;
        throw changedWhilePublishing(inputs, `${what}: hash ${inputs.sourceHash} at check, ${actualHash} in the zip`);
    }
}

function changedWhilePublishing(inputs: LayerVersionInputs, detail: string): Error {
    return new Error(
        `the source of layer "${inputs.layerName}" changed while it was being published (${detail}): ` +
            "nothing was published; run `pulumi up` again",
    );
}
