/**
 * Lists the files of a `source` directory exactly as they will stand in the layer's zip: which files
 * (fast-glob with `include`/`exclude`), under which entry name (POSIX, prefix included), in which order
 * (UTF-8 byte order, so no locale or OS can reorder them), and with the stat fields the digest cache
 * keys on. Symlinks are judged here, once, so that nothing later reads a file it should not publish.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type fg from "fast-glob";
import { isExecutable, statSize, type FileStats } from "./fileStats";
import { isWithin } from "./confinedOpen";
import type { LayerSource } from "../types";
import { SourceError, UnreadableFileError } from "./sourceError";
import {
    canonicalPrefix,
    DEFAULT_INCLUDE,
    isSafeRelativePath,
    patternProblem,
    prefixFailure,
    relativePathProblem,
} from "../rules/entryNames";

/** A file as the listing finds it, before it is stat'ed. */
export interface ListedFile {
    /** The entry name in the zip: POSIX separators, relative, prefix included. */
    zipPath: string;
    /** The path below `source.path`, POSIX separators, no prefix: the digest cache's key; errors name files by it. */
    relativePath: string;
    /** The path to read the content from (through any symlink that was followed). */
    absolutePath: string;
}

/** One file of the layer: where it goes in the zip, where to read it, its size and its mode. */
export interface SourceFile extends ListedFile {
    /** The owner-execute bit of the file (of a link's target), kept in the zip as mode 0755; otherwise 0644. */
    executable: boolean;
    size: number;
    /**
     * The real path of source.path when links may not leave it (`followSymlinks` off): whoever reads the
     * file opens it with openConfined, so that a link swapped after the listing cannot lead outside.
     */
    confineTo?: string;
}

/**
 * What is never layer content, left out unless `source.defaultExcludes` is false: version-control
 * folders (`.git` is a file in a worktree or submodule), Python's byte-code caches (regenerated with
 * new bytes on every run) and macOS folder metadata.
 */
export const DEFAULT_EXCLUDES: readonly string[] = [
    "**/.git",
    "**/.git/**",
    "**/.hg/**",
    "**/.svn/**",
    "**/__pycache__/**",
    "**/*.pyc",
    "**/.DS_Store",
];

/** The exclude patterns a listing of `source` applies: its own, then the default ones unless turned off. */
export function excludePatterns(source: LayerSource): string[] {
    return [...(source.exclude ?? []), ...(source.defaultExcludes === false ? [] : DEFAULT_EXCLUDES)];
}

/** A listing, and what its result depends on. */
export interface SourceListing {
    /** The files, sorted by `zipPath`. */
    files: ListedFile[];
    /** The real path of source.path when links may not leave it, for openConfined; `undefined` with `followSymlinks`. */
    confineTo: string | undefined;
    /**
     * What else decides which files these are, or `undefined` when that cannot be checked cheaply (a link
     * was left unfollowed). Worked out when asked: only a listing that will be cached needs it.
     */
    dependencies: () => ListingDependencies | undefined;
}

/**
 * Besides the patterns, a listing depends only on the names in some directories (those it read or
 * looked into, and the folders that lead to them from source.path) and on where links lead. A
 * directory's ctime (and, unless a tool puts it back, its mtime) changes whenever an entry is added to
 * it, removed or renamed, and a link cannot be changed, only replaced (which changes its directory). So
 * while each of these directories has the same stat row (or is still missing), none having changed
 * while it was read (hashCache.ts, racyFromNs), and each link still resolves to the same real path,
 * listing again finds the same files: the digest cache keeps a listing for as long as that holds
 * (listingCache.ts).
 */
export interface ListingDependencies {
    /** The real path of `source.path`. */
    rootRealPath: string;
    /**
     * Absolute paths, as fast-glob named them: every directory it read or tried to read, the directory of
     * every path it looked up by name, every folder between source.path and those, and the directory of
     * each link's real target (where a file could turn into a folder without the link changing).
     */
    directories: string[];
    /** Each link fast-glob followed, with its real target: `[linkPath, realTarget]`. */
    links: Array<[string, string]>;
}

/**
 * The files of `source` (its `path` resolved against `baseDir`), sorted by `zipPath`: the listing alone,
 * without the digest cache that `computeSourceHash` (what `check` and `create` use) adds.
 * Throws SourceError for a missing directory, bad patterns or prefix, a symlink that is broken, loops,
 * or leaves `source.path` without `followSymlinks`, a special file, a file that cannot be stat'ed, or
 * when nothing matches.
 * @internal For tests and the bench.
 */
