/**
 * `check`'s fingerprint of a source tree: lists the files, takes each content digest from the
 * persistent cache when the file provably did not change, reads the rest (on both cores when there is
 * enough to read), and hashes the result. The cache is written back only when something changed.
 */
import { createHash } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { LayerSource } from "./types";
import type { DigestWorkerReply } from "./digestWorker";
import { digestFiles, FileReadError } from "./fileDigest";
import { cacheEntriesFor, cachedDigestOf, digestCacheDirectory, loadDigestCache, saveDigestCache, type DigestCache } from "./hashCache";
import { hashSourceFiles } from "./sourceHash";
import { listSourceFiles, normalizePrefix, SourceError, DEFAULT_INCLUDE, type SourceFile } from "./sourceFiles";
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
 * Lists and fingerprints `source` (its path resolved against `baseDir`). Asynchronous because digests
 * may be read by worker threads; with the cache warm, nothing is read and it settles without I/O
 * beyond the listing. Throws SourceError for content that cannot be packaged.
 */
export async function computeSourceHash(source: LayerSource, baseDir: string): Promise<SourceHashResult> {
    // Taken before any stat: a file modified after this moment is not trusted from the cache (hashCache.ts).
    const observedAtNs = BigInt(Date.now()) * 1_000_000n;
    const files = listSourceFiles(source, baseDir);
    const cacheFile = digestCacheFile(source, baseDir);
    const cache: DigestCache = cacheFile ? loadDigestCache(cacheFile) : new Map();

    const digests = files.map((file) => cachedDigestOf(cache, file));
    const unread = files.filter((_, index) => digests[index] === undefined);
    const fresh = await readDigests(unread);
    let next = 0;
    const allDigests = digests.map((digest) => digest ?? fresh[next++]);

    const digestByFile = new Map(files.map((file, index) => [file, allDigests[index]]));
    const sourceHash = hashSourceFiles(files, { prefix: normalizePrefix(source.prefix), compression: ZIP_COMPRESSION }, (file) => digestByFile.get(file)!);
    if (cacheFile && (unread.length > 0 || cache.size !== files.length)) {
        saveDigestCache(cacheFile, cacheEntriesFor(files, allDigests, observedAtNs));
    }
    return { sourceHash, files, filesRead: unread.length };
}

/** One cache file per source tree and pattern set, named by their hash, or `undefined` when caching is off. */
function digestCacheFile(source: LayerSource, baseDir: string): string | undefined {
    const directory = digestCacheDirectory();
    if (directory === undefined) {
        return undefined;
    }
    const tree = JSON.stringify([path.resolve(baseDir, source.path), source.include ?? DEFAULT_INCLUDE, source.exclude ?? [], source.followSymlinks === true]);
    return path.join(directory, `${createHash("sha256").update(tree).digest("hex").slice(0, 32)}.json`);
}

/**
 * Digests of `files`, in order: read on this thread, and on worker threads too when `readThreads`
 * says so, each thread taking a slice of about equal cost.
 */
async function readDigests(files: readonly SourceFile[]): Promise<Buffer[]> {
    const [ownShare, ...workerShares] = splitByCost(files, readThreads(files, os.availableParallelism()));
    const fromWorkers = workerShares.map((share) => digestInWorker(share));
    // Queued after the workers are started, so this thread reads its share while they read theirs.
    const own = Promise.resolve().then(() => digestOnThisThread(ownShare));
    const shares = await Promise.all([own, ...fromWorkers]);
    return shares.flat();
}

/**
 * How many threads should read `files`: all `cores` when half the estimated work outlasts a worker's
 * start-up, otherwise this one (a small tree is read before a worker would be ready). Pure.
 */
export function readThreads(files: readonly SourceFile[], cores: number): number {
    const totalMicros = files.reduce((total, file) => total + readCostMicros(file), 0);
    return totalMicros / 2 > WORKER_START_MICROS ? Math.max(1, cores) : 1;
}

function readCostMicros(file: SourceFile): number {
    return READ_COST_PER_FILE_MICROS + (file.size / 1_048_576) * READ_COST_PER_MEBIBYTE_MICROS;
}

/** `count` consecutive slices of `files` of about equal read cost. */
export function splitByCost(files: readonly SourceFile[], count: number): SourceFile[][] {
    const total = files.reduce((sum, file) => sum + readCostMicros(file), 0);
    const slices: SourceFile[][] = Array.from({ length: count }, () => []);
    let before = 0;
    for (const file of files) {
        slices[Math.min(count - 1, Math.floor((before / total) * count))].push(file);
        before += readCostMicros(file);
    }
    return slices;
}

function digestOnThisThread(files: readonly SourceFile[]): Buffer[] {
    try {
        return digestFiles(files.map((file) => file.absolutePath));
    } catch (error) {
        throw error instanceof FileReadError ? unreadable(error.filePath, error.reason) : error;
    }
}

function digestInWorker(files: readonly SourceFile[]): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
        const worker = new Worker(path.join(__dirname, "digestWorker.js"), { workerData: { filePaths: files.map((file) => file.absolutePath) } });
        worker.once("message", (reply: DigestWorkerReply) => {
            if ("failedPath" in reply) {
                reject(unreadable(reply.failedPath, reply.reason));
            } else {
                const all = Buffer.from(reply.digests.buffer, reply.digests.byteOffset, reply.digests.byteLength);
                resolve(files.map((_, index) => all.subarray(index * 32, index * 32 + 32)));
            }
        });
        worker.once("error", reject);
        worker.once("exit", (code) => code !== 0 && reject(new Error(`digest worker exited with code ${code}`)));
    });
}

function unreadable(filePath: string, reason: string): SourceError {
    return new SourceError("source.path", `source.path: cannot read ${filePath}: ${reason}`);
}
