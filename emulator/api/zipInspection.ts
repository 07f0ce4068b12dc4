/**
 * The checks AWS makes on an uploaded layer archive: it must be a zip, and its content must not
 * unzip to more than 262,144,000 bytes. The sizes come from the zip's central directory (read with
 * jszip), so a large archive is judged without inflating it.
 */
import JSZip from "jszip";
import { ApiError } from "./errors";

/** The most a layer may unzip to, in bytes. */
export const UNZIPPED_SIZE_LIMIT = 262_144_000;

/**
 * jszip keeps each loaded entry's central-directory sizes on the entry's internal `_data`
 * (a CompressedObject); its public API only offers inflating the content.
 */
interface LoadedEntry {
    dir: boolean;
    _data?: { uncompressedSize?: number };
}

/** Throws InvalidParameterValueException, as AWS does, unless `zip` is a zip within the size limit. */
export async function checkLayerArchive(zip: Buffer): Promise<void> {
    const unzippedSize = await declaredUnzippedSize(zip);
    if (unzippedSize > UNZIPPED_SIZE_LIMIT) {
        throw new ApiError(
            "InvalidParameterValueException",
            // AWS's words; it refuses content over the limit.
            `Unzipped size must be smaller than ${UNZIPPED_SIZE_LIMIT} bytes`,
        );
    }
}

async function declaredUnzippedSize(zip: Buffer): Promise<number> {
    let archive: JSZip;
    try {
        archive = await JSZip.loadAsync(zip);
    } catch {
        throw new ApiError(
            "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        );
    }
    return Object.values(archive.files)
        .map((entry) => entry as unknown as LoadedEntry)
        .filter((entry) => !entry.dir)
        .reduce((total, entry) => total + (entry._data?.uncompressedSize ?? 0), 0);
}