export function listSourceFiles(source: LayerSource, baseDir: string): SourceFile[] {
    const { files, confineTo } = listSourceTree(source, baseDir);
    return files.map((file) => ({ ...statListedFile(file), confineTo }));
}

/**
 * `listSourceFiles` without the stat: the files' names, sorted by `zipPath`, with the same checks, and
 * what the listing depends on. `onDirectoryRead` is told the running count of entries read, so that a
 * caller can prepare for a big tree.
 */
export function listSourceTree(
    source: LayerSource,
    baseDir: string,
    onDirectoryRead?: (entriesRead: number) => void,
): SourceListing {
    const root = path.resolve(baseDir, source.path);
    const rootReal = realSourceRoot(root);
    const prefix = checkedPrefix(source.prefix);
    const include = checkedPatterns(source.include ?? DEFAULT_INCLUDE, "source.include");
    const exclude = checkedPatterns(excludePatterns(source), "source.exclude");
    const guard = new ListingGuard(root, rootReal, source.followSymlinks === true, onDirectoryRead);

    const rootPrefix = sourceRootPrefix(root);
    const files = globEntries(root, include, exclude, guard)
        .filter((entry) => !entry.dirent.isDirectory())
        .map((entry) => listedFileOf(entry, rootPrefix, prefix, guard));
    guard.assertNamedLinksResolved(include);
    if (files.length === 0) {
        throw new SourceError(
            "source.include",
            `source.include: no files in ${root} match include ${JSON.stringify(include)} and exclude ${JSON.stringify(exclude)}; a layer needs at least one file`,
        );
    }
    return {
        files: sortByZipPath(files),
        confineTo: source.followSymlinks === true ? undefined : rootReal,
        dependencies: () => guard.dependencies(),
    };
}

/** `root` (an absolute source.path) ending in a separator, so that appending a relative path joins them. */
export function sourceRootPrefix(root: string): string {
    return root.endsWith(path.sep) ? root : root + path.sep;
}

/**
 * The listed file at `relativePath` (safe, POSIX) below the source root `rootPrefix` (ending in a
 * separator), under the normalized `prefix`. Pure.
 */
export function listedFile(relativePath: string, rootPrefix: string, prefix: string): ListedFile {
    // A safe relative path has no ".", ".." or empty segment: appending it is path.join, without its cost per file.
    const absolutePath = rootPrefix + (path.sep === "/" ? relativePath : relativePath.split("/").join(path.sep));
    return { zipPath: prefix + relativePath, relativePath, absolutePath };
}

/**
 * `file` with its size and mode, from a plain stat: the zip needs no times, and nanosecond stats (the
 * digest cache's) make several times the garbage. Throws UnreadableFileError for a file that cannot be stat'ed.
 */
function statListedFile(file: ListedFile): SourceFile {
    let stats: fs.Stats;
    try {
        stats = fs.statSync(file.absolutePath);
    } catch (error) {
        throw new UnreadableFileError(file.relativePath, errorText(error));
    }
    return {
        zipPath: file.zipPath,
        relativePath: file.relativePath,
        absolutePath: file.absolutePath,
        executable: isExecutable(stats.mode),
        size: stats.size,
    };
}

/** The listed files with their sizes and modes from `stats` (in the same order). */
export function sourceFilesOf(files: readonly ListedFile[], stats: FileStats): SourceFile[] {
    return files.map((file, index) => ({
        zipPath: file.zipPath,
        relativePath: file.relativePath,
        absolutePath: file.absolutePath,
        executable: stats.executable[index] === 1,
        size: statSize(stats, index),
    }));
}

/** `prefix` as it is prepended to entry names (canonicalPrefix). Throws SourceError for one that could escape. */
export function checkedPrefix(prefix: string | undefined): string {
    const failure = prefix === undefined ? undefined : prefixFailure(prefix);
    if (failure) {
        throw new SourceError("source.prefix", failure);
    }
    return canonicalPrefix(prefix);
}

/**
 * Orders entry names by their UTF-8 bytes (that is, by code point): the same order on every machine,
 * locale and JS engine. JavaScript compares UTF-16 code units, which agrees except between a surrogate
 * (half of a code point above U+FFFF) and a unit from U+E000 up; those are shifted into code-point
 * order here, so no string needs encoding.
 */
