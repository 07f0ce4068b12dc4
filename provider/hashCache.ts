/**
 * A persistent cache of per-file content digests, so that `check` in a new process (every `pulumi
 * preview` and `up`) need not read an unchanged tree again. One small JSON file per source tree, in the
 * user's cache directory.
 *
 * The one rule that matters: the cache must never make a changed file look unchanged. A cached digest
 * is used only when the file's size, mtime, ctime, inode and device are all exactly as they were when it
 * was read (a rewrite, `touch`, `utimes`, `mv` or `cp` changes at least one of them), and only for a
 * file that was not "racily clean" when it was read (see `isRacilyClean`). A cache file that is corrupt,
 * truncated or from another format is ignored and rewritten; it is replaced with a rename, so readers
 * never see a torn file, and when two processes write at once the last one wins.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { SourceFile } from "./sourceFiles";
import { providerStateDirectory } from "./stateDirectory";

/** The cache file's format. Files of any other format are ignored (and rewritten). */
export const DIGEST_CACHE_FORMAT = "pulumi-lambda-layer/digest-cache/v1";

/**
 * The coarsest timestamp granularity to expect: FAT's 2 seconds (ext3 and HFS+ have 1 s, ext4 and
 * most others a clock tick of a few ms). Two writes within one such tick can leave the same mtime.
 */
export const TIMESTAMP_GRANULARITY_NS = 2_000_000_000n;

/** A cached digest and the stat fields it is valid for. */
export interface CachedDigest {
    /** See `statKey`. */
    statKey: string;
    /** sha256 of the content, hex. */
    digest: string;
}

/** Cached digests by absolute path. */
export type DigestCache = Map<string, CachedDigest>;

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
 * The stat fields a digest is valid for, as one string: size, mtime and ctime in nanoseconds, inode
 * and device. Rewriting a file changes its mtime and ctime (and usually its size); `touch` or `utimes`
 * can restore an mtime but not the ctime; replacing it by a rename changes the inode. Pure.
 */
export function statKey(file: Pick<SourceFile, "size" | "mtimeNs" | "ctimeNs" | "ino" | "dev">): string {
    return `${file.size}:${file.mtimeNs}:${file.ctimeNs}:${file.ino}:${file.dev}`;
}

/** The cached digest of `file`, or `undefined` when any of its stat fields differs from when it was read. Pure. */
export function cachedDigestOf(cache: DigestCache, file: SourceFile): Buffer | undefined {
    const cached = cache.get(file.absolutePath);
    if (cached === undefined || cached.statKey !== statKey(file)) {
        return undefined;
    }
    const digest = Buffer.from(cached.digest, "hex");
    return digest.length === 32 ? digest : undefined; // a damaged digest is a miss, never a wrong digest
}

/**
 * Git's "racily clean" problem: a file whose mtime is not older than the moment its stat was taken,
 * minus the timestamp granularity, can be rewritten within the same timestamp tick after it was read,
 * keeping size and mtime. Its digest is not cached (the next run reads it again; once it is older than
 * the granularity it is cached). `observedAtNs` is the wall-clock time before the stat. Pure.
 */
export function isRacilyClean(mtimeNs: bigint, observedAtNs: bigint, granularityNs: bigint = TIMESTAMP_GRANULARITY_NS): boolean {
    return mtimeNs >= observedAtNs - granularityNs;
}

/**
 * The cache to store after a run: the digest of every listed file that is not racily clean. Files no
 * longer listed are dropped, so the cache does not grow with old files. Pure.
 */
export function cacheEntriesFor(files: readonly SourceFile[], digests: readonly Buffer[], observedAtNs: bigint): DigestCache {
    const cache: DigestCache = new Map();
    files.forEach((file, index) => {
        if (!isRacilyClean(file.mtimeNs, observedAtNs)) {
            cache.set(file.absolutePath, { statKey: statKey(file), digest: digests[index].toString("hex") });
        }
    });
    return cache;
}

/** Reads a cache file; an empty cache when it is missing, unreadable, corrupt, truncated or of another format. */
export function loadDigestCache(cacheFile: string): DigestCache {
    try {
        return parseDigestCache(fs.readFileSync(cacheFile, "utf8"));
    } catch {
        return new Map();
    }
}

/**
 * Writes the cache to a temporary file beside it and renames it into place: a reader sees the old file
 * or the new one, never a mix, and concurrent writers each replace the whole file. An empty cache is
 * removed instead (a tree of files all just written, or a temp tree, leaves nothing behind). Caching is
 * an optimization, so failing to write (a read-only home, a full disk) is not an error.
 */
export function saveDigestCache(cacheFile: string, cache: DigestCache): void {
    const temporary = `${cacheFile}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
        if (cache.size === 0) {
            fs.rmSync(cacheFile, { force: true });
            return;
        }
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
        fs.writeFileSync(temporary, serializeDigestCache(cache), { mode: 0o600 });
        fs.renameSync(temporary, cacheFile);
    } catch {
        fs.rmSync(temporary, { force: true });
    }
}

/** The cache file's text: `{ format, files: { [absolutePath]: [statKey, sha256Hex] } }`. Pure. */
export function serializeDigestCache(cache: DigestCache): string {
    const files: Record<string, [string, string]> = {};
    for (const [absolutePath, entry] of cache) {
        files[absolutePath] = [entry.statKey, entry.digest];
    }
    return JSON.stringify({ format: DIGEST_CACHE_FORMAT, files });
}

/**
 * Parses `serializeDigestCache`'s text; throws for another format or broken JSON; skips entries of the
 * wrong shape. Entries are not validated further: a damaged stat key matches no file, and a damaged
 * digest is refused when it is looked up (see cachedDigestOf). Pure.
 */
export function parseDigestCache(text: string): DigestCache {
    const parsed = JSON.parse(text) as { format?: unknown; files?: unknown };
    if (parsed?.format !== DIGEST_CACHE_FORMAT || typeof parsed.files !== "object" || parsed.files === null) {
        throw new Error(`not a ${DIGEST_CACHE_FORMAT} file`);
    }
    const cache: DigestCache = new Map();
    for (const [absolutePath, fields] of Object.entries(parsed.files)) {
        if (Array.isArray(fields) && fields.length === 2 && typeof fields[0] === "string" && typeof fields[1] === "string") {
            cache.set(absolutePath, { statKey: fields[0], digest: fields[1] });
        }
    }
    return cache;
}
