/**
 * Reading a JSON request body into typed members. A body that is not JSON, or a member of the wrong
 * type, is answered as AWS does: 400 InvalidRequestContentException.
 */
import { ApiError } from "../api/errors";

/** A decoded JSON object body whose members are read one by one with their expected type. */
export class JsonBody {
    private constructor(private readonly members: Readonly<Record<string, unknown>>) {}

    /** Parses a request body; an empty body is an empty object, as the SDK sends `{}` for no members. */
    static parse(raw: Buffer): JsonBody {
        if (raw.length === 0) return new JsonBody({});
        let value: unknown;
        try {
            value = JSON.parse(raw.toString("utf8"));
        } catch (error) {
            throw unparsable((error as Error).message);
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            throw unparsable("the body must be a JSON object");
        }
        return new JsonBody(value as Record<string, unknown>);
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
        if (typeof value === "object" && !Array.isArray(value)) return new JsonBody(value as Record<string, unknown>);
        throw unparsable(`${name} must be an object`);
    }

    /** A blob member (base64 in JSON) decoded to bytes; absent or null is undefined. */
    blob(name: string): Buffer | undefined {
        const value = this.string(name);
        if (value === undefined) return undefined;
        // Buffer.from(..., "base64") skips bad characters silently; AWS rejects them.
        if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
            throw unparsable(`${name} must be base64-encoded`);
        }
        return Buffer.from(value, "base64");
    }

    private present(name: string): unknown {
        const value = this.members[name];
        return value === null ? undefined : value;
    }
}

function unparsable(reason: string): ApiError {
    return new ApiError("InvalidRequestContentException", `Could not parse request body into json: ${reason}`);
}
