/**
 * Buffers in shared memory (SharedArrayBuffer), for the big byte arrays that cross between the event
 * loop and the worker thread: a request body, a decoded archive. Shared memory crosses without a copy;
 * postMessage copies anything else, and copying tens of megabytes would itself hold up the event loop.
 */
import { open } from "node:fs/promises";

/** A zero-filled buffer of `size` bytes in shared memory; its pages are only touched as it is written. */
export function sharedBuffer(size: number): Buffer {
    return Buffer.from(new SharedArrayBuffer(size));
}

/** A file's bytes, read into shared memory (the reads run in libuv's thread pool, not on the event loop). */
export async function readFileShared(path: string): Promise<Buffer> {
    const handle = await open(path, "r");
    try {
        const { size } = await handle.stat();
        const bytes = sharedBuffer(size);
        let filled = 0;
        while (filled < size) {
            const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
            if (bytesRead === 0) break;
            filled += bytesRead;
        }
        return bytes.subarray(0, filled);
    } finally {
        await handle.close();
    }
}
