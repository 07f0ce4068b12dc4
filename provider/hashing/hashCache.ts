/**
 * A persistent cache of per-file content digests, and of the listing itself, so that `check` in a new
 * process (every `pulumi preview` and `up`) need not list or read an unchanged tree again. One small
 * binary file per source tree, in the user's cache directory.
 *
 * The one rule that matters: the cache must never make a changed file look unchanged. A cached digest
 * is used only when the file's size, mtime, ctime, inode and device are all exactly as they were when it
 * was read (a rewrite, `touch`, `utimes`, `mv` or `cp` changes at least one of them), and only for a
 * file that was not "racily clean" when it was read (see `racyFromNs`). The cached listing is kept
 * only when none of the directories it depends on was racily clean, by mtime or ctime, and used only
 * while every one of them has the same stat row and every link the same target (sourceFiles.ts,
 * ListingDependencies). A cache file that is corrupt, truncated or from another format is ignored and
 * rewritten (its last 32 bytes are the sha256 of the rest, checked on every load); it is replaced with a
 * rename, so readers never see a torn file, and when two processes write at once the last one wins.
 *
 * The format (v3) is made to load and compare in milliseconds for tens of thousands of files:
 *
 *     header        the format tag and "\n", NUL-padded to 40 bytes; then u32s: file count, path bytes,
 *                   watched directory count, dependency bytes
 *     rows          per file: its stat row (fileStats.ts: size, mtimeNs, ctimeNs, ino, dev, u64 each);
 *                   all zeros for a racily clean file, which no file's row can equal
 *     digests       per file: the sha256 of its content
 *     paths         per file: its path relative to source.path, UTF-8, ended by NUL
 *     directory rows  per watched directory: its stat row, zeros for one that is missing
 *     dependencies  the listing's ListingDependencies as JSON (none when the listing is not kept)
 *     checksum      sha256 of everything above
 *
 * Integers are little-endian. Files are in listing order, so a lookup is one merge pass over both
 * lists, and a file matches its entry when its path is equal and its stat row is equal word for word.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { readCacheFile, replaceCacheFile } from "../local/cacheFile";
import { copyBytes, DIGEST_BYTES } from "./fileDigest";
import { STAT_ROW_BYTES } from "../listing/fileStats";
import { compareZipPaths, type ListingDependencies } from "../listing/sourceFiles";
import { providerStateDirectory } from "../local/stateDirectory";

/**
 * The cache file's format. Files of any other format are ignored (and rewritten). A kept listing embodies
 * the listing's rules (sourceFiles.ts): change the format when they change, so that no old listing is reused.
 */
export const DIGEST_CACHE_FORMAT = "pulumi-lambda-layer/digest-cache/v3";

/**
 * The coarsest timestamp granularity to expect: FAT's 2 seconds (ext3 and HFS+ have 1 s, ext4 and
 * most others a clock tick of a few ms). Two writes within one such tick can leave the same mtime.
 */
export const TIMESTAMP_GRANULARITY_NS = 2_000_000_000n;

const TAG_BYTES = 40;
const HEADER_BYTES = TAG_BYTES + 16;
const CHECKSUM_BYTES = 32;
/** Words per stat row, for comparing rows as 32-bit words. */
const ROW_WORDS = STAT_ROW_BYTES / 4;
/** Where a stat row keeps the mtime and the ctime (ns). */
const MTIME_OFFSET = 8;
const CTIME_OFFSET = 16;

/** A loaded cache file. */
export interface DigestCache {
    /** Number of files. */
    count: number;
    /** STAT_ROW_BYTES per file; starts on a 4-byte boundary. */
    rows: Uint8Array;
    /** DIGEST_BYTES per file. */
    digests: Uint8Array;
    /** The files' paths, relative to source.path, each followed by NUL. */
    paths: string;
    /** The listing these files came from, when it was kept. */
    listing?: KeptListing;
}

/** A listing's dependencies, and the stat rows of its watched directories when it was taken. */
export interface KeptListing {
    dependencies: ListingDependencies;
    /** STAT_ROW_BYTES per entry of `dependencies.directories`. */
    directoryRows: Uint8Array;
}

