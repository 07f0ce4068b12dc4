/**
 * The HTTP side of the emulator: routes each request, counts it, injects faults, reads bodies within
 * Lambda's limit, runs the operation and writes the answer (or the error) in AWS's wire format.
 * Also serves the archive downloads behind `Content.Location` links. Requests outside the Lambda
 * API's `/2018-10-31/` paths, and every virtual-host request, go to the S3 subset.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from "node:http";
import type { DownloadLinkSigner } from "../api/downloadLinks";
import { ApiError } from "../api/errors";
import {
    discardRestOfBody,
    readBodyWithin,
    REFUSED_BODY_DISCARD_LIMIT_BYTES,
    REQUEST_BODY_LIMIT_BYTES,
} from "./httpBody";
import { OPERATIONS_WITH_BODY, runOperation } from "../api/operations";
import { regionOfRequest } from "./requestRegion";
import { isLambdaPath, matchRoute, type OperationName } from "./routes";
import type { LayerStore } from "../storage/store";
import type { ObjectStore } from "../s3/objectStore";
import type { S3OperationName } from "../s3/operations";
import { S3Error } from "../s3/s3Errors";
import { matchS3Route, virtualHostBucket } from "./s3Routes";
import { sendS3Error, serveS3 } from "./s3Server";
import type { CpuWorker } from "../worker/cpuWorker";

/** What the request handler serves from. */
export interface ServerServices {
    store: LayerStore;
    /** The S3 subset's buckets and objects. */
    objects: ObjectStore;
    links: DownloadLinkSigner;
    /** Where the CPU-heavy steps of the layer operations run, off the event loop. */
    cpuWorker: CpuWorker;
    accountId: string;
    /** The host the emulator listens on: `<bucket>.<host>` names a bucket when it is a host name. */
    host: string;
    /** Called once for every API request, faulted or not, before it is served. */
    countRequest(operation: OperationName | S3OperationName): void;
    /** The injected error for the next API request, or undefined to serve it. */
    nextFault(): ApiError | undefined;
}

export function createRequestListener(services: ServerServices): RequestListener {
    return (request, response) => {
        serve(request, response, services).catch((error: unknown) => {
            // Only a broken connection gets here (e.g. the client left mid-body): nobody to answer.
            if (!response.headersSent) response.destroy(error as Error);
        });
    };
}

async function serve(request: IncomingMessage, response: ServerResponse, services: ServerServices): Promise<void> {
    const method = request.method ?? "GET";
    const url = new URL(request.url ?? "/", "http://emulator");
    if (!isLambdaPath(url.pathname) || virtualHostBucket(request.headers.host, services.host) !== undefined) {
        const s3Route = matchS3Route(method, request.url ?? "/", request.headers.host, services.host);
        if (s3Route instanceof S3Error) sendS3Error(request, response, s3Route);
        else await serveS3(request, response, s3Route, services);
        return;
    }
    const route = matchRoute(method, url.pathname, url.searchParams);
    if (!route) {
        sendError(
            response,
            new ApiError("UnknownOperationException", `No layer API operation at ${method} ${url.pathname}.`),
        );
        return;
    }
    if (route.kind === "download") {
        await serveDownload(route.token, request, response, services);
        return;
    }
    services.countRequest(route.operation);
    const fault = services.nextFault();
    if (fault) {
        sendError(response, fault);
        return;
    }
    let body: Buffer = Buffer.alloc(0);
    if (OPERATIONS_WITH_BODY.has(route.operation)) {
        const read = await readBodyWithin(request, REQUEST_BODY_LIMIT_BYTES);
        if (!read) {
            refuseOversizedBody(request, response, route.operation);
            return;
        }
        body = read;
    }
    try {
        const result = await runOperation(
            { route, query: url.searchParams, body },
            {
                store: services.store,
                objects: services.objects,
                links: services.links,
                cpuWorker: services.cpuWorker,
                accountId: services.accountId,
                region: regionOfRequest(request.headers.authorization),
                baseUrl: baseUrlOf(request),
                now: new Date(),
            },
        );
        sendJson(response, result.status, result.body);
    } catch (error) {
        sendError(response, error instanceof ApiError ? error : unexpected(error));
    }
}

/** Where the client reached the emulator: download links must work from the same place. */
function baseUrlOf(request: IncomingMessage): string {
    if (request.headers.host) return `http://${request.headers.host}`;
    const { localAddress = "127.0.0.1", localPort } = request.socket;
    return `http://${localAddress.includes(":") ? `[${localAddress}]` : localAddress}:${localPort}`;
}

function unexpected(error: unknown): ApiError {
    console.error("lambda-layer-emulator: unexpected error:", error);
    return new ApiError("ServiceException", `The emulator failed: ${(error as Error)?.message ?? String(error)}`);
}

/** Answers 413 as soon as the body passes the limit, holding none of the rest (see discardRestOfBody). */
function refuseOversizedBody(request: IncomingMessage, response: ServerResponse, operation: OperationName): void {
    const error = new ApiError(
        "RequestEntityTooLargeException",
        `Request must be smaller than ${REQUEST_BODY_LIMIT_BYTES} bytes for the ${operation} operation`,
    );
    sendError(response, error);
    discardRestOfBody(request, REFUSED_BODY_DISCARD_LIMIT_BYTES);
}

async function serveDownload(
    token: string,
    request: IncomingMessage,
    response: ServerResponse,
    services: ServerServices,
): Promise<void> {
    const verdict = services.links.verify(token, Date.now());
    if ("refusal" in verdict) {
        // Answered the way S3 answers an expired or tampered pre-signed URL.
        const [code, message] =
            verdict.refusal === "expired"
                ? ["AccessDenied", "Request has expired"]
                : [
                      "SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you provided.",
                  ];
        sendS3Error(request, response, new S3Error(403, code, message));
        return;
    }
    const { region, layerName, version } = verdict.target;
    const archive = await services.store.readArchive({ region, name: layerName }, version);
    if (!archive) {
        sendS3Error(request, response, new S3Error(404, "NoSuchKey", "The specified key does not exist."));
        return;
    }
    response.writeHead(200, { "Content-Type": "application/zip", "Content-Length": archive.length });
    response.end(archive);
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    response.writeHead(status, {
        "x-amzn-RequestId": randomUUID(),
        ...(payload ? { "Content-Type": "application/json", "Content-Length": payload.length } : {}),
        ...headers,
    });
    response.end(payload);
}

function sendError(response: ServerResponse, error: ApiError, headers: OutgoingHttpHeaders = {}): void {
    sendJson(response, error.status, error.body(), { "x-amzn-ErrorType": error.type, ...headers });
}