export function compareZipPaths(a: string, b: string): number {
    const length = Math.min(a.length, b.length);
    for (let index = 0; index < length; index++) {
        const unitA = a.charCodeAt(index);
        const unitB = b.charCodeAt(index);
        if (unitA !== unitB) {
            return codePointRank(unitA) - codePointRank(unitB);
        }
    }
    return a.length - b.length;
}

function codePointRank(unit: number): number {
    if (unit >= 0xd800 && unit <= 0xdfff) {
        return unit + 0x2000; // surrogates: above every BMP unit
    }
    return unit >= 0xe000 ? unit - 0x800 : unit;
}

/** `files` sorted by `compareZipPaths` of their `zipPath` (a new array). */
function sortByZipPath<T extends { zipPath: string }>(files: readonly T[]): T[] {
    const compare = zipPathComparison(files);
    return isSortedBy(files, compare) ? [...files] : [...files].sort((a, b) => compare(a.zipPath, b.zipPath));
}

/** Whether `files` are already in `compareZipPaths` order: one pass, where sorting takes n log n comparisons. Pure. */
export function isSortedByZipPath(files: readonly { zipPath: string }[]): boolean {
    return isSortedBy(files, zipPathComparison(files));
}

function isSortedBy(files: readonly { zipPath: string }[], compare: (a: string, b: string) => number): boolean {
    for (let index = 1; index < files.length; index++) {
        if (compare(files[index - 1].zipPath, files[index].zipPath) > 0) {
            return false;
        }
    }
    return true;
}

/**
 * `compareZipPaths`, or for names without surrogates or units from U+E000 up (whose UTF-16 order is
 * their code-point order) the engine's own comparison, which gives the same order much faster.
 */
function zipPathComparison(files: readonly { zipPath: string }[]): (a: string, b: string) => number {
    const byUnits = files.every((file) => !SHIFTED_UNITS.test(file.zipPath));
    return byUnits ? (a, b) => (a < b ? -1 : a > b ? 1 : 0) : compareZipPaths;
}

/** The UTF-16 units whose order differs from their code points' (see codePointRank). */
const SHIFTED_UNITS = /[\ud800-\uffff]/;

function realSourceRoot(root: string): string {
    let stats: fs.Stats;
    try {
        stats = fs.statSync(root);
    } catch (error) {
        throw new SourceError("source.path", `source.path ${root} cannot be read: ${errorText(error)}`);
    }
    if (!stats.isDirectory()) {
        throw new SourceError(
            "source.path",
            `source.path ${root} is not a directory; to publish a prebuilt zip, use the zipFile input`,
        );
    }
    return fs.realpathSync.native(root);
}

/** Patterns are relative to `source.path`; one that is absolute or climbs out with `..` could publish anything. */
function checkedPatterns(patterns: readonly string[], property: string): string[] {
    for (const pattern of patterns) {
        const problem = patternProblem(pattern);
        if (problem) {
            throw new SourceError(property, `${property} pattern ${JSON.stringify(pattern)} ${problem}`);
        }
    }
    return [...patterns];
}

/** fast-glob, loaded on the first listing: a no-op check reuses the kept listing and never pays its 30 ms load. */
function fastGlob(): typeof fg {
    return require("fast-glob") as typeof fg;
}

function globEntries(root: string, include: string[], exclude: string[], guard: ListingGuard): fg.Entry[] {
    try {
        return fastGlob().sync(include, {
            cwd: root,
            ignore: exclude,
            dot: true,
            // Duplicates can only come from overlapping patterns; checking every entry for them costs.
            unique: include.length > 1,
            // Directories and unresolvable links are returned too, so that a link that matched but
            // cannot be followed is reported instead of silently dropped; directories are skipped after.
            onlyFiles: false,
            objectMode: true,
            // Followed through the guard, which stops at links that leave source.path or loop.
            followSymbolicLinks: true,
            fs: guard.fileSystem(),
        });
    } catch (error) {
        if (error instanceof SourceError) {
            throw error;
        }
        if ((error as NodeJS.ErrnoException).code === undefined) {
            // Not the file system's failure: the patterns'.
            throw new SourceError(
                "source.include",
                `source.include ${JSON.stringify(include)} with source.exclude ${JSON.stringify(exclude)} cannot be used: ${errorText(error)}`,
            );
        }
        throw new SourceError("source.path", `source.path ${root} cannot be listed: ${errorText(error)}`);
    }
}

