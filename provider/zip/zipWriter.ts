/**
 * Writes the layer's zip: the same files give the same bytes on every machine, timezone, umask and
 * checkout time, for a given Node.js release (its bundled zlib produces the deflate streams; the
 * sourceHash, which decides replacement, does not depend on it).
 *
 * Entries are compressed on worker threads (entryCompression.ts), a batch of consecutive small files at
 * a time or one big file streamed into a spill file, while this thread writes the finished batches in
 * order, so that every core deflates; an entry that deflate does not shrink is stored. Memory stays
 * flat: a bounded number of batches is in flight, big files are never held whole, and what is kept per
 * entry is its central directory record. The sha256 of the bytes is taken as they are written: it is
 * the CodeSha256 that `create` expects.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CompressionPool } from "./compressionPool";
import { serialCompressor, type CompressionRequest, type CompressionResult } from "./compressionRequests";
import { CONTENT_DIGEST_BYTES, type CompressedBatch, type EntrySummary, type SpilledEntry } from "./entryCompression";
import { UnreadableFileError } from "../listing/sourceError";
import type { SourceFile } from "../listing/sourceFiles";
import { openConfined } from "../listing/confinedOpen";
import { centralDirectoryRecord, endOfArchive, localFileHeader, STORED, type ZipEntryRecord } from "./zipRecords";

/**
 * How entries are compressed; part of the sourceHash (packaging settings). Change it only when the
 * published content changes: a new value gives every layer a new version. Whether an entry is stored
 * or deflated changes the zip's bytes, not its content, so it is not part of this value.
 */
export const ZIP_COMPRESSION = "deflate";

/** What was written. */
export interface WrittenZip {
    /** The zip's size in bytes. */
    bytes: number;
    /** Base64 sha256 of the zip: what AWS reports as CodeSha256. */
    sha256Base64: string;
    /**
     * The sha256 of each file's content exactly as it went into the zip, 32 bytes per file in the order
     * of `files`: the source hash computed from them describes this zip and nothing read at another time.
     */
    contentDigests: Uint8Array;
}

/** Where the work is done; none of it changes the zip's bytes. */
export interface ZipTuning {
    /** A batch of files compressed together closes once its files hold this many bytes. */
    batchBytes: number;
    /** Files larger than this are each a batch of their own, streamed from disk through a spill file rather than read whole. */
    streamedFileBytes: number;
    /** With less content than this, files are compressed on the calling thread: starting workers costs about 40 ms. */
    workersFromBytes: number;
}

/** Batches of about 1 MiB keep messages between threads few and the memory each thread needs small. */
export const DEFAULT_ZIP_TUNING: Readonly<ZipTuning> = Object.freeze({
    batchBytes: 1 << 20,
    streamedFileBytes: 1 << 20,
    workersFromBytes: 4 << 20,
});

/**
 * Workers at most, whatever the core count: each costs 15-30 MB (its own V8 heap and buffers), and the
 * memory a create needs must not grow with the machine it runs on.
 */
const MAX_COMPRESSION_THREADS = 4;

/** Batches compressed ahead of the one being written, per thread: enough to keep every worker busy, few enough to hold little (8 ran about 3% faster, holding 4-5 MiB more). */
const BATCHES_AHEAD_PER_THREAD = 3;

/** writev takes at most IOV_MAX (1024 on Linux) buffers per call. */
const MAX_WRITE_PARTS = 1024;

/** Consecutive files compressed together (`first` to before `end`), or one big file streamed. */
export interface Batch {
    first: number;
    end: number;
    streamed: boolean;
}

/**
 * Writes `files` (as computeSourceHash returns them, sorted by zipPath) to `destination` as a
 * deterministic zip. Rejects with UnreadableFileError when a file cannot be read or changed since it was listed;
 * `destination` is removed then.
 */
export async function writeLayerZip(
    files: readonly SourceFile[],
    destination: string,
    tuning: Readonly<ZipTuning> = DEFAULT_ZIP_TUNING,
): Promise<WrittenZip> {
    const batches = planBatches(files, tuning);
    const contentBytes = files.reduce((total, file) => total + file.size, 0);
    const output = new ZipOutput(fs.openSync(destination, "w"), files.length);
    let spillDirectory: string | undefined;
    let compressor: Compressor | undefined;
    let written: WrittenZip | undefined;
    try {
        spillDirectory = batches.some((batch) => batch.streamed)
            ? fs.mkdtempSync(path.join(os.tmpdir(), "lambda-layer-zip-"))
            : undefined;
        compressor =
            contentBytes < tuning.workersFromBytes
                ? compressorHere()
                : compressorOnWorkers(Math.min(os.availableParallelism(), MAX_COMPRESSION_THREADS));
        await writeBatches(files, batches, compressor, output, spillDirectory);
        written = output.finish();
        return written;
    } finally {
        output.close();
        // Each step is tried whatever the others do, and none may hide the error that brought us here.
        await bestEffort(() => compressor?.close());
        await bestEffort(
            () => spillDirectory !== undefined && fs.rmSync(spillDirectory, { recursive: true, force: true }),
        );
        await bestEffort(() => written === undefined && fs.rmSync(destination, { force: true }));
    }
}

