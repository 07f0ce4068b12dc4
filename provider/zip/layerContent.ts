/**
 * The zip that create publishes, on disk: the deterministic zip of a source tree, written to a temp
 * file, or a prebuilt zip as it is. Runs in `create`, after `check` hashed the same content; a mismatch
 * means the files changed in between, and publishing them would make the state lie about what was
 * published. Whether the zip then travels inline or through S3 is decided by its size, by the caller.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import type { LayerVersionInputs } from "../types";
import { computeSourceHash } from "../hashing/contentDigests";
import { elapsed, formatBytes, logProgress } from "../local/progressLog";
import { writeLayerZip } from "./zipWriter";

/** A zip ready to publish, and what is known about its bytes. */
export interface LayerZip {
    path: string;
    bytes: number;
    /** Base64 sha256: what Lambda reports as CodeSha256. */
    sha256Base64: string;
    /** Removes the zip when it is a temp file; a user's own zipFile is left alone. */
    dispose(): Promise<void>;
}

/** Builds (for `source`) or finds (for `zipFile`) the zip of `inputs`, checked against the hash `check` saw. */
export async function buildLayerZip(inputs: LayerVersionInputs): Promise<LayerZip> {
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
    const { sourceHash, files } = await computeSourceHash(source, process.cwd());
    const contentBytes = files.reduce((total, file) => total + file.size, 0);
    logProgress(
        inputs.layerName,
        `listed and hashed ${files.length} files (${formatBytes(contentBytes)}) in ${elapsed(startedAt)}`,
    );
    assertUnchangedSinceCheck(inputs, sourceHash);
    const workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "lambda-layer-"));
    const dispose = (): Promise<void> => fs.promises.rm(workDir, { recursive: true, force: true });
    try {
        const zipPath = path.join(workDir, "layer.zip");
        startedAt = performance.now();
        const written = await writeLayerZip(files, zipPath);
        logProgress(inputs.layerName, `zipped to ${formatBytes(written.bytes)} in ${elapsed(startedAt)}`);
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

function assertUnchangedSinceCheck(inputs: LayerVersionInputs, actualHash: string): void {
    if (inputs.sourceHash && actualHash !== inputs.sourceHash) {
        const what = inputs.source ? `source.path "${inputs.source.path}"` : `zipFile "${inputs.zipFile}"`;
        throw new Error(
            `layer "${inputs.layerName}": ${what} changed while the deployment ran (hash ${inputs.sourceHash} at check, ` +
                `${actualHash} now): nothing was published; run the command again`,
        );
    }
}
