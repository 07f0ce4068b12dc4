/**
 * A tiny HTTP server that answers with canned responses, for endpoints that answer differently from the
 * emulator (another local mock, a misrouted endpoint). It records every request it receives.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One canned answer. */
export interface FixtureAnswer {
    status: number;
    headers?: Record<string, string>;
    body?: string;
}

/** A request as the server saw it: the method and the raw (still URL-encoded) path with its query. */
export interface FixtureRequest {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
}

export interface FixtureServer {
    endpoint: string;
    requests: FixtureRequest[];
    close(): Promise<void>;
}

/** Starts a server on a free local port; `answer` decides each response from the request. */
export async function startFixtureServer(answer: (request: FixtureRequest) => FixtureAnswer): Promise<FixtureServer> {
    const requests: FixtureRequest[] = [];
    const server = createServer((incoming, response) => {
        incoming.resume();
        incoming.on("end", () => {
            const request = { method: incoming.method ?? "", url: incoming.url ?? "", headers: incoming.headers };
            requests.push(request);
            const { status, headers, body } = answer(request);
            response.writeHead(status, headers);
            response.end(body ?? "");
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests,
        close: () =>
            new Promise((resolve, reject) => {
                server.close((error) => (error ? reject(error) : resolve()));
                server.closeAllConnections();
            }),
    };
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): FixtureAnswer {
    return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}
