/**
 * Check-time verdict on the layer's content: its fingerprint (`sourceHash`), or a failure that names the
 * input at fault, so that unusable content is refused at preview, before any API call.
 */
import * as path from "node:path";
import type { InputFailure, LayerVersionInputs } from "./types";
import { computeSourceHash } from "./contentDigests";
import { SourceError } from "./sourceFiles";
import { inspectZipFile } from "./zipFileCheck";
import { DIRECT_UPLOAD_MAX_ZIP_BYTES, UNZIPPED_MAX_BYTES } from "./limits";

/** Either the content's hex sha256 fingerprint or why the content cannot be published. */
export type ContentVerdict = { sourceHash: string } | { failure: InputFailure };

/** Hashes `source` or `zipFile` (relative paths resolve against `baseDir`) and applies the size limits. */
export async function hashContent(inputs: LayerVersionInputs, baseDir: string): Promise<ContentVerdict> {
    try {
        return inputs.zipFile ? await checkZipFile(path.resolve(baseDir, inputs.zipFile)) : await checkSourceTree(inputs, baseDir);
    } catch (error) {
        if (error instanceof SourceError) {
            return { failure: { property: error.property, reason: error.message } };
        }
        throw error;
    }
}

async function checkZipFile(zipPath: string): Promise<ContentVerdict> {
    const zip = await inspectZipFile(zipPath);
    if (zip.size > DIRECT_UPLOAD_MAX_ZIP_BYTES) {
        return tooLarge("zipFile", `is ${zip.size} bytes; a zip sent directly to the Lambda API may be at most ${DIRECT_UPLOAD_MAX_ZIP_BYTES} bytes (50 MB): upload it to S3 and use the \`s3\` input`);
    }
    return { sourceHash: zip.sha256Hex };
}

async function checkSourceTree(inputs: LayerVersionInputs, baseDir: string): Promise<ContentVerdict> {
    const { sourceHash, files } = await computeSourceHash(inputs.source!, baseDir);
    const unzippedBytes = files.reduce((total, file) => total + file.size, 0);
    if (unzippedBytes > UNZIPPED_MAX_BYTES) {
        return tooLarge("source.path", `holds ${unzippedBytes} bytes in ${files.length} files; AWS allows at most ${UNZIPPED_MAX_BYTES} bytes unzipped per layer`);
    }
    return { sourceHash };
}

function tooLarge(property: string, problem: string): ContentVerdict {
    return { failure: { property, reason: `${property} ${problem}` } };
}
