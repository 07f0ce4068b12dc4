/**
 * A local emulator of the AWS Lambda layers API (PublishLayerVersion, GetLayerVersion,
 * GetLayerVersionByArn, ListLayers, ListLayerVersions, DeleteLayerVersion,
 * AddLayerVersionPermission, GetLayerVersionPolicy, RemoveLayerVersionPermission), speaking the
 * REST protocol that @aws-sdk/client-lambda and the AWS CLI use, and of the S3 subset that staging
 * a layer through S3 needs (buckets, objects, multipart uploads, checksums) on the same endpoint.
 * Point clients at it with `AWS_ENDPOINT_URL=<endpoint>` (or a client's `endpoint` /
 * `--endpoint-url` setting).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DirectoryPersistence } from "./storage/directoryPersistence";
import { DownloadLinkSigner } from "./api/downloadLinks";
import { createFaultInjector } from "./http/faults";
import { MemoryPersistence } from "./storage/memoryPersistence";
import { DEFAULT_ACCOUNT_ID, DEFAULT_HOST, optionProblems, type EmulatorOptions } from "./options";
import { createRequestListener } from "./http/server";
import { LayerStore } from "./storage/store";
import { ObjectStore } from "./s3/objectStore";
import { CpuWorker } from "./worker/cpuWorker";

export type { EmulatorOptions } from "./options";
export type { OperationName } from "./http/routes";
export type { S3OperationName } from "./s3/operations";

/** Where a data directory keeps the S3 subset; not a region name, so the layer store never reads it. */
const S3_FOLDER = "_s3";

/** A running emulator. */
export interface RunningEmulator {
    /** The base URL to give clients, e.g. `http://127.0.0.1:4566` (no trailing slash). */
    endpoint: string;
    /** Stops accepting connections, closes idle ones and resolves once in-flight requests are answered. */
    close(): Promise<void>;
    /**
     * How many API requests each operation received since start (or the last reset), keyed by
     * operation name (an {@link OperationName} or {@link S3OperationName}), e.g.
     * `{ PublishLayerVersion: 1, AddLayerVersionPermission: 2, PutObject: 1 }`.
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
    // Without a data directory, object bytes still go to files (never whole in memory), in a
    // scratch folder removed on close.
    const objects =
        options.dataDir === undefined
            ? await ObjectStore.open(await mkdtemp(join(tmpdir(), "lambda-layer-emulator-s3-")), false)
            : await ObjectStore.open(join(options.dataDir, S3_FOLDER), true);
    const cpuWorker = new CpuWorker();
    let counts: Record<string, number> = {};
    const server = createServer(
        createRequestListener({
            store,
            objects,
            host,
            // A fresh key per start: like AWS's pre-signed URLs, links are short-lived and not kept.
            links: new DownloadLinkSigner(randomBytes(32)),
            cpuWorker,
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
        close: async () => {
            await close(server);
            await cpuWorker.close();
            await objects.close();
        },
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
