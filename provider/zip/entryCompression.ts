/**
 * How entries are compressed: DEFLATE at zlib's default level, unless that does not make an entry
 * smaller (already-compressed files: images, jars, wheels, random data), in which case it is stored.
 * The choice depends on the content alone, so it is the same on every machine; and deflate's output
 * does not depend on how the input is cut into chunks, so a file read whole and a file streamed give
 * the same bytes. Used by the compression workers, and on the calling thread for small trees.
 */
import { createHash, hash } from "node:crypto";
import { once } from "node:events";
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { readUntilFull } from "../local/readUntilFull";
import { openConfined } from "../listing/confinedOpen";
import { DEFLATED, STORED } from "./zipRecords";
import { UnreadableFileError } from "../listing/sourceError";

/** zlib's default; `zip -6` uses the same. */
const DEFLATE_LEVEL = 6;

/**
 * Big files are read and deflated 256 KiB at a time: with zlib's 16 KiB default output buffer, deflating
 * 16 MiB took a round trip to the thread pool per 16 KiB and about 1.5x the time; 256 KiB is as fast as
 * 1 MiB was, with 25 MiB less peak memory on the bench's tree of 16 MiB files. The input is read into a
 * buffer that is reused: a read stream's fresh buffers measured 20-30 MB more peak memory.
 */
const STREAM_READ_BYTES = 256 << 10;
const DEFLATE_OUTPUT_CHUNK_BYTES = 256 << 10;

/** A file to compress: where to read it, the size it was listed (and hashed) with, and how errors name it. */
export interface FileToCompress {
    absolutePath: string;
    size: number;
    /** The path below `source.path`. */
    relativePath: string;
    /** The real path of source.path when the file must lie inside it (confinedOpen.ts). */
    confineTo?: string;
}

/** Bytes of one content digest (sha256), as the source hash takes them. */
export const CONTENT_DIGEST_BYTES = 32;

/** How an entry was compressed: what its local header and central directory record say. */
export interface EntrySummary {
    /** `STORED` or `DEFLATED`. */
    method: number;
    /** CRC-32 of the uncompressed content. */
    crc32: number;
    /** Bytes of data after the local header. */
    compressedSize: number;
}

/** The entries of consecutive files, compressed, and the data of all of them, concatenated. */
export interface CompressedBatch {
    entries: EntrySummary[];
    data: Buffer;
    /**
     * The sha256 of each file's content as it was read for its entry, CONTENT_DIGEST_BYTES each: the
     * source hash of what the zip holds is computed from these, so that it describes the very bytes zipped.
     */
    digests: Uint8Array;
}

/** One big file's entry, compressed into its spill file, and the sha256 of the content that was read for it. */
export interface SpilledEntry {
    entry: EntrySummary;
    digest: Uint8Array;
}

/** `content` deflated, or as it is when deflating does not shrink it; and its CRC. */
export function compressEntry(content: Buffer): EntrySummary & { data: Buffer } {
    const crc32 = zlib.crc32(content);
    if (content.length > 0) {
        const deflated = zlib.deflateRawSync(content, { level: DEFLATE_LEVEL });
        if (keepsDeflated(content.length, deflated.length)) {
            return { method: DEFLATED, crc32, compressedSize: deflated.length, data: deflated };
        }
    }
    return { method: STORED, crc32, compressedSize: content.length, data: content };
}

/** Whether deflated data is worth keeping: only when it is smaller than the content. Pure. */
export function keepsDeflated(contentBytes: number, deflatedBytes: number): boolean {
    return deflatedBytes < contentBytes;
}

/**
 * Reads and compresses entries, one thread's worth: batches of small files in memory, big files into
 * spill files. The buffers it reads into and gathers output in are kept from call to call, so that a
 * call leaves behind only its result and deflate's own output (memory that would otherwise wait for
 * the garbage collector in every thread). One call at a time: see compressionRequests.ts.
 */
export class EntryCompressor {
    private readBuffer: Buffer = Buffer.alloc(0);
    private output: Buffer = Buffer.alloc(0);

    /** Reads and compresses `files`, in order. Throws UnreadableFileError for the first file that cannot be read or changed size. */
    compress(files: readonly FileToCompress[]): CompressedBatch {
        // A stored entry is the size of its content and a deflated one smaller, so the content's size is room enough.
        this.output = atLeast(
            this.output,
            files.reduce((total, file) => total + file.size, 0),
        );
        const entries: EntrySummary[] = [];
        const digests = new Uint8Array(files.length * CONTENT_DIGEST_BYTES);
        let used = 0;
        files.forEach((file, index) => {
            const content = this.read(file);
            digests.set(hash("sha256", content, "buffer"), index * CONTENT_DIGEST_BYTES);
            const { data, ...entry } = compressEntry(content);
            used += data.copy(this.output, used);
            entries.push(entry);
        });
        // Its own memory, not a slice of a shared pool, so that it can be transferred to another thread.
        const result = Buffer.allocUnsafeSlow(used);
        this.output.copy(result, 0, 0, used);
        return { entries, data: result, digests };
    }

