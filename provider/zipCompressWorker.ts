/**
 * Entry point of a zip compression worker thread. Each request is a batch of small files, compressed
 * in memory and posted back (the data transferred, not copied), or one big file, compressed into a
 * spill file whose summary is posted back. Requests are handled one at a time, in the order they came.
 */
import { parentPort, type MessagePort } from "node:worker_threads";
import { BatchCompressor, EntryReadError, type CompressedBatch, type EntrySummary, type FileToCompress } from "./entryCompression";

/** What the writer sends: a batch number and its files, or one file and where to spill it. */
export interface CompressionRequest {
    batch: number;
    files: FileToCompress[];
    /** Set for one big file: compress it into this file instead of into memory. */
    spillPath?: string;
}

/** What a worker posts back for a batch: its entries (with their data, unless spilled), or the file that could not be read. */
export type CompressionReply =
    | { batch: number; compressed: CompressedBatch }
    | { batch: number; spilled: EntrySummary }
    | { batch: number; failure: { filePath: string; reason: string; changed: boolean } };

async function reply(compressor: BatchCompressor, request: CompressionRequest): Promise<CompressionReply> {
    const { batch, files, spillPath } = request;
    try {
        return spillPath === undefined ? { batch, compressed: compressor.compress(files) } : { batch, spilled: await compressor.compressToFile(files[0], spillPath) };
    } catch (error) {
        if (error instanceof EntryReadError) {
            return { batch, failure: { filePath: error.filePath, reason: error.reason, changed: error.changed } };
        }
        throw error;
    }
}

function serve(port: MessagePort): void {
    const compressor = new BatchCompressor();
    let previous: Promise<void> = Promise.resolve();
    port.on("message", (request: CompressionRequest) => {
        previous = previous.then(async () => {
            const answer = await reply(compressor, request);
            port.postMessage(answer, "compressed" in answer ? [answer.compressed.data.buffer as ArrayBuffer] : []);
        });
    });
}

if (parentPort) {
    serve(parentPort);
}