/** Cuts `files` into batches of about `tuning.batchBytes`, each file over `tuning.streamedFileBytes` alone and streamed. Pure. */
export function planBatches(
    files: readonly { size: number }[],
    tuning: Pick<ZipTuning, "batchBytes" | "streamedFileBytes">,
): Batch[] {
    const batches: Batch[] = [];
    let first = 0;
    let bytes = 0;
    const close = (end: number) => {
        if (end > first) {
            batches.push({ first, end, streamed: false });
        }
        first = end;
        bytes = 0;
    };
    files.forEach((file, index) => {
        if (file.size > tuning.streamedFileBytes) {
            close(index);
            batches.push({ first: index, end: index + 1, streamed: true });
            first = index + 1;
            return;
        }
        bytes += file.size;
        if (bytes >= tuning.batchBytes) {
            close(index + 1);
        }
    });
    close(files.length);
    return batches;
}

/** Compresses requests: on worker threads, or on this thread when there is too little to be worth starting them. */
interface Compressor {
    threads: number;
    compress(request: CompressionRequest): Promise<CompressionResult>;
    close(): Promise<void>;
}

function compressorHere(): Compressor {
    const here = serialCompressor();
    return { threads: 1, compress: (request) => here.compress(request), close: () => here.idle() };
}

function compressorOnWorkers(threads: number): Compressor {
    const pool = new CompressionPool(threads);
    return { threads, compress: (request) => pool.compress(request), close: () => pool.close() };
}

/** Writes every batch in order, keeping up to a window of batches compressing ahead of it. */
async function writeBatches(
    files: readonly SourceFile[],
    batches: readonly Batch[],
    compressor: Compressor,
    output: ZipOutput,
    spillDirectory: string | undefined,
): Promise<void> {
    const window = compressor.threads * BATCHES_AHEAD_PER_THREAD;
    const spillPath = (batch: number) =>
        batches[batch].streamed ? path.join(spillDirectory!, `${batch}.entry`) : undefined;
    const ahead = new Map<number, Promise<CompressionResult>>();
    let submitted = 0;
    for (let index = 0; index < batches.length; index++) {
        for (; submitted < batches.length && submitted < index + window; submitted++) {
            const { first, end } = batches[submitted];
            const request = {
                batch: submitted,
                files: files.slice(first, end).map(({ absolutePath, size, relativePath, confineTo }) => ({
                    absolutePath,
                    size,
                    relativePath,
                    confineTo,
                })),
                spillPath: spillPath(submitted),
            };
            const compressing = compressor.compress(request);
            compressing.catch(() => undefined); // awaited in its turn below; until then its failure is not unhandled
            ahead.set(submitted, compressing);
        }
        const result = await ahead.get(index)!;
        ahead.delete(index);
        const { first, end } = batches[index];
        if ("spilled" in result) {
            output.appendStreamed(files[first], first, result.spilled, spillPath(index)!);
        } else {
            output.appendBatch(files.slice(first, end), first, result.compressed);
        }
    }
}

/**
 * The archive being written: where the next byte goes, its sha256 so far, the central directory records,
 * and the digest of each file's content as it was zipped.
 */
class ZipOutput {
    position = 0;
    private readonly sha256 = createHash("sha256");
    private readonly directory = new GrowingBuffer();
    private entryCount = 0;
    private readonly copyBuffer = Buffer.allocUnsafe(1 << 20);
    private readonly contentDigests: Uint8Array;

    constructor(
        private readonly fd: number,
        fileCount: number,
    ) {
        this.contentDigests = new Uint8Array(fileCount * CONTENT_DIGEST_BYTES);
    }

    /** Appends compressed entries, each after its local header; `files` start at index `first` of the zip's files. */
    appendBatch(files: readonly SourceFile[], first: number, compressed: CompressedBatch): void {
        this.contentDigests.set(compressed.digests, first * CONTENT_DIGEST_BYTES);
        const parts: Buffer[] = [];
        let dataAt = 0;
        let offset = this.position;
        files.forEach((file, index) => {
            const entry = compressed.entries[index];
            const header = this.header(file, entry, offset);
            parts.push(header, compressed.data.subarray(dataAt, dataAt + entry.compressedSize));
            dataAt += entry.compressedSize;
            offset += header.length + entry.compressedSize;
        });
        this.writeAll(parts);
    }

