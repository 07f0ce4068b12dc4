/**
 * Check-time verdict on the layer's content: its fingerprint (`sourceHash`), or a failure that names the
 * input at fault, so that unusable content is refused at preview, before any API call.
 */
import * as path from "node:path";
import type { InputFailure, LayerVersionInputs } from "../types";
import { computeSourceHash } from "./contentDigests";
import { SourceError } from "../listing/sourceError";
import type { SourceFile } from "../listing/sourceFiles";
import { UNZIPPED_MAX_BYTES } from "../rules/limits";
import { layoutFailures } from "../rules/layout";

/** Either the content's hex sha256 fingerprint or why the content cannot be published. */
export type ContentVerdict = { sourceHash: string } | { failure: InputFailure };

/**
 * Hashes `source` or `zipFile` (relative paths resolve against `baseDir`) and applies the unzipped size
 * limit. Never zips: whether the zip fits a direct upload is decided in create, which knows the staging.
 */
export async function hashContent(inputs: LayerVersionInputs, baseDir: string): Promise<ContentVerdict> {
    try {
        return inputs.zipFile
            ? await checkZipFile(path.resolve(baseDir, inputs.zipFile))
            : { sourceHash: (await computeSourceHash(inputs.source!, baseDir, judgeListing(inputs))).sourceHash };
    } catch (error) {
        if (error instanceof SourceError) {
            return { failure: { property: error.property, reason: error.message } };
        }
        throw error;
    }
}

/**
 * inspectZipFile refuses what AWS would: not a zip, escaping names, over the size limits. Loaded on use:
 * with its zip reader it costs about 15 ms to load, which the preview of a source tree need not pay.
 */
async function checkZipFile(zipPath: string): Promise<ContentVerdict> {
    const { inspectZipFile } = await import("../zip/zipFileCheck");
    return { sourceHash: (await inspectZipFile(zipPath)).sha256Hex };
}

/** The judgements made on the listing, before any file is read: the size limit, and the layout unless opted out. */
function judgeListing(inputs: LayerVersionInputs): (files: readonly SourceFile[]) => void {
    return (files) => {
        refuseOverUnzippedLimit(files);
        if (!inputs.source!.allowAnyLayout) {
            const [misplaced] = layoutFailures(
                files.map((file) => file.zipPath),
                inputs.compatibleRuntimes,
            );
            if (misplaced) throw new SourceError(misplaced.property, misplaced.reason);
        }
    };
}

/** Refuses, from the stat sizes alone, a tree whose content AWS would refuse unzipped. */
function refuseOverUnzippedLimit(files: readonly SourceFile[]): void {
    const unzippedBytes = files.reduce((total, file) => total + file.size, 0);
    if (unzippedBytes > UNZIPPED_MAX_BYTES) {
        throw new SourceError(
            "source.path",
            `source.path holds ${unzippedBytes} bytes in ${files.length} files; AWS allows at most ${UNZIPPED_MAX_BYTES} bytes unzipped per layer`,
        );
    }
}
