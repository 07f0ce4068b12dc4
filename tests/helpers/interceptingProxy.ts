/**
 * An HTTP proxy in front of the emulator that can stop a request at an exact point: hold it unanswered
 * (while the test kills the client), pass it on after the client is gone, or pass it on and lose the
 * answer, as a network failure after AWS acted would. The emulator itself only faults before acting.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * What to do with one request: `forward` it; `hold` it without ever answering; `deliver-unanswered`:
 * pass it on, then leave the client without an answer; `lose-answer`: pass it on, then answer the
 * client with a 500 ServiceException instead of the real answer; a {@link CannedAnswer}: answer it
 * so, without passing it on (a refusal the emulator cannot make, such as an IAM or KMS denial).
 */
export type Interception = "forward" | "hold" | "deliver-unanswered" | "lose-answer" | CannedAnswer;

/** An answer the proxy gives in place of the target's. */
export interface CannedAnswer {
    status: number;
    headers: Record<string, string>;
    body: string;
}

/** Decides per request; may do things first (kill the client, say) and resolves when they are done. */
export type Interceptor = (request: { method: string; path: string }) => Promise<Interception> | Interception;

export interface InterceptingProxy {
    endpoint: string;
    close(): Promise<void>;
}

export async function startInterceptingProxy(target: string, intercept: Interceptor): Promise<InterceptingProxy> {
    const sockets = new Set<import("node:net").Socket>();
    // Requests being handled: close() waits for them, so that what was passed on has reached the target
    // (and its effect can be seen) by the time a test goes on.
    const handling = new Set<Promise<void>>();
    const server = http.createServer((request, response) => {
        const handled = handle(request, response).catch(() => undefined);
        handling.add(handled);
        void handled.finally(() => handling.delete(handled));
    });
    async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
        const body = await readAll(request);
        const interception = await intercept({ method: request.method ?? "GET", path: request.url ?? "/" });
        if (interception === "hold") return;
        if (typeof interception === "object") {
            response.writeHead(interception.status, interception.headers);
            response.end(interception.body);
            return;
        }
        const answer = forward(target, request, body);
        if (interception === "deliver-unanswered") {
            await answer;
            return;
        }
        const { status, headers, payload } = await answer;
        if (interception === "lose-answer") {
            const lost = JSON.stringify({ Type: "Service", message: "The answer was lost (intercepting proxy)." });
            response.writeHead(500, {
                "Content-Type": "application/json",
                "x-amzn-ErrorType": "ServiceException",
                "x-amzn-RequestId": "lost-answer",
            });
            response.end(lost);
            return;
        }
        response.writeHead(status, headers);
        response.end(payload);
    }
    server.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: async () => {
            await Promise.all(handling);
            await new Promise<void>((resolve) => {
                for (const socket of sockets) socket.destroy();
                server.close(() => resolve());
            });
        },
    };
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => resolve(Buffer.concat(chunks)));
        stream.on("error", reject);
        // A client killed mid-body never ends its stream; closing it settles this (after "end", a no-op).
        stream.on("close", () => reject(new Error("the stream closed before its end")));
    });
}

function forward(
    target: string,
    request: http.IncomingMessage,
    body: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; payload: Buffer }> {
    return new Promise((resolve, reject) => {
        const outgoing = http.request(
            new URL(request.url ?? "/", target),
            { method: request.method, headers: request.headers },
            (answer) => {
                readAll(answer).then(
                    (payload) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, payload }),
                    reject,
                );
            },
        );
        outgoing.on("error", reject);
        outgoing.end(body);
    });
}
