/**
 * The HTTP side of the S3 subset: counts each request, injects faults, runs the operation with the
 * request's region, and writes the answer or the error as S3 does (XML; no body for HEAD). Object
 * bytes stream straight between the socket and the data files.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { ApiError } from "../api/errors";
import type { ObjectStore } from "../s3/objectStore";
import { runS3Operation, type S3OperationName } from "../s3/operations";
import { internalError, S3Error, slowDown } from "../s3/s3Errors";
import { escapeXml } from "../s3/xml";
import { discardRestOfBody, REFUSED_BODY_DISCARD_LIMIT_BYTES } from "./httpBody";
import { regionOfRequest } from "./requestRegion";
import type { S3Route } from "./s3Routes";

/** What serving S3 requests needs. */
export interface S3Services {
    objects: ObjectStore;
    accountId: string;
    countRequest(operation: S3OperationName): void;
    /** The injected error for the next request (Lambda's shape), or undefined to serve it. */
    nextFault(): ApiError | undefined;
}

export async function serveS3(
    request: IncomingMessage,
    response: ServerResponse,
    route: S3Route,
    services: S3Services,
): Promise<void> {
    services.countRequest(route.operation);
    const fault = services.nextFault();
    if (fault) {
        // The same sequence of faults as the layer API, in S3's words: 503 SlowDown or 500 InternalError.
        sendS3Error(request, response, fault.type === "TooManyRequestsException" ? slowDown() : internalError());
        return;
    }
    try {
        const result = await runS3Operation(
            {
                operation: route.operation,
                bucket: route.bucket,
                key: route.key,
                query: route.query,
                headers: request.headers,
                body: request,
                region: regionOfRequest(request.headers.authorization),
                accountId: services.accountId,
                now: new Date(),
            },
            services.objects,
        );
        response.writeHead(result.status, { ...requestIdHeaders(), ...result.headers });
        if (result.body === undefined || request.method === "HEAD") {
            response.end();
        } else if (typeof result.body === "string") {
            response.end(result.body);
        } else {
            await pipeline(result.body, response);
        }
        if (!request.readableEnded) discardRestOfBody(request, REFUSED_BODY_DISCARD_LIMIT_BYTES);
    } catch (error) {
        if (response.headersSent) throw error;
        sendS3Error(request, response, error instanceof S3Error ? error : unexpected(error));
    }
}

function requestIdHeaders(): Record<string, string> {
    return {
        "x-amz-request-id": randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase(),
        "x-amz-id-2": randomBytes(48).toString("base64"),
    };
}

function unexpected(error: unknown): S3Error {
    console.error("lambda-layer-emulator: unexpected S3 error:", error);
    return new S3Error(500, "InternalError", `The emulator failed: ${(error as Error)?.message ?? String(error)}`);
}

/** Writes an S3 error (no body for HEAD, as S3 does) and drops whatever of the body is still coming. */
export function sendS3Error(request: IncomingMessage, response: ServerResponse, error: S3Error): void {
    const ids = requestIdHeaders();
    const headers: Record<string, string | number> = { ...ids, ...error.headers };
    let body: string | undefined;
    if (request.method !== "HEAD") {
        const details = Object.entries(error.details)
            .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
            .join("");
        body =
            `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message>` +
            `${details}<RequestId>${ids["x-amz-request-id"]}</RequestId><HostId>${ids["x-amz-id-2"]}</HostId></Error>`;
        headers["Content-Type"] = "application/xml";
        headers["Content-Length"] = Buffer.byteLength(body);
    }
    response.writeHead(error.status, headers);
    response.end(body);
    if (!request.readableEnded) discardRestOfBody(request, REFUSED_BODY_DISCARD_LIMIT_BYTES);
}
