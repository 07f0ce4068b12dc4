/**
 * Decoding of the `aws-chunked` content encoding that SDKs use to send a checksum after the body
 * (`x-amz-trailer`): chunks of `<hex size>[;chunk-signature=...]\r\n<bytes>\r\n`, a last chunk of
 * size 0, then trailer lines `name:value\r\n` and an empty line. Decoded as it streams, holding at
 * most one chunk header in memory.
 */
import { Transform, type TransformCallback } from "node:stream";

/** Thrown for a body that does not follow the encoding; answered as S3 does (400 IncompleteBody / InvalidRequest). */
export class ChunkedEncodingError extends Error {}

/** Longest header or trailer line accepted: a hex size with a chunk signature fits easily. */
const MAX_LINE_BYTES = 4096;

type State = "size" | "data" | "dataEnd" | "trailer" | "done";

export class AwsChunkedDecoder extends Transform {
    /** The trailers, keyed by lowercase name, once the stream has ended. */
    readonly trailers = new Map<string, string>();
    private state: State = "size";
    private line = Buffer.alloc(0);
    private remaining = 0;

    override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        try {
            this.consume(chunk);
            callback();
        } catch (error) {
            callback(error as Error);
        }
    }

    override _flush(callback: TransformCallback): void {
        try {
            // Some clients end the body after the last trailer line, without the final empty line.
            if (this.state === "trailer" && this.line.length > 0) this.onLine(this.line.toString("latin1").trim());
            const complete = this.state === "done" || this.state === "trailer";
            callback(complete ? undefined : new ChunkedEncodingError("the aws-chunked body ended early"));
        } catch (error) {
            callback(error as Error);
        }
    }

    private consume(chunk: Buffer): void {
        let offset = 0;
        while (offset < chunk.length) {
            if (this.state === "data") {
                const take = Math.min(this.remaining, chunk.length - offset);
                this.push(chunk.subarray(offset, offset + take));
                offset += take;
                this.remaining -= take;
                if (this.remaining === 0) this.state = "dataEnd";
                continue;
            }
            if (this.state === "done") {
                if (chunk.subarray(offset).toString("latin1").trim() !== "") {
                    throw new ChunkedEncodingError("bytes after the end of the aws-chunked body");
                }
                return;
            }
            const newline = chunk.indexOf(0x0a, offset);
            const end = newline === -1 ? chunk.length : newline + 1;
            this.line = Buffer.concat([this.line, chunk.subarray(offset, end)]);
            offset = end;
            if (this.line.length > MAX_LINE_BYTES) throw new ChunkedEncodingError("an aws-chunked line is too long");
            if (newline === -1) continue;
            const text = this.line.toString("latin1").replace(/\r?\n$/, "");
            this.line = Buffer.alloc(0);
            this.onLine(text);
        }
    }

    private onLine(text: string): void {
        switch (this.state) {
            case "size": {
                const size = /^([0-9a-fA-F]{1,16})(;.*)?$/.exec(text);
                if (!size) throw new ChunkedEncodingError(`bad aws-chunked size line: ${JSON.stringify(text)}`);
                this.remaining = parseInt(size[1], 16);
                this.state = this.remaining === 0 ? "trailer" : "data";
                return;
            }
            case "dataEnd":
                if (text !== "") throw new ChunkedEncodingError("an aws-chunked chunk is longer than its size");
                this.state = "size";
                return;
            case "trailer": {
                if (text === "") {
                    this.state = "done";
                    return;
                }
                const colon = text.indexOf(":");
                if (colon <= 0) throw new ChunkedEncodingError(`bad aws-chunked trailer: ${JSON.stringify(text)}`);
                this.trailers.set(text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim());
                return;
            }
            default:
                throw new ChunkedEncodingError("unexpected aws-chunked state");
        }
    }
}