/** The files of one listing, as the cache sees them. */
export interface CacheableFiles {
    /** Paths relative to source.path, in listing (compareZipPaths) order. */
    relativePaths: readonly string[];
    /** Their stat rows (fileStats.ts), in the same order. */
    statRows: Uint8Array;
}

/** A cache with no entries. */
export function emptyDigestCache(): DigestCache {
    return { count: 0, rows: new Uint8Array(0), digests: new Uint8Array(0), paths: "" };
}

/**
 * The cache directory: `PULUMI_LAMBDA_LAYER_CACHE_DIR`, else `$XDG_CACHE_HOME/pulumi-lambda-layer`, else
 * `~/.cache/pulumi-lambda-layer`; `undefined` when `PULUMI_LAMBDA_LAYER_CACHE` is `off` (or `0`, `false`, `no`).
 */
export function digestCacheDirectory(env: NodeJS.ProcessEnv = process.env): string | undefined {
    if (["off", "0", "false", "no"].includes((env.PULUMI_LAMBDA_LAYER_CACHE ?? "").trim().toLowerCase())) {
        return undefined;
    }
    if (env.PULUMI_LAMBDA_LAYER_CACHE_DIR) {
        return path.resolve(env.PULUMI_LAMBDA_LAYER_CACHE_DIR);
    }
    return providerStateDirectory(env);
}

/**
 * Copies into `digests` (DIGEST_BYTES per file) the cached digest of every file whose path and stat
 * row equal an entry's, and returns 1 for those and 0 for the files that must be read. Rewriting a file
 * changes its mtime and ctime (and usually its size); `touch` or `utimes` can restore an mtime but not
 * the ctime; replacing it by a rename changes the inode. Pure but for writing `digests`.
 */
export function takeCachedDigests(cache: DigestCache, files: CacheableFiles, digests: Uint8Array): Uint8Array {
    const found = new Uint8Array(files.relativePaths.length);
    const fileWords = words(files.statRows);
    const entryWords = words(cache.rows);
    let entry = 0;
    let pathStart = 0; // where the path of `entry` starts in cache.paths
    files.relativePaths.forEach((relativePath, index) => {
        // Both lists are in the same order: skip the entries of files no longer listed, stop at a later one.
        for (; entry < cache.count; entry++) {
            const order = compareEntryPath(cache.paths, pathStart, relativePath);
            if (order > 0) {
                return;
            }
            const pathEnd = order === 0 ? pathStart + relativePath.length : cache.paths.indexOf("\0", pathStart);
            const matched =
                order === 0 && sameWords(fileWords, index * ROW_WORDS, entryWords, entry * ROW_WORDS, ROW_WORDS);
            if (matched) {
                copyBytes(cache.digests, entry * DIGEST_BYTES, digests, index * DIGEST_BYTES, DIGEST_BYTES);
                found[index] = 1;
            }
            pathStart = pathEnd + 1;
            if (order === 0 || pathEnd < 0) {
                entry = pathEnd < 0 ? cache.count : entry + 1; // malformed (no NUL): no more entries
                return;
            }
        }
    });
    return found;
}

/** The cached files' paths, relative to source.path, in listing order. Pure. */
export function cachedPaths(cache: DigestCache): string[] {
    return cache.count === 0 ? [] : cache.paths.slice(0, -1).split("\0");
}

/** How the entry path starting at `start` in `paths` (ended by NUL) orders against `relativePath`: compareZipPaths's sign. */
function compareEntryPath(paths: string, start: number, relativePath: string): number {
    if (paths.charCodeAt(start + relativePath.length) === 0 && paths.startsWith(relativePath, start)) {
        return 0; // the usual case, settled without building a string
    }
    const end = paths.indexOf("\0", start);
    return compareZipPaths(paths.slice(start, end < 0 ? paths.length : end), relativePath);
}

