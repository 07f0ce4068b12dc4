/** Reading an open file into a buffer until the buffer is full or the file ends. */
import * as fs from "node:fs";

/**
 * Reads `fd` from its current position into `buffer` until the buffer is full or the file ends, and
 * returns the bytes read. One read can return less than asked without being at the end of the file.
 */
export function readUntilFull(fd: number, buffer: Buffer): number {
    let filled = 0;
    while (filled < buffer.length) {
        const bytesRead = fs.readSync(fd, buffer, filled, buffer.length - filled, null);
        if (bytesRead === 0) {
            break;
        }
        filled += bytesRead;
    }
    return filled;
}