    /**
     * Deflates one file too big to hold into `spillPath`, a chunk at a time through the reused read buffer.
     * When that did not shrink it, the spill file is removed and the entry is stored: its data is then
     * the file itself, which the writer copies (checking it against the digest returned here).
     */
    async compressToFile(file: FileToCompress, spillPath: string): Promise<SpilledEntry> {
        this.readBuffer = atLeast(this.readBuffer, STREAM_READ_BYTES);
        const input = this.readBuffer.subarray(0, STREAM_READ_BYTES);
        const deflate = zlib.createDeflateRaw({ level: DEFLATE_LEVEL, chunkSize: DEFLATE_OUTPUT_CHUNK_BYTES });
        const spill = fs.openSync(spillPath, "w");
        let written = 0;
        let failure: Error | undefined; // the stream's own error, kept so that it is the one reported
        deflate.on("error", (error: Error) => (failure ??= error));
        deflate.on("data", (output: Buffer) => {
            try {
                writeFully(spill, output);
                written += output.length;
            } catch (error) {
                deflate.destroy(new Error(`cannot write the spill file ${spillPath}: ${(error as Error).message}`));
            }
        });
        // A failed write or end reports the stream's own error (a spill write's, say), not its aftermath.
        const reportFailure = (error: unknown): never => {
            throw failure ?? error;
        };
        let crc32 = 0;
        const sha256 = createHash("sha256");
        let bytesRead = 0;
        try {
            const fd = openForReading(file);
            try {
                for (let length = readFully(fd, input, file); length > 0; length = readFully(fd, input, file)) {
                    const chunk = input.subarray(0, length);
                    crc32 = zlib.crc32(chunk, crc32);
                    sha256.update(chunk);
                    bytesRead += length;
                    await consumed(deflate, chunk).catch(reportFailure); // the chunk's memory is read into again next
                }
            } finally {
                fs.closeSync(fd);
            }
            if (failure) {
                throw failure; // already emitted: "end" would never come
            }
            const ended = once(deflate, "end");
            deflate.end();
            await ended.catch(reportFailure);
        } finally {
            deflate.destroy();
            fs.closeSync(spill);
        }
        if (bytesRead !== file.size) {
            throw changedSize(file, `${bytesRead} bytes`);
        }
        const digest = sha256.digest();
        if (keepsDeflated(file.size, written)) {
            return { entry: { method: DEFLATED, crc32, compressedSize: written }, digest };
        }
        fs.rmSync(spillPath);
        return { entry: { method: STORED, crc32, compressedSize: file.size }, digest };
    }

    /** The file's content, in the reused read buffer: valid until the next read. */
    private read(file: FileToCompress): Buffer {
        this.readBuffer = atLeast(this.readBuffer, file.size + 1); // one byte more, to see a file that grew
        const fd = openForReading(file);
        let length: number;
        try {
            length = readFully(fd, this.readBuffer, file);
        } finally {
            fs.closeSync(fd);
        }
        if (length !== file.size) {
            throw changedSize(file, length > file.size ? "larger" : `${length} bytes`);
        }
        return this.readBuffer.subarray(0, length);
    }
}

function changedSize(file: FileToCompress, now: string): UnreadableFileError {
    return new UnreadableFileError(file.relativePath, `it is ${now} now, ${file.size} bytes when listed`, true);
}

function openForReading(file: FileToCompress): number {
    try {
        return openConfined(file.absolutePath, file.confineTo);
    } catch (error) {
        throw new UnreadableFileError(file.relativePath, (error as Error).message);
    }
}

/** Resolves once `deflate` has taken in all of `chunk`, so that its memory can be used again. */
function consumed(deflate: zlib.DeflateRaw, chunk: Buffer): Promise<void> {
    return new Promise((resolve, reject) => deflate.write(chunk, (error) => (error ? reject(error) : resolve())));
}

function writeFully(fd: number, bytes: Buffer): void {
    for (let written = 0; written < bytes.length;) {
        written += fs.writeSync(fd, bytes, written, bytes.length - written);
    }
}

/** Reads until the buffer is full or the file ends; the number of bytes read. */
function readFully(fd: number, buffer: Buffer, file: FileToCompress): number {
    try {
        return readUntilFull(fd, buffer);
    } catch (error) {
        throw new UnreadableFileError(file.relativePath, (error as Error).message);
    }
}

/** `buffer` when it holds `size` bytes, else a new one that does (with room to grow, so that it is rarely replaced). */
function atLeast(buffer: Buffer, size: number): Buffer {
    return buffer.length >= size ? buffer : Buffer.allocUnsafeSlow(Math.max(size, buffer.length * 2, 64 * 1024));
}