/**
 * Git's "racily clean" problem: a file changed at or after the moment before its stat, less the timestamp
 * granularity, can change again within the same tick unseen. Such a row is not trusted: the next run
 * reads the file again, and once the change is older than the granularity it is cached. For a file the
 * change time is its mtime, as in git (its row is taken before it is read, so a later change shows in
 * the next row). For a folder it is the later of its mtime and ctime: its row is taken after it was read,
 * and a writer that puts mtimes back (`rsync -a`, `tar x`) leaves only the ctime to tell of a change made
 * in between. `observedAtNs` is the wall-clock time before the listing; this is the earliest racily clean
 * change time. Pure.
 */
function racyFromNs(observedAtNs: bigint): bigint {
    return observedAtNs - TIMESTAMP_GRANULARITY_NS;
}

/**
 * The cache file's bytes after a run: every listed file, with its stat row and its digest from `digests`
 * (DIGEST_BYTES per file), except that a racily clean file's row is left zero so that it is read again;
 * and `listing` when none of its directories is racily clean (by mtime or ctime: see racyFromNs).
 * `undefined` when nothing in it could be used. Files no longer listed are dropped, so the cache does
 * not grow with old files. Pure.
 */
export function serializeDigestCache(
    files: CacheableFiles,
    digests: Uint8Array,
    observedAtNs: bigint,
    listing?: KeptListing,
): Buffer | undefined {
    const count = files.relativePaths.length;
    const rows = Buffer.from(files.statRows);
    const racy = racilyCleanRows(rows, observedAtNs, [MTIME_OFFSET]);
    racy.forEach((index) => rows.fill(0, index * STAT_ROW_BYTES, (index + 1) * STAT_ROW_BYTES));
    const keptListing =
        listing && racilyCleanRows(listing.directoryRows, observedAtNs, [MTIME_OFFSET, CTIME_OFFSET]).length === 0
            ? listing
            : undefined;
    if (racy.length === count && keptListing === undefined) {
        return undefined;
    }
    const paths = Buffer.from(files.relativePaths.join("\0") + "\0", "utf8");
    const directoryRows = keptListing?.directoryRows ?? new Uint8Array(0);
    const dependencies = Buffer.from(keptListing ? JSON.stringify(keptListing.dependencies) : "", "utf8");
    const header = Buffer.alloc(HEADER_BYTES);
    header.write(`${DIGEST_CACHE_FORMAT}\n`, 0, "latin1");
    [count, paths.length, directoryRows.length / STAT_ROW_BYTES, dependencies.length].forEach((value, index) =>
        header.writeUInt32LE(value, TAG_BYTES + 4 * index),
    );
    const sections = [header, rows, digests, paths, directoryRows, dependencies];
    const checksum = createHash("sha256");
    sections.forEach((section) => checksum.update(section));
    return Buffer.concat([...sections, checksum.digest()]);
}

/** The indices of the rows in `rows` that are racily clean at `observedAtNs` by any of the times at `timeOffsets` (racyFromNs). Pure. */
function racilyCleanRows(rows: Uint8Array, observedAtNs: bigint, timeOffsets: readonly number[]): number[] {
    // Each u64 time is compared as two u32 words, high then low: no BigInt per row.
    const from = racyFromNs(observedAtNs);
    const [fromHigh, fromLow] = from < 0n ? [0, 0] : [Number(from >> 32n), Number(from & 0xffff_ffffn)];
    const view = new DataView(rows.buffer, rows.byteOffset, rows.byteLength);
    const notBefore = (offset: number) => {
        const high = view.getUint32(offset + 4, true);
        return high > fromHigh || (high === fromHigh && view.getUint32(offset, true) >= fromLow);
    };
    const racy: number[] = [];
    for (let index = 0; index < rows.length / STAT_ROW_BYTES; index++) {
        const row = index * STAT_ROW_BYTES;
        if (timeOffsets.some((offset) => notBefore(row + offset))) {
            racy.push(index);
        }
    }
    return racy;
}

