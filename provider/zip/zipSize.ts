/**
 * Whether a source tree's zip fits the Lambda API's direct-upload limit, known at check time so that an
 * oversized layer is refused at preview instead of by a 413 at create. Most trees need no zipping to
 * know: a zip outgrows its content only by its headers. A tree whose bound is
 * over the limit is zipped once; the size is remembered per sourceHash, so later previews of the same
 * content cost nothing.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { replaceCacheFile } from "../local/cacheFile";
import type { SourceFile } from "../listing/sourceFiles";
import { digestCacheDirectory } from "../hashing/hashCache";
import { writeLayerZip } from "./zipWriter";

/** Local header (30) and central directory record (46), beside the name written in each. */
const ENTRY_OVERHEAD_BYTES = 30 + 46;
/** End of central directory records, zip64 included. */
const ARCHIVE_OVERHEAD_BYTES = 22 + 56 + 20;

/**
 * An upper bound of the zip's size: every file's content as it is (an entry that deflate does not
 * shrink is stored), plus every header. Pure.
 */
export function zipSizeBound(files: readonly SourceFile[]): number {
    return files.reduce(
        (total, file) => total + file.size + ENTRY_OVERHEAD_BYTES + 2 * Buffer.byteLength(file.zipPath),
        ARCHIVE_OVERHEAD_BYTES,
    );
}

/** Where measured sizes are remembered; "v2" since the writer stores what deflate does not shrink (sizes by yazl's layout differ). */
const MEMO_DIRECTORY = "zip-sizes-v2";

/** The zip's exact size: remembered under the digest cache directory by `sourceHash`, else zipped to a temp file. */
export async function measuredZipSize(files: SourceFile[], sourceHash: string): Promise<number> {
    const cacheDir = digestCacheDirectory();
    const memo = cacheDir && path.join(cacheDir, MEMO_DIRECTORY, sourceHash);
    const remembered = memo ? Number(await fs.promises.readFile(memo, "utf8").catch(() => "")) : 0;
    if (remembered > 0) {
        return remembered;
    }
    const workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "lambda-layer-size-"));
    try {
        const { bytes } = await writeLayerZip(files, path.join(workDir, "layer.zip"));
        if (memo) {
            replaceCacheFile(memo, String(bytes)); // concurrent checks of the same content may both write it
        }
        return bytes;
    } finally {
        await fs.promises.rm(workDir, { recursive: true, force: true });
    }
}
