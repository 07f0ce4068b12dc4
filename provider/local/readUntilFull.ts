/** Reading an open file into a buffer until the buffer is full or the file ends. */
import * as fs from "node:fs";

/**
 * Reads `fd` into `buffer` until the buffer is full or the file ends, and returns the bytes read: from
 * `position` when given, else from the descriptor's current position. One read can return less than
 * asked without being at the end of the file. `size`, the file's size as stat'ed on `fd` just before,
 * saves the read that would find the end once that many bytes are in (the stat row then describes
 * exactly the bytes read).
 */
export function readUntilFull(fd: number, buffer: Buffer, size?: number, position?: number): number {
    // A size of 0 proves nothing: files in /proc and /sys say 0 and have content.
    const knownEnd = size === undefined || size === 0 ? Infinity : size;
    let filled = 0;
    while (filled < buffer.length && filled < knownEnd) {
        const bytesRead = fs.readSync(
            fd,
            buffer,
            filled,
            buffer.length - filled,
            position === undefined ? null : position + filled,
        );
        if (bytesRead === 0) {
            break;
        }
        filled += bytesRead;
    }
    return filled;
}
