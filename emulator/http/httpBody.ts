/**
 * Reading a request body with a size limit, without ever holding more than the limit: a declared
 * Content-Length over it is refused before a byte is read, and a body without one is counted as it
 * streams in and abandoned as soon as it passes the limit. What a refused client still sends is
 * thrown away as it arrives, up to a cap.
 */
import type { IncomingMessage } from "node:http";
import { sharedBuffer } from "../worker/sharedMemory";

/** The largest request body Lambda accepts (a 50 MB zip, base64-encoded, in JSON). */
export const REQUEST_BODY_LIMIT_BYTES = 69_905_067;

/**
 * The body, or undefined when it is larger than `limit` (the rest is then left unread). It is copied
 * into shared memory a chunk at a time as it comes, for the worker thread to parse without a copy.
 */
export function readBodyWithin(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
    const declared = Number(request.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) return Promise.resolve(undefined);
    // HTTP delivers no more than the declared length, so a body that does not fit is over the limit.
    const body = sharedBuffer(Number.isFinite(declared) ? declared : limit);
    return new Promise((resolve, reject) => {
        let size = 0;
        const finish = (outcome: () => void): void => {
            request.off("data", onData).off("end", onEnd).off("close", onClose).off("error", onError);
            outcome();
        };
        const onData = (chunk: Buffer): void => {
            if (size + chunk.length > body.length) {
                finish(() => resolve(undefined));
                return;
            }
            size += chunk.copy(body, size);
        };
        const onEnd = (): void => finish(() => resolve(body.subarray(0, size)));
        const onClose = (): void =>
            finish(() => reject(new Error("the client closed the connection before sending the whole body")));
        const onError = (error: Error): void => finish(() => reject(error));
        request.on("data", onData).on("end", onEnd).on("close", onClose).on("error", onError);
    });
}

/**
 * How much of a refused body is still read, and thrown away, after the refusal: closing the
 * connection on a client that is still sending makes its kernel see a reset, which can beat the
 * answer, so the client (and the SDK, which retries resets) never sees the 413. Past this, the
 * connection is cut: a refused client gets no unlimited drain.
 */
export const REFUSED_BODY_DISCARD_LIMIT_BYTES = 256 * 1024 * 1024;

/** Reads and drops the rest of a refused body; cuts the connection once more than `maxBytes` came. */
export function discardRestOfBody(request: IncomingMessage, maxBytes: number): void {
    let discarded = 0;
    request.on("data", (chunk: Buffer) => {
        discarded += chunk.length;
        if (discarded > maxBytes) request.socket.destroy();
    });
    request.resume();
}
