/**
 * The zip that create publishes, on disk: the deterministic zip of a source tree or of a dependency
 * build, written to a temp file, or a prebuilt zip as it is. Runs in `create`, after `check` hashed the
 * same content. The source hash of a tree is computed again from the very reads that fill the zip (one pass, no digest cache), so
 * a file rewritten at any moment, even at the same size, cannot be published under the hash of what it
 * held before: a mismatch with `check`'s hash means the files changed in between, and publishing them
 * would make the state lie about what was published. Whether the zip then travels inline or through S3
 * is decided by its size, by the caller.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import type { LayerVersionInputs } from "../types";
import { hashSourceFiles } from "../hashing/sourceHash";
import { listSourceFiles, type SourceFile } from "../listing/sourceFiles";
import { SourceError, UnreadableFileError } from "../listing/sourceError";
import { elapsed, formatBytes, logProgress } from "../local/progressLog";
import { canonicalPrefix } from "../rules/entryNames";
import { writeLayerZip, ZIP_COMPRESSION } from "../zip/zipWriter";
import { zipDependencyBuild } from "../build/buildContent";

/** A zip ready to publish, and what is known about its bytes. */
export interface LayerZip {
    path: string;
    bytes: number;
    /** Base64 sha256: what Lambda reports as CodeSha256. */
    sha256Base64: string;
    /** Removes the zip when it is a temp file; a user's own zipFile is left alone. */
    dispose(): Promise<void>;
}

/** Builds (`source`, `build`) or finds (`zipFile`) the zip of `inputs`, checked against the hash `check` saw. */
export async function buildLayerZip(inputs: LayerVersionInputs): Promise<LayerZip> {
    if (inputs.build) {
        return zipDependencyBuild(inputs, process.cwd());
    }
    if (inputs.source) {
        return zipSourceTree(inputs);
    }
    const zipPath = path.resolve(inputs.zipFile as string);
    const { bytes, sha256 } = await digestFile(zipPath);
    assertUnchangedSinceCheck(inputs, sha256.toString("hex"));
    return { path: zipPath, bytes, sha256Base64: sha256.toString("base64"), dispose: async () => undefined };
}

async function zipSourceTree(inputs: LayerVersionInputs): Promise<LayerZip> {
    const source = inputs.source!;
    let startedAt = performance.now();
    let files: SourceFile[];
    try {
        files = listSourceFiles(source, process.cwd());
    } catch (error) {
        throw error instanceof SourceError ? withLayerName(inputs, error) : error;
    }
    const contentBytes = files.reduce((total, file) => total + file.size, 0);
    logProgress(
        inputs.layerName,
        `listed ${files.length} files (${formatBytes(contentBytes)}) in ${elapsed(startedAt)}`,
    );
    const workDir = await fs.promises
        .mkdtemp(path.join(os.tmpdir(), "lambda-layer-"))
        .catch((error: Error) => Promise.reject(workSpaceError(inputs, os.tmpdir(), error)));
    const dispose = (): Promise<void> => fs.promises.rm(workDir, { recursive: true, force: true });
    try {
        const zipPath = path.join(workDir, "layer.zip");
        startedAt = performance.now();
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
        logProgress(inputs.layerName, `zipped and hashed to ${formatBytes(written.bytes)} in ${elapsed(startedAt)}`);
        return { path: zipPath, bytes: written.bytes, sha256Base64: written.sha256Base64, dispose };
    } catch (error) {
        await dispose();
        throw error;
    }
}

/** The size and sha256 of a file, read in chunks. */
async function digestFile(filePath: string): Promise<{ bytes: number; sha256: Buffer }> {
    const hash = createHash("sha256");
    let bytes = 0;
    for await (const chunk of fs.createReadStream(filePath)) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
    }
    return { bytes, sha256: hash.digest() };
}

/** The CRC32 of a file, base64 of its 4 big-endian bytes as S3 writes `x-amz-checksum-crc32`. */
export async function fileCrc32Base64(filePath: string): Promise<string> {
    let value = 0;
    for await (const chunk of fs.createReadStream(filePath, { highWaterMark: 1024 * 1024 })) {
        value = crc32(chunk as Buffer, value);
    }
    const encoded = Buffer.alloc(4);
    encoded.writeUInt32BE(value >>> 0);
    return encoded.toString("base64");
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