/** Parses `serializeDigestCache`'s bytes; throws for another format, a wrong length or checksum. Pure. */
export function parseDigestCache(bytes: Buffer): DigestCache {
    const tag = Buffer.alloc(TAG_BYTES);
    tag.write(`${DIGEST_CACHE_FORMAT}\n`, 0, "latin1");
    if (bytes.length < HEADER_BYTES + CHECKSUM_BYTES || !tag.equals(bytes.subarray(0, TAG_BYTES))) {
        throw new Error(`not a ${DIGEST_CACHE_FORMAT} file`);
    }
    const [count, pathBytes, directoryCount, dependencyBytes] = [0, 1, 2, 3].map((index) =>
        bytes.readUInt32LE(TAG_BYTES + 4 * index),
    );
    const sections = sectionsOf(HEADER_BYTES, [
        count * STAT_ROW_BYTES,
        count * DIGEST_BYTES,
        pathBytes,
        directoryCount * STAT_ROW_BYTES,
        dependencyBytes,
    ]);
    const checksumStart = sections[sections.length - 1].end;
    if (
        bytes.length !== checksumStart + CHECKSUM_BYTES ||
        !checksumOf(bytes.subarray(0, checksumStart)).equals(bytes.subarray(checksumStart))
    ) {
        throw new Error(`damaged ${DIGEST_CACHE_FORMAT} file: wrong length or checksum`);
    }
    // Rows are compared as 32-bit words, which need a 4-byte aligned start.
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : copyOf(bytes);
    const [rows, digests, paths, directoryRows, dependencies] = sections.map(({ start, end }) =>
        aligned.subarray(start, end),
    );
    const cache: DigestCache = { count, rows, digests, paths: paths.toString("utf8") };
    if (dependencyBytes > 0) {
        cache.listing = {
            dependencies: JSON.parse(dependencies.toString("utf8")) as ListingDependencies,
            directoryRows,
        };
    }
    return cache;
}

/** Consecutive sections of the given lengths from `start`. Pure. */
function sectionsOf(start: number, lengths: readonly number[]): Array<{ start: number; end: number }> {
    let end = start;
    return lengths.map((length) => ({ start: end, end: (end += length) }));
}

/** Reads a cache file; an empty cache when it is missing, unreadable, corrupt, truncated or of another format. */
export function loadDigestCache(cacheFile: string): DigestCache {
    const content = readCacheFile(cacheFile, DIGEST_CACHE_MAX_BYTES);
    if (content === undefined) {
        return emptyDigestCache();
    }
    try {
        return parseDigestCache(content);
    } catch {
        return emptyDigestCache();
    }
}

/**
 * A digest cache file larger than this is not read: about 3 million files' entries, far beyond any
 * layer (AWS allows 262 MB unzipped), so only something that is not a cache gets there.
 */
const DIGEST_CACHE_MAX_BYTES = 512 << 20;

/**
 * Writes `content` (serializeDigestCache's) in place of the cache file, whole or not at all
 * (cacheFile.ts). No content (a tree of files all just written, or a temp tree) removes the file instead.
 */
export function saveDigestCache(cacheFile: string, content: Buffer | undefined): void {
    if (content !== undefined) {
        replaceCacheFile(cacheFile, content);
        return;
    }
    try {
        fs.rmSync(cacheFile, { force: true });
    } catch {
        // As with writing it: the cache is an optimization.
    }
}

/** A copy in a buffer of its own (Buffer.alloc never shares a pool, so it starts at offset 0). */
function copyOf(bytes: Buffer): Buffer {
    const copy = Buffer.alloc(bytes.length);
    bytes.copy(copy);
    return copy;
}

function checksumOf(bytes: Uint8Array): Buffer {
    return createHash("sha256").update(bytes).digest();
}

/** `bytes` as 32-bit words (its start is 4-byte aligned and its length a multiple of 4). */
function words(bytes: Uint8Array): Uint32Array {
    return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

function sameWords(a: Uint32Array, aStart: number, b: Uint32Array, bStart: number, count: number): boolean {
    for (let offset = 0; offset < count; offset++) {
        if (a[aStart + offset] !== b[bStart + offset]) {
            return false;
        }
    }
    return true;
}
