/**
 * Check-time verdict on the layer's content: its fingerprint (`sourceHash`), or a failure that names the
 * input at fault, so that unusable content is refused at preview, before any API call.
 */
import * as path from "node:path";
import type { InputFailure, LayerVersionInputs } from "../types";
import { computeSourceHash } from "./contentDigests";
import { SourceError } from "../listing/sourceError";
import { inspectZipFile } from "../zip/zipFileCheck";
import { DIRECT_UPLOAD_MAX_ZIP_BYTES, UNZIPPED_MAX_BYTES } from "../rules/limits";
import { measuredZipSize, zipSizeBound } from "../zip/zipSize";

/** Either the content's hex sha256 fingerprint or why the content cannot be published. */
export type ContentVerdict = { sourceHash: string } | { failure: InputFailure };

/** Hashes `source` or `zipFile` (relative paths resolve against `baseDir`) and applies the size limits. */
export async function hashContent(inputs: LayerVersionInputs, baseDir: string): Promise<ContentVerdict> {
    try {
        return inputs.zipFile
            ? await checkZipFile(path.resolve(baseDir, inputs.zipFile))
            : await checkSourceTree(inputs, baseDir);
    } catch (error) {
        if (error instanceof SourceError) {
            return { failure: { property: error.property, reason: error.message } };
        }
        throw error;
    }
}

/** inspectZipFile refuses what AWS would: not a zip, escaping names, over the size limits. */
async function checkZipFile(zipPath: string): Promise<ContentVerdict> {
    return { sourceHash: (await inspectZipFile(zipPath)).sha256Hex };
}

async function checkSourceTree(inputs: LayerVersionInputs, baseDir: string): Promise<ContentVerdict> {
    const { sourceHash, files } = await computeSourceHash(inputs.source!, baseDir);
    const unzippedBytes = files.reduce((total, file) => total + file.size, 0);
    if (unzippedBytes > UNZIPPED_MAX_BYTES) {
        const reason = `source.path holds ${unzippedBytes} bytes in ${files.length} files; AWS allows at most ${UNZIPPED_MAX_BYTES} bytes unzipped per layer`;
        return { failure: { property: "source.path", reason } };
    }
    if (zipSizeBound(files) > DIRECT_UPLOAD_MAX_ZIP_BYTES) {
        const zipBytes = await measuredZipSize(files, sourceHash);
        if (zipBytes > DIRECT_UPLOAD_MAX_ZIP_BYTES) {
            const reason =
                `source.path zips to ${zipBytes} bytes; a zip sent directly to the Lambda API may be at most ` +
                `${DIRECT_UPLOAD_MAX_ZIP_BYTES} bytes (50 MB): upload the zip to S3 and use the \`s3\` input`;
            return { failure: { property: "source.path", reason } };
        }
    }
    return { sourceHash };
}
