/**
 * What the zip writer asks of a compressing thread, and how a thread answers: one request at a time, in
 * the order they came, each on the thread's one EntryCompressor (whose buffers are reused from request
 * to request, so two requests must never run at once). Used by the workers and by the calling thread.
 */
import { EntryCompressor, type CompressedBatch, type FileToCompress, type SpilledEntry } from "./entryCompression";

/** A batch number and its files, or one big file and where to spill it. */
export interface CompressionRequest {
    batch: number;
    files: FileToCompress[];
    /** Set for one big file: compress it into this file instead of into memory. */
    spillPath?: string;
}

/** A batch compressed into memory, or the one entry that was compressed into its spill file. */
export type CompressionResult = { compressed: CompressedBatch } | { spilled: SpilledEntry };

/** One thread's compressor: requests queue and run one after another. */
export interface SerialCompressor {
    /** Compresses after every earlier request has settled. Rejects with UnreadableFileError for a file that cannot be read or changed. */
    compress(request: CompressionRequest): Promise<CompressionResult>;
    /** Settles once every request made so far has settled. */
    idle(): Promise<void>;
}

/** A new compressor for this thread. */
export function serialCompressor(): SerialCompressor {
    const compressor = new EntryCompressor();
    let queue: Promise<unknown> = Promise.resolve();
    return {
        compress(request) {
            const result = queue.then(() => compressRequest(compressor, request));
            queue = result.catch(() => undefined);
            return result;
        },
        idle: () => queue.then(() => undefined),
    };
}

async function compressRequest(
    compressor: EntryCompressor,
    { files, spillPath }: CompressionRequest,
): Promise<CompressionResult> {
    return spillPath === undefined
        ? { compressed: compressor.compress(files) }
        : { spilled: await compressor.compressToFile(files[0], spillPath) };
}
