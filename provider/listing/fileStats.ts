/**
 * Stats files for the listing and the digest cache. Each file's stat fields are kept as one fixed-width
 * row of bytes, the layout the digest cache stores, so that a cached entry is compared with a file word
 * by word, with no object or string built per file. Used on the main thread and in the helper thread.
 */
import * as fs from "node:fs";

/** Bytes per stat row: size, mtime (ns), ctime (ns), inode and device, each a u64, little-endian. */
export const STAT_ROW_BYTES = 40;

/** The stat fields of a list of files, in the list's order. */
export interface FileStats {
    /** STAT_ROW_BYTES per file (see there); starts on a 4-byte boundary. */
    rows: Uint8Array;
    /** 1 where the owner's execute bit is set (git's rule for 0755 against 0644), else 0. */
    executable: Uint8Array;
}

/** Room for the stats of `count` files, in shared memory so that two threads can fill it. */
export function fileStatsFor(count: number): FileStats {
    return {
        rows: new Uint8Array(new SharedArrayBuffer(count * STAT_ROW_BYTES)),
        executable: new Uint8Array(new SharedArrayBuffer(count)),
    };
}

/** Stats `filePath` (following symlinks, nanosecond times) into entry `index` of `stats`. Throws the system's error. */
export function statFileInto(filePath: string, stats: FileStats, index: number): void {
    writeRow(fs.statSync(filePath, { bigint: true }), stats, index);
}

/**
 * Stats the open file `fd` into entry `index` of `stats`, and returns its size: one path lookup fewer
 * than stat'ing its path, for a file about to be read anyway. Throws the system's error.
 */
export function statOpenFileInto(fd: number, stats: FileStats, index: number): number {
    const fileStats = fs.fstatSync(fd, { bigint: true });
    writeRow(fileStats, stats, index);
    return Number(fileStats.size);
}

function writeRow(fileStats: fs.BigIntStats, stats: FileStats, index: number): void {
    const row = new DataView(stats.rows.buffer, stats.rows.byteOffset + index * STAT_ROW_BYTES, STAT_ROW_BYTES);
    row.setBigUint64(0, fileStats.size, true);
    row.setBigUint64(8, fileStats.mtimeNs, true);
    row.setBigUint64(16, fileStats.ctimeNs, true);
    row.setBigUint64(24, fileStats.ino, true);
    row.setBigUint64(32, fileStats.dev, true);
    stats.executable[index] = isExecutable(Number(fileStats.mode)) ? 1 : 0;
}

/** Whether a file of this mode goes in the zip as 0755: when its owner may execute it (git's rule). Pure. */
export function isExecutable(mode: number): boolean {
    return (mode & 0o100) !== 0;
}

/**
 * Stats `filePath` into entry `index` of `stats` as `statFileInto` does, but leaves the row zero for a
 * path that cannot be stat'ed: such presence rows compare equal while a path stays missing and differ
 * once it appears (no existing path has a zero inode and ctime).
 */
export function statPresenceInto(filePath: string, stats: FileStats, index: number): void {
    try {
        statFileInto(filePath, stats, index);
    } catch {
        stats.rows.fill(0, index * STAT_ROW_BYTES, (index + 1) * STAT_ROW_BYTES);
    }
}

/** The presence rows (see statPresenceInto) of `paths`, STAT_ROW_BYTES each. */
export function presenceRows(paths: readonly string[]): Uint8Array {
    const stats = fileStatsFor(paths.length);
    paths.forEach((filePath, index) => statPresenceInto(filePath, stats, index));
    return stats.rows;
}

/** The size in bytes of entry `index`, read from its row (byte by byte: no view or BigInt per file on check's path). */
export function statSize(stats: FileStats, index: number): number {
    const at = index * STAT_ROW_BYTES;
    return uint32At(stats.rows, at) + uint32At(stats.rows, at + 4) * 0x1_0000_0000;
}

function uint32At(bytes: Uint8Array, at: number): number {
    return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}
