/**
 * Entry point of a zip compression worker thread: answers each request (compressionRequests.ts) with
 * its result, the data transferred rather than copied, or with the file that could not be read.
 */
import { parentPort, type MessagePort } from "node:worker_threads";
import { UnreadableFileError } from "../listing/sourceError";
import { serialCompressor, type CompressionRequest, type CompressionResult } from "./compressionRequests";

/** What a worker posts back for a batch: its result, or the file that could not be read. */
export type CompressionReply =
    | ({ batch: number } & CompressionResult)
    | { batch: number; failure: { relativePath: string; reason: string; changed: boolean } };

function serve(port: MessagePort): void {
    const compressor = serialCompressor();
    port.on("message", (request: CompressionRequest) => {
        compressor.compress(request).then(
            (result) =>
                port.postMessage(
                    { batch: request.batch, ...result },
                    "compressed" in result ? [result.compressed.data.buffer as ArrayBuffer] : [],
                ),
            (error: unknown) => {
                if (!(error instanceof UnreadableFileError)) {
                    throw error; // not the file's fault: the worker fails, and the pool with it
                }
                port.postMessage({
                    batch: request.batch,
                    failure: { relativePath: error.relativePath, reason: error.reason, changed: error.changed },
                });
            },
        );
    });
}

if (parentPort) {
    serve(parentPort);
}