/** `rootPrefix` is source.path ending in a separator. */
function listedFileOf(entry: fg.Entry, rootPrefix: string, prefix: string, guard: ListingGuard): ListedFile {
    // fast-glob gives normalized paths, except with a leading "./" when a pattern has one.
    const relativePath = isSafeRelativePath(entry.path) ? entry.path : path.posix.normalize(entry.path);
    const problem = relativePathProblem(relativePath);
    if (problem) {
        throw new SourceError(
            "source.path",
            `source.path: the file name ${JSON.stringify(relativePath)} ${problem}, so it cannot be a zip entry; rename it or add it to source.exclude`,
        );
    }
    const file = listedFile(relativePath, rootPrefix, prefix);
    if (relativePath.includes(REPLACEMENT_CHARACTER)) {
        assertUtf8Name(relativePath, file.absolutePath);
    }
    if (entry.dirent.isSymbolicLink()) {
        throw new SourceError("source.path", guard.unresolvableLinkMessage(relativePath, file.absolutePath));
    }
    if (!entry.dirent.isFile()) {
        throw new SourceError(
            "source.path",
            `source.path: ${relativePath} is not a regular file (a socket, FIFO or device); add it to source.exclude`,
        );
    }
    guard.assertInside(relativePath, file.absolutePath, entry.dirent);
    return file;
}

/**
 * Watches one listing through the fs methods fast-glob walks with: judges its symlinks, and notes what
 * the listing depends on.
 *
 * Symlinks: fast-glob follows a link by calling `statSync` on it (and only on
 * links), so that call is where each link's target is resolved, once; a directory link that leaves
 * `source.path` (without `followSymlinks`) or points back at a directory above it is marked, and the walk
 * stops with an error when it is about to enter it (its `readdirSync`). A marked link that fast-glob
 * never enters, because `exclude` prunes it or no pattern could match below it, costs nothing.
 * Files reached through a link that fast-glob never stat'ed (the base directory of a pattern such as
 * `lib/**` can itself be a link) are caught by `assertInside`, which resolves each file's directory.
 *
 * Along the way it notes what the listing depends on (ListingDependencies): the directories read, the
 * directories of paths looked up by name, and where each link leads.
 *
 * Real paths cost no system call where they can be known: a directory found by reading its parent (a
 * directory entry, not a link) has its parent's real path plus its name; and while every directory read
 * lies inside `source.path`, so does every plain file found by reading one. Only link targets, the
 * directories fast-glob starts from, and files it stat'ed rather than found (named by a pattern without
 * wildcards) are resolved with `realpath`.
 */
class ListingGuard {
    private readonly linkTargets = new Map<string, string>();
    private readonly unresolvableLinks = new Set<string>();
    private readonly blockedDirectories = new Map<string, string>();
    private readonly realDirectories = new Map<string, string>();
    private readonly directoriesInside = new Map<string, boolean>();
    private readonly watchedDirectories = new Set<string>();
    /** Whether a directory that lies outside `source.path` was read (a pattern's base directory can be a link). */
    private readOutside = false;
    private entriesRead = 0;

    constructor(
        private readonly root: string,
        private readonly rootReal: string,
        private readonly followOutside: boolean,
        private readonly onDirectoryRead: ((entriesRead: number) => void) | undefined,
    ) {
        this.realDirectories.set(root, rootReal);
    }

    /** The fs methods fast-glob walks with: the real ones, watched. */
    fileSystem(): Partial<fg.FileSystemAdapter> {
        const statSync = (linkPath: string): fs.Stats => this.followLink(linkPath);
        const readdirSync = (directory: string, options: { withFileTypes: true }): fs.Dirent[] =>
            this.readDirectory(directory, options);
        const lstatSync = (namedPath: string): fs.Stats => this.lookUpByName(namedPath);
        // fast-glob types these as the overloaded `typeof fs.*Sync`; it only ever calls these forms.
        return {
            statSync: statSync as typeof fs.statSync,
            readdirSync: readdirSync as unknown as typeof fs.readdirSync,
            lstatSync: lstatSync as typeof fs.lstatSync,
        };
    }

    /** What the listing depended on (see ListingDependencies), or `undefined` after a link that could not be followed. */
    dependencies(): ListingDependencies | undefined {
        if (this.unresolvableLinks.size > 0) {
            // Such a link is skipped silently when excluded; if its target appears later, nothing watched changes.
            return undefined;
        }
        return {
            rootRealPath: this.rootReal,
            directories: this.withAncestors(this.watchedDirectories),
            links: [...this.linkTargets],
        };
    }

