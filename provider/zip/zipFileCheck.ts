/**
 * Checks a prebuilt `zipFile` before anything is published: that it is a zip, that no entry name could
 * land outside the extraction directory, and that it unzips within AWS's limit, judged from the sizes
 * its central directory declares (read with jszip), so nothing is inflated.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import JSZip from "jszip";
import { UNZIPPED_MAX_BYTES } from "../rules/limits";
import { escapeProblem } from "../rules/entryNames";
import { SourceError } from "../listing/sourceError";

/** What `check` needs to know about a prebuilt zip. */
export interface ZipFileSummary {
    /** Hex sha256 of the file: the zip's sourceHash. */
    sha256Hex: string;
    /** The file's size in bytes. */
    size: number;
    /** File entries (folders not counted). */
    entryCount: number;
    /** The sum of the file entries' uncompressed sizes, as the central directory declares them. */
    unzippedBytes: number;
}

/**
 * jszip keeps each entry's central-directory sizes on an internal `_data` (its public API only
 * inflates), and the name as stored in the archive on `unsafeOriginalName` (its `name` has `..`
 * segments resolved away, which would hide exactly what is checked here).
 */
interface LoadedEntry {
    name: string;
    dir: boolean;
    unsafeOriginalName?: string;
    _data?: { uncompressedSize?: number };
}

/**
 * Reads and checks the zip at `zipPath`. Throws SourceError (property `zipFile`) when it is missing,
 * larger than a layer may unzip to, not a zip, has an entry name with a backslash, a leading `/` or
 * drive letter, or a `..` segment, or declares more than UNZIPPED_MAX_BYTES of content.
 */
export async function inspectZipFile(zipPath: string): Promise<ZipFileSummary> {
    const bytes = readZipBytes(zipPath);
    const entries = await loadEntries(zipPath, bytes);
    for (const entry of entries) {
        const name = entry.unsafeOriginalName ?? entry.name;
        const problem = escapeProblem(name);
        if (problem) {
            throw new SourceError(
                "zipFile",
                `zipFile ${zipPath}: the entry ${JSON.stringify(name)} ${problem}, so it could be extracted outside the layer's directory; rebuild the zip with relative "/" paths`,
            );
        }
    }
    const files = entries.filter((entry) => !entry.dir);
    const unzippedBytes = files.reduce((total, entry) => total + (entry._data?.uncompressedSize ?? 0), 0);
    if (unzippedBytes > UNZIPPED_MAX_BYTES) {
        throw new SourceError(
            "zipFile",
            `zipFile ${zipPath} unzips to ${unzippedBytes} bytes; AWS allows at most ${UNZIPPED_MAX_BYTES} bytes unzipped per layer`,
        );
    }
    return {
        sha256Hex: createHash("sha256").update(bytes).digest("hex"),
        size: bytes.length,
        entryCount: files.length,
        unzippedBytes,
    };
}

/**
 * The file's bytes; one bigger than a layer may unzip to is refused before it is read into memory (a
 * layer's zip is smaller than its content). Whether it fits a direct upload is decided in create, which
 * knows the staging.
 */
function readZipBytes(zipPath: string): Buffer {
    let size: number;
    try {
        const stats = fs.statSync(zipPath);
        if (!stats.isFile()) {
            throw new Error("not a regular file");
        }
        size = stats.size;
    } catch (error) {
        throw new SourceError("zipFile", `zipFile ${zipPath} cannot be read: ${(error as Error).message}`);
    }
    if (size > UNZIPPED_MAX_BYTES) {
        throw new SourceError(
            "zipFile",
            `zipFile ${zipPath} is ${size} bytes; AWS allows at most ${UNZIPPED_MAX_BYTES} bytes unzipped per layer, and a layer's zip is smaller than that`,
        );
    }
    return fs.readFileSync(zipPath);
}

async function loadEntries(zipPath: string, bytes: Buffer): Promise<LoadedEntry[]> {
    try {
        const archive = await JSZip.loadAsync(bytes);
        return Object.values(archive.files) as unknown as LoadedEntry[];
    } catch (error) {
        throw new SourceError(
            "zipFile",
            `zipFile ${zipPath} is not a readable zip archive: ${(error as Error).message}`,
        );
    }
}