    /**
     * Appends a streamed entry (file number `index`): its deflated data from `spillPath` (removed then),
     * or, when it is stored, the file itself, which must still have the content (sha256) and size it was
     * compressed with.
     */
    appendStreamed(file: SourceFile, index: number, { entry, digest }: SpilledEntry, spillPath: string): void {
        this.contentDigests.set(digest, index * CONTENT_DIGEST_BYTES);
        this.writeAll([this.header(file, entry, this.position)]);
        if (entry.method === STORED) {
            let copied: { bytes: number; sha256: Buffer };
            try {
                // One byte more, to see a file that grew.
                copied = this.copyFrom(file.absolutePath, file.size + 1, file.confineTo);
            } catch (error) {
                throw new UnreadableFileError(file.relativePath, (error as Error).message);
            }
            if (copied.bytes !== file.size || !copied.sha256.equals(digest)) {
                throw new UnreadableFileError(
                    file.relativePath,
                    "its content differs from when it was compressed",
                    true,
                );
            }
        } else {
            let copied: { bytes: number };
            try {
                copied = this.copyFrom(spillPath, entry.compressedSize, undefined);
            } catch (error) {
                throw new Error(`cannot read the spill file ${spillPath}: ${(error as Error).message}`, {
                    cause: error,
                });
            }
            if (copied.bytes !== entry.compressedSize) {
                throw new Error(
                    `the spill file ${spillPath} holds ${copied.bytes} of the ${entry.compressedSize} bytes written to it`,
                );
            }
            fs.rmSync(spillPath);
        }
    }

    /** Appends the central directory and the end records; what was written. */
    finish(): WrittenZip {
        const directoryOffset = this.position;
        const directory = this.directory.contents();
        this.writeAll([directory, endOfArchive(this.entryCount, directoryOffset, directory.length)]);
        return {
            bytes: this.position,
            sha256Base64: this.sha256.digest("base64"),
            contentDigests: this.contentDigests,
        };
    }

    close(): void {
        fs.closeSync(this.fd);
    }

    /** The local header of an entry that starts at `localHeaderOffset`; its record is kept for the central directory. */
    private header(file: SourceFile, entry: EntrySummary, localHeaderOffset: number): Buffer {
        const record: ZipEntryRecord = {
            name: Buffer.from(file.zipPath, "utf8"),
            executable: file.executable,
            uncompressedSize: file.size,
            localHeaderOffset,
            ...entry,
        };
        this.directory.append(centralDirectoryRecord(record));
        this.entryCount++;
        return localFileHeader(record);
    }

    /** Appends up to `limit` bytes of the file at `source` (kept inside `confineTo`, if given); how many, and their sha256. */
    private copyFrom(source: string, limit: number, confineTo: string | undefined): { bytes: number; sha256: Buffer } {
        const fd = openConfined(source, confineTo);
        let bytes = 0;
        const sha256 = createHash("sha256");
        try {
            while (bytes < limit) {
                const read = fs.readSync(
                    fd,
                    this.copyBuffer,
                    0,
                    Math.min(this.copyBuffer.length, limit - bytes),
                    bytes,
                );
                if (read === 0) {
                    break;
                }
                const chunk = this.copyBuffer.subarray(0, read);
                sha256.update(chunk);
                this.writeAll([chunk]);
                bytes += read;
            }
        } finally {
            fs.closeSync(fd);
        }
        return { bytes, sha256: sha256.digest() };
    }

    /** Writes `parts` one after another at the current position, with as few system calls as the OS allows. */
    private writeAll(parts: readonly Buffer[]): void {
        const pending = parts.filter((part) => part.length > 0);
        for (const part of pending) {
            this.sha256.update(part);
        }
        let next = 0;
        while (next < pending.length) {
            let written = fs.writevSync(this.fd, pending.slice(next, next + MAX_WRITE_PARTS), this.position);
            this.position += written;
            for (; next < pending.length && written >= pending[next].length; next++) {
                written -= pending[next].length;
            }
            if (written > 0) {
                pending[next] = pending[next].subarray(written); // a short write: the rest of this part goes next
            }
        }
    }
}

/** Runs a clean-up step, ignoring its failure. */
async function bestEffort(step: () => unknown): Promise<void> {
    try {
        await step();
    } catch {
        // Cleaning up is not the job that was asked for; its failure must not replace that job's outcome.
    }
}

/**
 * Bytes appended into one buffer that doubles when full: the central directory, kept as one block
 * rather than as a Buffer object per entry.
 */
class GrowingBuffer {
    private buffer = Buffer.allocUnsafe(64 * 1024);
    private length = 0;

    append(bytes: Buffer): void {
        if (this.length + bytes.length > this.buffer.length) {
            const larger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes.length));
            this.buffer.copy(larger, 0, 0, this.length);
            this.buffer = larger;
        }
        this.length += bytes.copy(this.buffer, this.length);
    }

    contents(): Buffer {
        return this.buffer.subarray(0, this.length);
    }
}