    /**
     * `directories`, and every folder between source.path and each of them. A folder fast-glob went
     * straight to (a pattern's base, a named path's folder) can be moved away and replaced, say by a link
     * that leaves source.path, with no change to itself; the folder that holds it changes.
     */
    private withAncestors(directories: ReadonlySet<string>): string[] {
        const all = new Set(directories);
        for (const directory of directories) {
            for (
                let ancestor = path.dirname(directory);
                isWithin(ancestor, this.root) && !all.has(ancestor);
                ancestor = path.dirname(ancestor)
            ) {
                all.add(ancestor);
            }
        }
        return [...all];
    }

    /** Throws SourceError when `absolutePath` really lies outside `source.path` and that was not allowed. */
    assertInside(relativePath: string, absolutePath: string, dirent: object): void {
        // fast-glob passes on the fs.Dirent of a file it found by reading a directory; of a link it
        // followed, or a path it stat'ed, it makes its own.
        if (this.followOutside || (dirent instanceof fs.Dirent && !this.readOutside)) {
            return;
        }
        const linkTarget = this.linkTargets.get(absolutePath);
        const inside =
            linkTarget === undefined
                ? this.isDirectoryInside(path.dirname(absolutePath))
                : isWithin(linkTarget, this.rootReal);
        if (!inside) {
            throw new SourceError(
                "source.path",
                this.outsideMessage(
                    relativePath,
                    linkTarget ??
                        path.join(this.realDirectory(path.dirname(absolutePath)), path.basename(absolutePath)),
                ),
            );
        }
    }

    /** Why a link fast-glob could not follow cannot be packaged: it dangles, or it loops on itself. */
    unresolvableLinkMessage(relativePath: string, absolutePath: string): string {
        let target: string;
        try {
            target = fs.readlinkSync(absolutePath);
        } catch (error) {
            // Removed or replaced since the listing found it (a lock file's link, say).
            return `source.path: ${relativePath} changed while the files were listed (it was a symlink that could not be followed; now: ${errorText(error)}); run the command again, or add it to source.exclude`;
        }
        const looping = errorCode(() => fs.statSync(absolutePath)) === "ELOOP";
        const problem = looping ? "is a symlink loop" : "is a broken symlink (its target does not exist)";
        return `source.path: ${relativePath} ${problem}: it points to ${target}; fix the link or add it to source.exclude`;
    }

    /**
     * An include pattern without wildcards names one path, which fast-glob stats instead of walking to it,
     * and drops when it is a link it cannot follow; such a link is reported here instead.
     */
    assertNamedLinksResolved(include: readonly string[]): void {
        for (const pattern of include) {
            const named = path.resolve(this.root, pattern);
            if (!fastGlob().isDynamicPattern(pattern) && this.unresolvableLinks.has(named)) {
                throw new SourceError("source.path", this.unresolvableLinkMessage(pattern, named));
            }
        }
    }

    private followLink(linkPath: string): fs.Stats {
        let stats: fs.Stats;
        try {
            stats = fs.statSync(linkPath);
        } catch (error) {
            // A broken or looping link: fast-glob keeps it as a link entry (or, when named, drops it).
            this.unresolvableLinks.add(linkPath);
            throw error;
        }
        const target = fs.realpathSync.native(linkPath);
        this.linkTargets.set(linkPath, target);
        this.watchedDirectories.add(path.dirname(target));
        if (stats.isDirectory()) {
            const problem = this.directoryLinkProblem(linkPath, target);
            if (problem) {
                this.blockedDirectories.set(linkPath, problem);
            }
        }
        return stats;
    }

    private readDirectory(directory: string, options: { withFileTypes: true }): fs.Dirent[] {
        const problem = this.blockedDirectories.get(directory);
        if (problem) {
            throw new SourceError("source.path", problem);
        }
        // Watched even when it is missing (a pattern's base directory may not exist yet).
        this.watchedDirectories.add(directory);
        const dirents = fs.readdirSync(directory, options);
        this.noteEntries(directory, dirents);
        this.entriesRead += dirents.length;
        this.onDirectoryRead?.(this.entriesRead);
        return dirents;
    }

    /** fast-glob looks up a path named by a pattern without wildcards: whether it exists is decided by its directory. */
    private lookUpByName(namedPath: string): fs.Stats {
        this.watchedDirectories.add(path.dirname(namedPath));
        return fs.lstatSync(namedPath);
    }

