/**
 * The provider's cache files (digests): read only when they are what they should be, written whole or
 * not at all, and never an error. A cache is an optimization: whatever is wrong with it (a folder that
 * is a file, a FIFO in its place, a full disk) means no cache, said once, and the work done again.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

const WARNING = "pulumi-lambda-layer: warning:";

/**
 * Writes `content` to a temporary file beside `file` and renames it into place: a reader sees the old
 * file or the new one, never a mix, and concurrent writers each replace the whole file. Failing to
 * write (a read-only home, a full disk) is ignored: the next run redoes the work.
 */
export function replaceCacheFile(file: string, content: string | Buffer): void {
    const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        fs.writeFileSync(temporary, content, { mode: 0o600 });
        fs.renameSync(temporary, file);
    } catch {
        try {
            fs.rmSync(temporary, { force: true });
        } catch {
            // The folder itself is unusable (not a folder, say): no temporary file could be made in it.
        }
    }
}

/**
 * The content of the cache file `file`, or `undefined` when there is none or it is not a regular file
 * of at most `maxBytes`: opened without following a link and without blocking (a FIFO in its place
 * must not hang the read, a link to /dev/zero must not fill memory), then checked on the open file.
 */
export function readCacheFile(file: string, maxBytes: number): Buffer | undefined {
    let fd: number;
    try {
        fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch {
        return undefined;
    }
    try {
        const stats = fs.fstatSync(fd);
        if (!stats.isFile() || stats.size > maxBytes) {
            return undefined;
        }
        const content = Buffer.allocUnsafe(stats.size);
        let filled = 0;
        while (filled < content.length) {
            const read = fs.readSync(fd, content, filled, content.length - filled, filled);
            if (read === 0) {
                break;
            }
            filled += read;
        }
        return content.subarray(0, filled);
    } catch {
        return undefined;
    } finally {
        fs.closeSync(fd);
    }
}

/**
 * Whether `directory` can hold the cache: it is (or can be made) a folder this process can write in.
 * When it cannot, says so on stderr, once per call, naming the folder and what to do.
 */
export function usableCacheDirectory(directory: string): boolean {
    let problem: string | undefined;
    try {
        fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
        const stats = fs.statSync(directory);
        if (!stats.isDirectory()) {
            problem = "it is not a folder";
        } else {
            fs.accessSync(directory, fs.constants.W_OK | fs.constants.X_OK);
        }
    } catch (error) {
        problem = (error as Error).message;
    }
    if (problem === undefined) {
        return true;
    }
    console.error(
        `${WARNING} the cache folder ${directory} cannot be used (${problem}); going on without a cache. ` +
            "Point PULUMI_LAMBDA_LAYER_CACHE_DIR at a writable folder, or set PULUMI_LAMBDA_LAYER_CACHE=off",
    );
    return false;
}
