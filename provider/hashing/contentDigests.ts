/**
 * `check`'s fingerprint of a source tree: lists the files (or reuses the cached listing while the tree
 * provably kept its shape), stats them, takes each content digest from the persistent cache when the
 * file provably did not change, reads the rest, and hashes the result. The cache is written back only
 * when something changed. On a big tree a helper thread, started while the listing is still running,
 * takes a share of the stats and reads (sharedWork.ts).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { LayerSource } from "../types";
import { DIGEST_BYTES } from "./fileDigest";
import { fileStatsFor, type FileStats } from "../listing/fileStats";
import { UnreadableFileError } from "../listing/sourceError";
import { version as FAST_GLOB_VERSION } from "fast-glob/package.json";
import {
    digestCacheDirectory,
    emptyDigestCache,
    loadDigestCache,
    saveDigestCache,
    serializeDigestCache,
    takeCachedDigests,
    type DigestCache,
    type KeptListing,
} from "./hashCache";
import { reusableListing } from "../listing/listingCache";
import { usableCacheDirectory } from "../local/cacheFile";
import { helperMessage, newControl, runAsCaller, type HelperMessage, type SharedJob, type StatJob } from "./sharedWork";
import { hashSourceFiles } from "./sourceHash";
import {
    listSourceTree,
    checkedPrefix,
    excludePatterns,
    sourceFilesOf,
    type ListedFile,
    type SourceFile,
} from "../listing/sourceFiles";
import { ZIP_COMPRESSION } from "../zip/zipWriter";
import { DEFAULT_INCLUDE } from "../rules/entryNames";

/** The fingerprint of a source tree, the files it covers, and how many of them had to be read. */
export interface SourceHashResult {
    /** Hex sha256 (see hashSourceFiles). */
    sourceHash: string;
    /** The files, sorted by zip entry name: what the zip writer packages. */
    files: SourceFile[];
    /** Files whose content was read in this run; the others came from the digest cache. */
    filesRead: number;
    /** Whether the listing came from the digest cache, the tree having provably kept its shape. */
    listingReused: boolean;
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
 * Judges the listed files by their stat sizes before any content is read; throws SourceError to refuse
 * them. A big tree with nothing cached is stat'ed as it is read, so there it runs after the reads.
 */
export type SizeGuard = (files: readonly SourceFile[]) => void;

/**
 * Lists and fingerprints `source` (its path resolved against `baseDir`). Asynchronous in signature only,
 * so that callers need not change if reading moves off this thread entirely. Throws SourceError for
 * content that cannot be packaged, or that `guard` refuses.
 */
export async function computeSourceHash(
    source: LayerSource,
    baseDir: string,
    guard: SizeGuard = () => undefined,
): Promise<SourceHashResult> {
    // Taken before any stat: a file modified after this moment is not trusted from the cache (hashCache.ts).
    const observedAtNs = BigInt(Date.now()) * 1_000_000n;
    const helper = new HelperThread(os.availableParallelism());
    try {
        const cacheFile = digestCacheFile(source, baseDir);
        const cache = cacheFile ? loadDigestCache(cacheFile) : emptyDigestCache();
        if (cache.count >= HELPER_AFTER_ENTRIES) {
            helper.start(); // a big tree, as far as the cache knows: the helper starts while the listing is checked
        }
        const confineTo = confinement(source, baseDir);
        const tree =
            readKeptListing(source, baseDir, cache, helper, guard, confineTo) ??
            readNewListing(source, baseDir, cache, helper, cacheFile !== undefined, guard, confineTo);
        const { files, statRows, digests, filesRead } = tree.content;
        const sourceHash = hashSourceFiles(
            files,
            { prefix: checkedPrefix(source.prefix), compression: ZIP_COMPRESSION },
            digests,
        );
        if (cacheFile && (filesRead > 0 || !tree.reused)) {
            saveDigestCache(
                cacheFile,
                serializeDigestCache(
                    { relativePaths: tree.relativePaths, statRows },
                    digests,
                    observedAtNs,
                    tree.listingToKeep(),
                ),
            );
        }
        return { sourceHash, files, filesRead, listingReused: tree.reused };
    } finally {
        helper.stop();
    }
}

/** A listing with its files read, and what of it the cache should keep. */
interface ReadTree {
    /** The listed files' paths relative to source.path, in listing order. */
    relativePaths: string[];
    content: ListedContent;
    /** Whether the listing was the cache's. */
    reused: boolean;
    /** The listing for the cache to keep, if any (for a new one, this takes its folders' rows). */
    listingToKeep: () => KeptListing | undefined;
}

/**
 * The cache's listing with its files read, while the tree provably kept its shape; otherwise `undefined`.
 * A file of that listing that cannot be read means its folders did not show a change after all (a clock
 * far off, say): `undefined` too, so that the tree is listed again rather than failing on a stale listing.
 */
function readKeptListing(
    source: LayerSource,
    baseDir: string,
    cache: DigestCache,
    helper: HelperThread,
    guard: SizeGuard,
    confineTo: string | undefined,
): ReadTree | undefined {
    const files = reusableListing(source, baseDir, cache);
    if (files === undefined) {
        return undefined;
    }
    const relativePaths = files.map((file) => file.relativePath);
    try {
        return {
            relativePaths,
            content: readContent(files, relativePaths, cache, helper, guard, confineTo),
            reused: true,
            listingToKeep: () => cache.listing,
        };
    } catch (error) {
        if (error instanceof UnreadableFileError) {
            return undefined;
        }
        throw error;
    }
}

/** A new listing of `source` with its files read; with `keep`, the helper first takes the rows of the folders it depends on. */
function readNewListing(
    source: LayerSource,
    baseDir: string,
    cache: DigestCache,
    helper: HelperThread,
    keep: boolean,
    guard: SizeGuard,
    confineTo: string | undefined,
): ReadTree {
    const listing = listSourceTree(
        source,
        baseDir,
        (entriesRead) => entriesRead >= HELPER_AFTER_ENTRIES && helper.start(),
    );
    const { files } = listing;
    const dependencies = keep ? listing.dependencies() : undefined;
    const relativePaths = files.map((file) => file.relativePath);
    const takeFolderRows = dependencies ? offerFolderStats(dependencies.directories, helper) : undefined;
    const content = readContent(files, relativePaths, cache, helper, guard, confineTo);
    return {
        relativePaths,
        content,
        reused: false,
        listingToKeep: () => dependencies && takeFolderRows && { dependencies, directoryRows: takeFolderRows() },
    };
}

/** Reads the listed files: a big tree with nothing cached in one pass; otherwise stat'ed first, which also tells whether a small tree's reads are worth a helper thread. */
function readContent(
    files: readonly ListedFile[],
    relativePaths: readonly string[],
    cache: DigestCache,
    helper: HelperThread,
    guard: SizeGuard,
    confineTo: string | undefined,
): ListedContent {
    if (cache.count === 0 && files.length >= HELPER_AFTER_ENTRIES) {
        const content = readAll(files, helper, confineTo);
        guard(content.files);
        return content;
    }
    return readChanged(files, relativePaths, cache, helper, guard, confineTo);
}

/** The files of a listing with their stats and content digests. */
interface ListedContent {
    files: SourceFile[];
    /** The files' stat rows (fileStats.ts), in the same order. */
    statRows: Uint8Array;
    /** DIGEST_BYTES per file, in the same order. */
    digests: Uint8Array;
    /** How many files were read rather than taken from the cache. */
    filesRead: number;
}

/**
 * Nothing can come from the cache: each file is stat'ed once it is open, then read, in one pass shared
 * with the helper. That is one path lookup per file instead of two, and no read to find the end of a
 * file whose size is known; stats alone hardly run faster on two threads than on one, but interleaved
 * with hashing they do.
 */
function readAll(listed: readonly ListedFile[], helper: HelperThread, confineTo: string | undefined): ListedContent {
    const stats = fileStatsFor(listed.length);
    const digests = sharedDigests(listed.length);
    digestShared(
        listed,
        listed.map((_, index) => index),
        digests,
        helper,
        confineTo,
        stats,
    );
    return { files: sourceFilesOf(listed, stats), statRows: stats.rows, digests, filesRead: listed.length };
}

/** Stats every file, takes the digest of each unchanged one from `cache`, and reads the rest. */
function readChanged(
    listed: readonly ListedFile[],
    relativePaths: readonly string[],
    cache: DigestCache,
    helper: HelperThread,
    guard: SizeGuard,
    confineTo: string | undefined,
): ListedContent {
    const stats = statShared(listed, helper);
    const files = sourceFilesOf(listed, stats);
    guard(files);
    const digests = sharedDigests(listed.length);
    const cached = takeCachedDigests(cache, { relativePaths, statRows: stats.rows }, digests);
    const unread = files.flatMap((_, index) => (cached[index] === 1 ? [] : [index]));
    if (
        readThreads(
            unread.map((index) => files[index]),
            os.availableParallelism(),
        ) > 1
    ) {
        helper.start();
    }
    digestShared(listed, unread, digests, helper, confineTo);
    return { files, statRows: stats.rows, digests, filesRead: unread.length };
}

/**
 * Offers the helper a job that takes the presence rows of `folders`, and returns what finishes it on this
 * thread and gives the rows. Posted before the reads, it is a running helper's first work; when no helper
 * runs yet, this thread does it all when the rows are taken.
 */
function offerFolderStats(folders: readonly string[], helper: HelperThread): () => Uint8Array {
    const job: StatJob = { task: "stat", control: newControl(), stats: fileStatsFor(folders.length), presence: true };
    helper.post(helperMessage(job, folders));
    return () => {
        runAsCaller(job, folders);
        return job.stats.rows;
    };
}

/** Room for `count` digests, in shared memory so that two threads can fill it. */
function sharedDigests(count: number): Uint8Array {
    return new Uint8Array(new SharedArrayBuffer(count * DIGEST_BYTES));
}

/**
 * The real path of source.path when links may not leave it (see openConfined); `undefined` with
 * `followSymlinks`, or when the path cannot be resolved (the listing then says why).
 */
function confinement(source: LayerSource, baseDir: string): string | undefined {
    if (source.followSymlinks === true) {
        return undefined;
    }
    try {
        return fs.realpathSync.native(path.resolve(baseDir, source.path));
    } catch {
        return undefined;
    }
}

/** One cache file per source tree and pattern set, named by their hash, or `undefined` when caching is off. */
function digestCacheFile(source: LayerSource, baseDir: string): string | undefined {
    const directory = digestCacheDirectory();
    if (directory === undefined || !usableCacheDirectory(directory)) {
        return undefined;
    }
    // fast-glob's version too: a kept listing is only as good as the lister that made it.
    const tree = JSON.stringify([
        path.resolve(baseDir, source.path),
        source.include ?? DEFAULT_INCLUDE,
        excludePatterns(source),
        source.followSymlinks === true,
        FAST_GLOB_VERSION,
    ]);
    return path.join(directory, `${createHash("sha256").update(tree).digest("hex").slice(0, 32)}.digests`);
}

/** Stats `files`, with the helper's share if it runs. Throws UnreadableFileError for a file that cannot be stat'ed. */
function statShared(files: readonly ListedFile[], helper: HelperThread): FileStats {
    const stats = fileStatsFor(files.length);
    helper.share(
        { task: "stat", control: newControl(), stats },
        files.map((file) => file.absolutePath),
        (index) => files[index].relativePath,
    );
    return stats;
}

/**
 * Writes the digest of each of `files` at the indices `indices` into `digests`, and its stats into
 * `stats` when given, with the helper's share if it runs. Throws UnreadableFileError for a file that cannot be read.
 */
function digestShared(
    files: readonly ListedFile[],
    indices: readonly number[],
    digests: Uint8Array,
    helper: HelperThread,
    confineTo: string | undefined,
    stats?: FileStats,
): void {
    const job: SharedJob = {
        task: "digest",
        control: newControl(),
        digests,
        slots: Int32Array.from(indices),
        stats,
        confineTo,
    };
    helper.share(
        job,
        indices.map((index) => files[index].absolutePath),
        (position) => files[indices[position]].relativePath,
    );
}

/**
 * How many threads should read `files`: all `cores` when half the estimated work outlasts a worker's
 * start-up, otherwise this one (a small tree is read before a worker would be ready). Pure.
 */
export function readThreads(files: readonly SourceFile[], cores: number): number {
    const totalMicros = files.reduce(
        (total, file) => total + READ_COST_PER_FILE_MICROS + (file.size / 1_048_576) * READ_COST_PER_MEBIBYTE_MICROS,
        0,
    );
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

    /** Sends `message` to the thread, if it was started. */
    post(message: HelperMessage): void {
        this.worker?.postMessage(message);
    }

    /** Runs `job` over `paths` on this thread, offering it to the helper first if it was started; `nameOf` names a path that fails. */
    share(job: SharedJob, paths: readonly string[], nameOf: (index: number) => string): void {
        this.post(helperMessage(job, paths));
        runAsCaller(job, paths, nameOf);
    }

    stop(): void {
        void this.worker?.terminate();
    }
}