    /** Records what reading `directory` tells without further system calls (see the class comment). */
    private noteEntries(directory: string, dirents: readonly fs.Dirent[]): void {
        const real = this.realDirectory(directory);
        this.readOutside ||= !isWithin(real, this.rootReal);
        for (const dirent of dirents) {
            if (dirent.isDirectory()) {
                // Keyed as fast-glob names the subdirectory when it reads it; any other spelling just misses.
                this.realDirectories.set(
                    childPath(directory, dirent.name, "/"),
                    childPath(real, dirent.name, path.sep),
                );
            }
        }
    }

    /**
     * A directory link loops when its target contains a directory the walk is already inside: following
     * it would list the same files again, without end. The walk is inside every logical ancestor of the
     * link, each resolved through the links above it.
     */
    private directoryLinkProblem(linkPath: string, target: string): string | undefined {
        const relativePath = path.relative(this.root, linkPath).split(path.sep).join("/");
        for (let ancestor = path.dirname(linkPath); ; ancestor = path.dirname(ancestor)) {
            if (isWithin(this.realDirectory(ancestor), target)) {
                return `source.path: ${relativePath} is a symlink loop: it points to ${target}, a directory that contains it; remove the link or add it to source.exclude`;
            }
            if (ancestor === this.root || !isWithin(ancestor, this.root)) {
                break;
            }
        }
        if (!this.followOutside && !isWithin(target, this.rootReal)) {
            return this.outsideMessage(relativePath, target);
        }
        return undefined;
    }

    private outsideMessage(relativePath: string, target: string): string {
        return (
            `source.path: ${relativePath} resolves to ${target}, outside source.path (${this.rootReal}); ` +
            `symlinks that leave source.path are not followed unless source.followSymlinks is true. Set it, or add ${relativePath} to source.exclude`
        );
    }

    private isDirectoryInside(directory: string): boolean {
        let inside = this.directoriesInside.get(directory);
        if (inside === undefined) {
            inside = isWithin(this.realDirectory(directory), this.rootReal);
            this.directoriesInside.set(directory, inside);
        }
        return inside;
    }

    private realDirectory(directory: string): string {
        let real = this.realDirectories.get(directory) ?? this.linkTargets.get(directory);
        if (real === undefined) {
            real = fs.realpathSync.native(directory);
            this.realDirectories.set(directory, real);
        }
        return real;
    }
}

/** What Node.js puts in a name for bytes that are not UTF-8. */
const REPLACEMENT_CHARACTER = "\ufffd";

/**
 * A name read from disk with bytes that are not UTF-8 comes back with U+FFFD in their place, and no
 * longer names the file. Zip entry names are UTF-8, so such a file cannot be published: refused,
 * naming it with its bytes escaped. A name that really holds U+FFFD still exists, and passes.
 */
function assertUtf8Name(relativePath: string, absolutePath: string): void {
    if (fs.existsSync(absolutePath)) {
        return;
    }
    const directory = path.dirname(absolutePath);
    const raw = safely(() => fs.readdirSync(directory, { encoding: "buffer" }))?.find(
        (name) => name.toString("utf8") === path.basename(absolutePath),
    );
    const escaped = raw ? escapeBytes(raw) : path.posix.basename(relativePath);
    const folder = path.posix.dirname(relativePath);
    throw new SourceError(
        "source.path",
        `source.path: the file name "${folder === "." ? "" : `${folder}/`}${escaped}" is not valid UTF-8, and zip entry names are UTF-8; rename it (or exclude its folder)`,
    );
}

/** Printable ASCII as it is, every other byte as \xNN. Pure. */
function escapeBytes(bytes: Buffer): string {
    return [...bytes]
        .map((byte) =>
            byte >= 0x20 && byte < 0x7f && byte !== 0x5c
                ? String.fromCharCode(byte)
                : `\\x${byte.toString(16).padStart(2, "0")}`,
        )
        .join("");
}

function safely<T>(action: () => T): T | undefined {
    try {
        return action();
    } catch {
        return undefined;
    }
}

/** `name` inside `directory`, joined as fast-glob joins them (`directory` may be a root that ends in the separator). */
function childPath(directory: string, name: string, separator: string): string {
    return directory.endsWith(separator) ? directory + name : directory + separator + name;
}

function errorCode(action: () => unknown): string | undefined {
    try {
        action();
        return undefined;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code;
    }
}

function errorText(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
