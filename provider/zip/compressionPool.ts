/**
 * Worker threads that compress zip entries (zipCompressWorker.ts) while the calling thread writes the
 * archive. Each request goes to the worker with the fewest requests outstanding; each answer settles
 * that request's promise. The pool belongs to one writeLayerZip call and is closed by it.
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { CompressionRequest, CompressionResult } from "./compressionRequests";
import { UnreadableFileError } from "../listing/sourceError";
import type { CompressionReply } from "./zipCompressWorker";

interface Outstanding {
    resolve(result: CompressionResult): void;
    reject(error: Error): void;
}

interface PoolWorker {
    worker: Worker;
    outstanding: Map<number, Outstanding>;
    /** Why the worker stopped, once it has: requests sent to it after that fail with this. */
    stopped?: Error;
}

/** A fixed number of compression workers. */
export class CompressionPool {
    private readonly workers: PoolWorker[];

    constructor(threads: number) {
        this.workers = Array.from({ length: threads }, () => startWorker());
    }

    /** Compresses a request's files on a worker. Rejects with UnreadableFileError for a file that cannot be read or changed. */
    compress(request: CompressionRequest): Promise<CompressionResult> {
        const target = this.workers.reduce((least, candidate) =>
            candidate.outstanding.size < least.outstanding.size ? candidate : least,
        );
        if (target.stopped) {
            return Promise.reject(target.stopped);
        }
        return new Promise((resolve, reject) => {
            target.outstanding.set(request.batch, { resolve, reject });
            target.worker.postMessage(request);
        });
    }

    /** Stops every worker; requests still outstanding are abandoned. */
    async close(): Promise<void> {
        await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
    }
}

/**
 * A worker makes much short-lived garbage (deflate's output, stream objects). With V8's default young
 * generation it let that grow by about 30 MB per worker before collecting it (peak RSS on the bench
 * corpus 225-230 MB with two workers, 170 MB with this limit); collecting more often costs little.
 */
const WORKER_YOUNG_GENERATION_MB = 2;

function startWorker(): PoolWorker {
    const worker = new Worker(path.join(__dirname, "zipCompressWorker.js"), {
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    const pooled: PoolWorker = { worker, outstanding: new Map() };
    worker.on("message", (reply: CompressionReply) => settle(pooled, reply));
    const failAll = (error: Error) => {
        pooled.stopped ??= error;
        for (const { reject } of pooled.outstanding.values()) {
            reject(error);
        }
        pooled.outstanding.clear();
    };
    worker.on("error", failAll);
    worker.on("exit", (code) => failAll(new Error(`zip compression worker exited with code ${code}`)));
    return pooled;
}

function settle(pooled: PoolWorker, reply: CompressionReply): void {
    const waiting = pooled.outstanding.get(reply.batch);
    pooled.outstanding.delete(reply.batch);
    if ("failure" in reply) {
        const { relativePath, reason, changed } = reply.failure;
        waiting?.reject(new UnreadableFileError(relativePath, reason, changed));
    } else if ("spilled" in reply) {
        waiting?.resolve({ spilled: reply.spilled });
    } else {
        const { data } = reply.compressed; // arrives as a Uint8Array over the transferred memory
        waiting?.resolve({
            compressed: {
                entries: reply.compressed.entries,
                data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
                digests: reply.compressed.digests,
            },
        });
    }
}
