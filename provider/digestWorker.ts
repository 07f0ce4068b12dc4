/**
 * Entry point of a digest worker thread: digests the files it is given (`workerData.filePaths`) and
 * posts back their sha256s, concatenated (32 bytes each), or the file that could not be read.
 */
import { parentPort, workerData } from "node:worker_threads";
import { digestFiles, FileReadError } from "./fileDigest";

/** What a digest worker posts back. */
export type DigestWorkerReply = { digests: Uint8Array } | { failedPath: string; reason: string };

function reply(filePaths: string[]): DigestWorkerReply {
    try {
        return { digests: Buffer.concat(digestFiles(filePaths)) };
    } catch (error) {
        if (error instanceof FileReadError) {
            return { failedPath: error.filePath, reason: error.reason };
        }
        throw error;
    }
}

parentPort?.postMessage(reply((workerData as { filePaths: string[] }).filePaths));
