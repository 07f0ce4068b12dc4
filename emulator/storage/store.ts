/**
 * The emulator's state: layers per region, their versions and policies, and the version counter
 * that never goes back. The index lives in memory; a Persistence (memory or a data directory) keeps
 * the archives and makes every change durable before it becomes visible and before it is answered.
 */
import { ApiError } from "../api/errors";
import type { LayerPolicy } from "../api/policyDocument";

/** A layer as the store knows it: the region it lives in and its name (the account is the emulator's). */
export interface LayerKey {
    region: string;
    name: string;
}

/** What the store keeps about one layer version (its archive is kept by the Persistence). */
export interface LayerVersionRecord {
    version: number;
    /** AWS's format, e.g. `2018-11-14T23:03:52.894+0000`. */
    createdDate: string;
    description: string;
    licenseInfo?: string;
    compatibleRuntimes?: string[];
    compatibleArchitectures?: string[];
    /** Base64 of the sha256 of the archive. */
    codeSha256: string;
    codeSize: number;
    policy?: LayerPolicy;
}

/** A layer's durable state, as loaded at start-up. */
export interface PersistedLayer {
    key: LayerKey;
    /** The highest version number ever given out, deleted or not. */
    lastVersion: number;
    versions: LayerVersionRecord[];
}

/** Where the store's changes go. Every method resolves only once the change is durable. */
export interface Persistence {
    load(): Promise<PersistedLayer[]>;
    saveLastVersion(key: LayerKey, lastVersion: number): Promise<void>;
    /** Saves a version's record; with `archive` (on publish) the archive is saved first. */
    saveVersion(key: LayerKey, record: LayerVersionRecord, archive?: Buffer): Promise<void>;
    deleteVersion(key: LayerKey, version: number): Promise<void>;
    readArchive(key: LayerKey, version: number): Promise<Buffer | undefined>;
}

/** A version to publish: everything but the number, which the store gives out. */
export type NewLayerVersion = Omit<LayerVersionRecord, "version" | "policy">;

interface LayerState {
    lastVersion: number;
    versions: Map<number, LayerVersionRecord>;
}

/** 75 GB: Lambda's default code storage quota per region. */
export const DEFAULT_CODE_STORAGE_LIMIT_BYTES = 75 * 1024 ** 3;

function keyString(key: LayerKey): string {
    return `${key.region}/${key.name}`;
}

export class LayerStore {
    private readonly layers = new Map<string, LayerState>();
    /** Changes run one at a time, so that counters, revisions and files never interleave. */
    private changes: Promise<unknown> = Promise.resolve();

    private constructor(
        private readonly persistence: Persistence,
        private readonly codeStorageLimitBytes: number,
    ) {}

    /** A store over `persistence`, with what it already holds. */
    static async open(
        persistence: Persistence,
        codeStorageLimitBytes = DEFAULT_CODE_STORAGE_LIMIT_BYTES,
    ): Promise<LayerStore> {
        const store = new LayerStore(persistence, codeStorageLimitBytes);
        for (const layer of await persistence.load()) {
            store.layers.set(keyString(layer.key), {
                lastVersion: layer.lastVersion,
                versions: new Map(layer.versions.map((record) => [record.version, record])),
            });
        }
        return store;
    }

    version(key: LayerKey, version: number): LayerVersionRecord | undefined {
        return this.layers.get(keyString(key))?.versions.get(version);
    }

    /** The layer's live versions, newest first. */
    versions(key: LayerKey): LayerVersionRecord[] {
        const versions = [...(this.layers.get(keyString(key))?.versions.values() ?? [])];
        return versions.sort((a, b) => b.version - a.version);
    }

    /** The names of the region's layers that have at least one live version, sorted. */
    layerNames(region: string): string[] {
        const prefix = `${region}/`;
        return [...this.layers.entries()]
            .filter(([key, layer]) => key.startsWith(prefix) && layer.versions.size > 0)
            .map(([key]) => key.slice(prefix.length))
            .sort();
    }

    readArchive(key: LayerKey, version: number): Promise<Buffer | undefined> {
        return this.persistence.readArchive(key, version);
    }

    /** Publishes the next version of a layer: the number is never reused, even after a failure. */
    publish(key: LayerKey, content: NewLayerVersion, archive: Buffer): Promise<LayerVersionRecord> {
        return this.exclusively(async () => {
            const stored = this.storedCodeBytes(key.region);
            if (stored + content.codeSize > this.codeStorageLimitBytes) {
                throw new ApiError(
                    "CodeStorageExceededException",
                    `Code storage limit exceeded: ${stored} bytes stored, ${content.codeSize} more would pass the limit of ${this.codeStorageLimitBytes} bytes.`,
                );
            }
            const layer = this.layerState(key);
            const record: LayerVersionRecord = { ...content, version: layer.lastVersion + 1 };
            // The counter is durable before the version, so a crash in between burns the number
            // instead of handing it out twice.
            await this.persistence.saveLastVersion(key, record.version);
            layer.lastVersion = record.version;
            await this.persistence.saveVersion(key, record, archive);
            layer.versions.set(record.version, record);
            return record;
        });
    }

    /** Deletes a version; a version that does not exist is already deleted. */
    deleteVersion(key: LayerKey, version: number): Promise<void> {
        return this.exclusively(async () => {
            const layer = this.layers.get(keyString(key));
            if (!layer?.versions.has(version)) return;
            await this.persistence.deleteVersion(key, version);
            layer.versions.delete(version);
        });
    }

    /**
     * Replaces a version's policy with `change(current)` (which may throw to refuse). Resolves to
     * the new policy, or to undefined when the version does not exist.
     */
    changePolicy(
        key: LayerKey,
        version: number,
        change: (current: LayerPolicy | undefined) => LayerPolicy | undefined,
    ): Promise<{ policy: LayerPolicy | undefined } | undefined> {
        return this.exclusively(async () => {
            const current = this.version(key, version);
            if (!current) return undefined;
            const policy = change(current.policy);
            const record: LayerVersionRecord = { ...current, policy };
            if (!policy) delete record.policy;
            await this.persistence.saveVersion(key, record);
            this.layerState(key).versions.set(version, record);
            return { policy };
        });
    }

    private storedCodeBytes(region: string): number {
        let total = 0;
        for (const [key, layer] of this.layers) {
            if (!key.startsWith(`${region}/`)) continue;
            for (const record of layer.versions.values()) total += record.codeSize;
        }
        return total;
    }

    private layerState(key: LayerKey): LayerState {
        let layer = this.layers.get(keyString(key));
        if (!layer) {
            layer = { lastVersion: 0, versions: new Map() };
            this.layers.set(keyString(key), layer);
        }
        return layer;
    }

    private exclusively<T>(change: () => Promise<T>): Promise<T> {
        const result = this.changes.then(change);
        this.changes = result.catch(() => undefined);
        return result;
    }
}
