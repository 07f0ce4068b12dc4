/**
 * A local emulator of the AWS Lambda layers API (PublishLayerVersion, GetLayerVersion,
 * GetLayerVersionByArn, ListLayers, ListLayerVersions, DeleteLayerVersion,
 * AddLayerVersionPermission, GetLayerVersionPolicy, RemoveLayerVersionPermission), speaking the
 * REST protocol that @aws-sdk/client-lambda and the AWS CLI use. Point a client at it with
 * `AWS_ENDPOINT_URL_LAMBDA=<endpoint>` (or the client's `endpoint` / `--endpoint-url` setting).
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DirectoryPersistence } from "./storage/directoryPersistence";
import { DownloadLinkSigner } from "./api/downloadLinks";
import { createFaultInjector } from "./http/faults";
import { MemoryPersistence } from "./storage/memoryPersistence";
import { DEFAULT_ACCOUNT_ID, DEFAULT_HOST, optionProblems, type EmulatorOptions } from "./options";
import { createRequestListener } from "./http/server";
import { LayerStore } from "./storage/store";

export type { EmulatorOptions } from "./options";
export type { OperationName } from "./http/routes";

/** A running emulator. */
export interface RunningEmulator {
    /** The base URL to give clients, e.g. `http://127.0.0.1:4566` (no trailing slash). */
    endpoint: string;
    /** Stops accepting connections, closes idle ones and resolves once in-flight requests are answered. */
    close(): Promise<void>;
    /**
     * How many API requests each operation received since start (or the last reset), keyed by
     * operation name (an {@link OperationName}), e.g. `{ PublishLayerVersion: 1, AddLayerVersionPermission: 2 }`.
     * Operations never called are absent. Every request counts, including SDK retries, requests answered with
     * an error and requests failed by fault injection; downloads of `Content.Location` links do not.
     * Returns a copy.
     */
    requestCounts(): Record<string, number>;
    /** Sets every count back to zero, e.g. between the steps of a test. */
    resetRequestCounts(): void;
}

/**
 * Starts the emulator and resolves once it accepts connections.
 *
 * @param options where to listen, where to keep data (omit `dataDir` for memory only), the
 *   account id, and fault injection. All optional.
 * @throws RangeError naming every invalid option.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
    const problems = optionProblems(options);
    if (problems.length > 0) {
        throw new RangeError(
            `Invalid emulator options: ${problems.map((p) => `${p.option} ${p.problem}`).join("; ")}.`,
        );
    }
    const host = options.host ?? DEFAULT_HOST;
    const persistence =
        options.dataDir === undefined ? new MemoryPersistence() : new DirectoryPersistence(options.dataDir);
    const store = await LayerStore.open(persistence, options.codeStorageLimitBytes);
    let counts: Record<string, number> = {};
    const server = createServer(
        createRequestListener({
            store,
            // A fresh key per start: like AWS's pre-signed URLs, links are short-lived and not kept.
            links: new DownloadLinkSigner(randomBytes(32)),
            accountId: options.accountId ?? DEFAULT_ACCOUNT_ID,
            countRequest: (operation) => {
                counts[operation] = (counts[operation] ?? 0) + 1;
            },
            nextFault: createFaultInjector(options.faultRate ?? 0, options.faultSeed ?? 0),
        }),
    );
    const port = await listen(server, host, options.port ?? 0);
    return {
        endpoint: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
        close: () => close(server),
        requestCounts: () => ({ ...counts }),
        resetRequestCounts: () => {
            counts = {};
        },
    };
}

function listen(server: Server, host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
            server.off("error", reject);
            resolve((server.address() as AddressInfo).port);
        });
    });
}

function close(server: Server): Promise<void> {
    return new Promise((resolve, reject) => {
        if (!server.listening) {
            resolve();
            return;
        }
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
    });
}
