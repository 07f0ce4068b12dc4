/**
 * `check`'s fingerprint of a source tree: lists the files, stats them, takes each content digest from
 * the persistent cache when the file provably did not change, reads the rest, and hashes the result.
 * The cache is written back only when something changed. On a big tree a helper thread, started while
 * the listing is still running, takes a share of the stats and reads (sharedWork.ts).
 */
import { createHash } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { LayerSource } from "./types";
import { DIGEST_BYTES, FileReadError } from "./fileDigest";
import { FileStatError, fileStatsFor, type FileStats } from "./fileStats";
import { digestCacheDirectory, emptyDigestCache, loadDigestCache, saveDigestCache, serializeDigestCache, takeCachedDigests, type CacheableFiles } from "./hashCache";
import { joinPaths, newControl, runAsCaller, type SharedJob } from "./sharedWork";
import { hashSourceFiles } from "./sourceHash";
import { listSourcePaths, normalizePrefix, SourceError, sourceFilesOf, unstatableFileError, DEFAULT_INCLUDE, type ListedFile, type SourceFile } from "./sourceFiles";
import { ZIP_COMPRESSION } from "./zipWriter";

/** The fingerprint of a source tree, the files it covers, and how many of them had to be read. */
export interface SourceHashResult {
    /** Hex sha256 (see hashSourceFiles). */
    sourceHash: string;
    /** The files, sorted by zip entry name: what the zip writer packages. */
    files: SourceFile[];
    /** Files whose content was read in this run; the others came from the digest cache. */
    filesRead: number;
}

/**
 * Reading costs about this much per file (open, read, close) and per MiB (read, sha256), measured on
 * a warm page cache (see the hashing figures in the README). A worker thread takes about
 * WORKER_START_MICROS to start and load this code.
 */
const READ_COST_PER_FILE_MICROS = 10;
const READ_COST_PER_MEBIBYTE_MICROS = 800;
const WORKER_START_MICROS = 40_000;

/**
 * Entries the listing must have read before the helper thread is started: from there on the rest of
 * the listing, the stats and the reads outlast its start-up (about 40 ms), and a smaller tree is done
 * before it would be ready.
 */
const HELPER_AFTER_ENTRIES = 4_000;

/**
 * Lists and fingerprints `source` (its path resolved against `baseDir`). Asynchronous in signature only,
 * so that callers need not change if reading moves off this thread entirely. Throws SourceError for
 * content that cannot be packaged.
 */
export async function computeSourceHash(source: LayerSource, baseDir: string): Promise<SourceHashResult> {
    // Taken before any stat: a file modified after this moment is not trusted from the cache (hashCache.ts).
    const observedAtNs = BigInt(Date.now()) * 1_000_000n;
    const helper = new HelperThread(os.availableParallelism());
    try {
        const listed = listSourcePaths(source, baseDir, (entriesRead) => entriesRead >= HELPER_AFTER_ENTRIES && helper.start());
        const stats = statShared(listed, helper);
        const files = sourceFilesOf(listed, stats);
        const cacheable: CacheableFiles = { relativePaths: listed.map((file) => file.relativePath), statRows: stats.rows };
        const cacheFile = digestCacheFile(source, baseDir);
        const cache = cacheFile ? loadDigestCache(cacheFile) : emptyDigestCache();

        const digests = new Uint8Array(new SharedArrayBuffer(files.length * DIGEST_BYTES));
        const cached = takeCachedDigests(cache, cacheable, digests);
        const unread = files.flatMap((_, index) => (cached[index] === 1 ? [] : [index]));
        if (readThreads(unread.map((index) => files[index]), os.availableParallelism()) > 1) {
            helper.start();
        }
        digestShared(files, unread, digests, helper);

        const sourceHash = hashSourceFiles(files, { prefix: normalizePrefix(source.prefix), compression: ZIP_COMPRESSION }, digests);
        if (cacheFile && (unread.length > 0 || cache.count !== files.length)) {
            saveDigestCache(cacheFile, serializeDigestCache(cacheable, digests, observedAtNs));
        }
        return { sourceHash, files, filesRead: unread.length };
    } finally {
        helper.stop();
    }
}

/** One cache file per source tree and pattern set, named by their hash, or `undefined` when caching is off. */
function digestCacheFile(source: LayerSource, baseDir: string): string | undefined {
    const directory = digestCacheDirectory();
    if (directory === undefined) {
        return undefined;
    }
    const tree = JSON.stringify([path.resolve(baseDir, source.path), source.include ?? DEFAULT_INCLUDE, source.exclude ?? [], source.followSymlinks === true]);
    return path.join(directory, `${createHash("sha256").update(tree).digest("hex").slice(0, 32)}.digests`);
}

/** Stats `files`, with the helper's share if it runs. Throws SourceError naming a file that cannot be stat'ed. */
function statShared(files: readonly ListedFile[], helper: HelperThread): FileStats {
    const stats = fileStatsFor(files.length);
    try {
        helper.share({ task: "stat", paths: joinPaths(files.map((file) => file.absolutePath)), control: newControl(), stats });
    } catch (error) {
        throw error instanceof FileStatError ? unstatableFileError(files[error.index], error.reason) : error;
    }
    return stats;
}

/** Writes the digest of each of `files` at the indices `unread` into `digests`, with the helper's share if it runs. */
function digestShared(files: readonly SourceFile[], unread: readonly number[], digests: Uint8Array, helper: HelperThread): void {
    try {
        helper.share({ task: "digest", paths: joinPaths(unread.map((index) => files[index].absolutePath)), control: newControl(), digests, slots: Int32Array.from(unread) });
    } catch (error) {
        throw error instanceof FileReadError ? new SourceError("source.path", `source.path: cannot read ${error.filePath}: ${error.reason}`) : error;
    }
}

/**
 * How many threads should read `files`: all `cores` when half the estimated work outlasts a worker's
 * start-up, otherwise this one (a small tree is read before a worker would be ready). Pure.
 */
export function readThreads(files: readonly SourceFile[], cores: number): number {
    const totalMicros = files.reduce((total, file) => total + READ_COST_PER_FILE_MICROS + (file.size / 1_048_576) * READ_COST_PER_MEBIBYTE_MICROS, 0);
    return totalMicros / 2 > WORKER_START_MICROS ? Math.max(1, cores) : 1;
}

/** The helper thread of one computeSourceHash call: started only when there is enough work for it. */
class HelperThread {
    private worker: Worker | undefined;

    constructor(private readonly cores: number) {}

    /** Starts the thread, once, when there is a second core. */
    start(): void {
        if (this.worker === undefined && this.cores > 1) {
            this.worker = new Worker(path.join(__dirname, "digestWorker.js"));
            // Whatever becomes of the helper, the calling thread finishes the work (sharedWork.ts).
            this.worker.on("error", () => undefined);
        }
    }

    /** Runs `job` on this thread, offering it to the helper first if it was started. */
    share(job: SharedJob): void {
        this.worker?.postMessage(job);
        runAsCaller(job);
    }

    stop(): void {
        void this.worker?.terminate();
    }
}
