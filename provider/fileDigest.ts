/**
 * Reads files and returns the sha256 of each: synchronous reads into one reusable buffer, which on a
 * warm page cache are several times faster than the promise API (no per-read allocation or event-loop
 * round trip). Used on the main thread and inside digest workers alike.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";

/** Bytes read per call: large enough that big files take few reads, small enough to stay in cache. */
const READ_BUFFER_BYTES = 1 << 20;

/** The file that could not be read, and why. */
export class FileReadError extends Error {
    constructor(
        readonly filePath: string,
        readonly reason: string,
    ) {
        super(`cannot read ${filePath}: ${reason}`);
        this.name = "FileReadError";
    }
}

/** sha256 of each file, in order, as 32-byte buffers. Throws FileReadError naming the first unreadable file. */
export function digestFiles(filePaths: readonly string[]): Buffer[] {
    const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    return filePaths.map((filePath) => digestFile(filePath, buffer));
}

function digestFile(filePath: string, buffer: Buffer): Buffer {
    let fd: number;
    try {
        fd = fs.openSync(filePath, "r");
    } catch (error) {
        throw new FileReadError(filePath, (error as Error).message);
    }
    try {
        const hash = createHash("sha256");
        // Read to end of file rather than to the size seen at listing: a short read is not proof of EOF on every filesystem.
        for (let bytesRead = readChunk(fd, buffer, filePath); bytesRead > 0; bytesRead = readChunk(fd, buffer, filePath)) {
            hash.update(buffer.subarray(0, bytesRead));
        }
        return hash.digest();
    } finally {
        fs.closeSync(fd);
    }
}

function readChunk(fd: number, buffer: Buffer, filePath: string): number {
    try {
        return fs.readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
        throw new FileReadError(filePath, (error as Error).message);
    }
}
