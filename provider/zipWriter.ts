/**
 * Writes the layer's zip with yazl: the same files give the same bytes on every machine, timezone,
 * umask and checkout time (DESIGN.md section 3, "Zip"), for a given Node.js release (its bundled zlib
 * produces the deflate streams; the sourceHash, which decides replacement, does not depend on it).
 *
 * Every entry is streamed from disk through yazl's own deflate stream, one file at a time, so memory
 * does not grow with file sizes (only per-entry metadata, about 1.5 KB, is kept for the central
 * directory). Node's zlib deflates on libuv's threadpool while this thread reads, checksums and writes.
 * Two things yazl cannot do without reaching into its internals, measured and left out (see the
 * README's packaging figures): it cannot take data that is already deflated, so entries cannot be
 * compressed ahead in parallel and stored when they do not shrink; and its `addBuffer`, which does
 * deflate several entries at once, keeps a 16 KiB zlib output slice alive per entry until the end,
 * so memory grows with the number of files.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as yazl from "yazl";
import { SourceError, type SourceFile } from "./sourceFiles";

/**
 * How entries are compressed; part of the sourceHash (packaging settings). Change it only when the
 * published content changes: a new value gives every layer a new version.
 */
export const ZIP_COMPRESSION = "deflate";

/** What was written. */
export interface WrittenZip {
    /** The zip's size in bytes. */
    bytes: number;
    /** Base64 sha256 of the zip: what AWS reports as CodeSha256. */
    sha256Base64: string;
}

/**
 * Writes `files` (as listSourceFiles returns them, sorted by zipPath) to `destination` as a
 * deterministic zip. Rejects, naming the file, when one cannot be read or changed size since it was listed.
 */
export async function writeLayerZip(files: readonly SourceFile[], destination: string): Promise<WrittenZip> {
    const zip = new yazl.ZipFile();
    const output = zip.outputStream as Readable; // a PassThrough; the typings only say ReadableStream
    // Failures end the output with an error that names the file, which settles the pipeline below.
    const fail = (file: SourceFile | undefined, error: Error) => output.destroy(fileError(file, error));
    let current: SourceFile | undefined; // yazl reads one entry at a time, in order: a failure is this file's
    zip.once("error", (error: Error) => fail(current, error)); // e.g. a size mismatch
    for (const file of files) {
        zip.addReadStreamLazy(file.zipPath, entryOptions(file), (giveStream) => {
            current = file;
            const stream = fs.createReadStream(file.absolutePath);
            stream.once("error", (error) => fail(file, error)); // yazl does not listen for it
            giveStream(null, stream);
        });
    }
    zip.end();
    const digest = new DigestingCounter();
    await pipeline(output, digest, fs.createWriteStream(destination));
    return { bytes: digest.bytes, sha256Base64: digest.sha256.digest("base64") };
}

/**
 * The same options for every entry but the mode. The date is 1980-01-01 00:00:00, the earliest a DOS
 * date can say; yazl encodes DOS times in local time, so the date is built in local time too, which
 * gives the same fields in every TZ, and the extended (UTC) timestamp field is left out. `size` makes
 * yazl fail when a file no longer has the size it was listed (and hashed) with.
 */
function entryOptions(file: SourceFile): Partial<yazl.ReadStreamOptions> {
    return {
        mtime: new Date(1980, 0, 1),
        forceDosTimestamp: true,
        mode: file.executable ? 0o100755 : 0o100644,
        compress: true,
        size: file.size,
    };
}

function fileError(file: SourceFile | undefined, error: Error): Error {
    if (file === undefined) {
        return error;
    }
    const problem = /unexpected number of bytes/.test(error.message) ? `changed while the zip was written (it was ${file.size} bytes when listed); run the command again` : `cannot be read: ${error.message}`;
    return new SourceError("source.path", `source.path: ${file.absolutePath} ${problem}`);
}

/** Passes the zip through, counting its bytes and hashing them. */
class DigestingCounter extends Transform {
    bytes = 0;
    readonly sha256 = createHash("sha256");

    override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        this.bytes += chunk.length;
        this.sha256.update(chunk);
        callback(null, chunk);
    }
}
