/** What the S3 emulator tests share: real S3 clients for the emulator, and what they sent on the wire. */
import { Agent } from "node:http";
import type { LookupFunction } from "node:net";
import { S3Client } from "@aws-sdk/client-s3";
import { DUMMY_CREDENTIALS } from "./emulator";

/** Resolves every name (e.g. `bucket.localhost`) to 127.0.0.1, as a resolver that knows `*.localhost` does. */
const toLoopback: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
        (callback as unknown as (error: null, addresses: Array<{ address: string; family: number }>) => void)(null, [
            { address: "127.0.0.1", family: 4 },
        ]);
    } else {
        callback(null, "127.0.0.1", 4);
    }
};

/** One request as the SDK sent it, after signing. */
export interface SentRequest {
    method: string;
    hostname: string;
    path: string;
    headers: Record<string, string>;
}

/**
 * A real S3 client for the emulator at `endpoint`, with dummy credentials; every request it sends
 * is recorded in `sent`. Virtual-host names (`bucket.localhost`) resolve to this machine.
 */
export function s3Client(
    endpoint: string,
    options: { region?: string; forcePathStyle?: boolean; maxAttempts?: number; followRegionRedirects?: boolean } = {},
): { client: S3Client; sent: SentRequest[] } {
    const client = new S3Client({
        endpoint,
        region: options.region ?? "us-west-2",
        credentials: DUMMY_CREDENTIALS,
        forcePathStyle: options.forcePathStyle ?? false,
        maxAttempts: options.maxAttempts ?? 1,
        followRegionRedirects: options.followRegionRedirects,
        requestHandler: { httpAgent: new Agent({ keepAlive: true, lookup: toLoopback }) },
    });
    const sent: SentRequest[] = [];
    client.middlewareStack.add(
        (next) => async (args) => {
            const request = args.request as SentRequest;
            sent.push({
                method: request.method,
                hostname: request.hostname,
                path: request.path,
                headers: { ...request.headers },
            });
            return next(args);
        },
        { step: "finalizeRequest", priority: "low", name: "recordSentRequest" },
    );
    return { client, sent };
}
