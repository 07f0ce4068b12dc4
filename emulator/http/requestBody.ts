/**
 * Reading a JSON request body into typed members. A body that is not JSON, or a member of the wrong
 * type, is answered as AWS does: 400 InvalidRequestContentException. The parse, and the decoding of
 * the blob members (base64 in JSON), run on the worker thread: for an archive sent inline they take
 * a second or more.
 */
import { ApiError } from "../api/errors";
import type { CpuWorker } from "../worker/cpuWorker";
import { sharedBuffer } from "../worker/sharedMemory";

/** Bodies up to this size parse in well under a millisecond: cheaper than a round trip to the worker thread. */
const PARSED_ON_EVENT_LOOP_MAX_BYTES = 64 * 1024;

/** A body's members, its valid blobs decoded, or why it is not a JSON object. */
export type ParsedBody = { members: Record<string, unknown> } | { unparsable: string };

/**
 * Parses a request body (runs on the worker thread); an empty body is an empty object, as the SDK
 * sends `{}` for no members. Each blob member named in `blobs` (a dotted path, e.g.
 * `Content.ZipFile`) that is valid base64 becomes its bytes, in shared memory; one that is not is
 * left as it is, for JsonBody.blob to refuse.
 */
export function parseJsonBody(raw: Uint8Array, blobs: readonly string[]): ParsedBody {
    if (raw.length === 0) return { members: {} };
    let value: unknown;
    try {
        value = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("utf8"));
    } catch (error) {
        return { unparsable: (error as Error).message };
    }
    if (!isObject(value)) return { unparsable: "the body must be a JSON object" };
    for (const blob of blobs) decodeBlob(value, blob.split("."));
    return { members: value };
}

/** A decoded JSON object body whose members are read one by one with their expected type. */
export class JsonBody {
    private constructor(private readonly members: Readonly<Record<string, unknown>>) {}

    /**
     * Parses a request body, on `worker` when it is big enough to stall the event loop; see parseJsonBody
     * for `blobs`, the members `blob` reads.
     */
    static async parse(raw: Buffer, worker: CpuWorker, blobs: readonly string[] = []): Promise<JsonBody> {
        const parsed =
            raw.length <= PARSED_ON_EVENT_LOOP_MAX_BYTES
                ? parseJsonBody(raw, blobs)
                : await worker.run("parseJsonBody", raw, blobs);
        if ("unparsable" in parsed) throw unparsable(parsed.unparsable);
        return new JsonBody(parsed.members);
    }

    /** A string member; absent or null is undefined. */
    string(name: string): string | undefined {
        const value = this.present(name);
        if (value === undefined || typeof value === "string") return value;
        throw unparsable(`${name} must be a string`);
    }

    /** A list-of-strings member; absent or null is undefined. */
    stringList(name: string): string[] | undefined {
        const value = this.present(name);
        if (value === undefined) return undefined;
        if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value as string[];
        throw unparsable(`${name} must be a list of strings`);
    }

    /** A structure member; absent or null is undefined. */
    object(name: string): JsonBody | undefined {
        const value = this.present(name);
        if (value === undefined) return undefined;
        if (isObject(value)) return new JsonBody(value);
        throw unparsable(`${name} must be an object`);
    }

    /** A blob member named to `parse`, as bytes; absent or null is undefined. */
    blob(name: string): Buffer | undefined {
        const value = this.present(name);
        if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        // parseJsonBody decoded every valid blob: a string still here is not base64.
        if (this.string(name) === undefined) return undefined;
        throw unparsable(`${name} must be base64-encoded`);
    }

    private present(name: string): unknown {
        const value = this.members[name];
        return value === null ? undefined : value;
    }
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Decodes the blob at `path` under `parent`, if it is there and valid base64. */
function decodeBlob(parent: Record<string, unknown>, [name, ...rest]: string[]): void {
    const value = parent[name];
    if (rest.length > 0) {
        if (isObject(value)) decodeBlob(value, rest);
        return;
    }
    // Buffer's base64 decoder skips bad characters silently; AWS rejects them.
    if (typeof value !== "string" || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return;
    const bytes = sharedBuffer(Buffer.byteLength(value, "base64"));
    bytes.write(value, "base64");
    parent[name] = bytes;
}

function unparsable(reason: string): ApiError {
    return new ApiError("InvalidRequestContentException", `Could not parse request body into json: ${reason}`);
}
