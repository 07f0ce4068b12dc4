/**
 * What PublishLayerVersion reads from an uploaded layer archive: its CodeSha256, and the checks AWS
 * makes on it: it must be a zip, and its content must not unzip to more than 262,144,000 bytes. The
 * sizes come from the zip's central directory (read with jszip), so a large archive is judged without
 * inflating it. Hashing and reading a 50 MB archive take a while: they run on the worker thread.
 */
import { createHash } from "node:crypto";
import JSZip from "jszip";
import type { CpuWorker } from "../worker/cpuWorker";
import { ApiError } from "./errors";

/** The most a layer may unzip to, in bytes. */
export const UNZIPPED_SIZE_LIMIT = 262_144_000;

/** What the worker thread reads from an archive. */
export interface ArchiveFacts {
    /** Base64 of the sha256 of the archive. */
    codeSha256: string;
    /** What its entries declare they unzip to, in all; absent when it does not unzip. */
    unzippedSize?: number;
}

/**
 * jszip keeps each loaded entry's central-directory sizes on the entry's internal `_data`
 * (a CompressedObject); its public API only offers inflating the content.
 */
interface LoadedEntry {
    dir: boolean;
    _data?: { uncompressedSize?: number };
}

/**
 * The archive's CodeSha256, read on `worker`. Throws InvalidParameterValueException, as AWS does,
 * unless `zip` is a zip within the size limit.
 */
export async function inspectLayerArchive(zip: Buffer, worker: CpuWorker): Promise<string> {
    const { codeSha256, unzippedSize } = await worker.run("archiveFacts", zip);
    if (unzippedSize === undefined) {
        throw new ApiError(
            "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        );
    }
    if (unzippedSize > UNZIPPED_SIZE_LIMIT) {
        throw new ApiError(
            "InvalidParameterValueException",
            // AWS's words; it refuses content over the limit.
            `Unzipped size must be smaller than ${UNZIPPED_SIZE_LIMIT} bytes`,
        );
    }
    return codeSha256;
}

/** The archive's sha256 and declared unzipped size (runs on the worker thread). */
export async function archiveFacts(zip: Uint8Array): Promise<ArchiveFacts> {
    const bytes = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
    return {
        codeSha256: createHash("sha256").update(bytes).digest("base64"),
        unzippedSize: await declaredUnzippedSize(bytes),
    };
}

async function declaredUnzippedSize(zip: Buffer): Promise<number | undefined> {
    let archive: JSZip;
    try {
        archive = await JSZip.loadAsync(zip);
    } catch {
        return undefined;
    }
    return Object.values(archive.files)
        .map((entry) => entry as unknown as LoadedEntry)
        .filter((entry) => !entry.dir)
        .reduce((total, entry) => total + (entry._data?.uncompressedSize ?? 0), 0);
}
