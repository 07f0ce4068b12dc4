/** The Persistence of an in-memory emulator: only the archives need a home; nothing outlives the process. */
import type { LayerKey, LayerVersionRecord, PersistedLayer, Persistence } from "./store";

export class MemoryPersistence implements Persistence {
    private readonly archives = new Map<string, Buffer>();

    async load(): Promise<PersistedLayer[]> {
        return [];
    }

    async saveLastVersion(): Promise<void> {}

    async saveVersion(key: LayerKey, record: LayerVersionRecord, archive?: Buffer): Promise<void> {
        if (archive) this.archives.set(archiveKey(key, record.version), archive);
    }

    async deleteVersion(key: LayerKey, version: number): Promise<void> {
        this.archives.delete(archiveKey(key, version));
    }

    async readArchive(key: LayerKey, version: number): Promise<Buffer | undefined> {
        return this.archives.get(archiveKey(key, version));
    }
}

function archiveKey(key: LayerKey, version: number): string {
    return `${key.region}/${key.name}/${version}`;
}
