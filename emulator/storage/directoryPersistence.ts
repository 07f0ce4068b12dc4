/**
 * The Persistence of an emulator with a data directory. One folder per layer:
 *
 *     <dataDir>/<region>/<layerName>/last-version.json   {"lastVersion": 7}: never goes back
 *     <dataDir>/<region>/<layerName>/<version>.zip        the archive
 *     <dataDir>/<region>/<layerName>/<version>.json       the version's record and policy
 *
 * Every file is replaced atomically (see atomicFile.ts). A version exists once its `.json` exists:
 * the archive is written before it and deleted after it, so a kill at any moment leaves either a
 * whole version or an orphan archive (swept at start-up), never a version without its archive.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { makeDirectoryDurably, removeFileDurably, TEMPORARY_SUFFIX, writeFileDurably } from "./atomicFile";
import type { LayerKey, LayerVersionRecord, PersistedLayer, Persistence } from "./store";

const LAST_VERSION_FILE = "last-version.json";
const REGION_FOLDER = /^[a-z0-9-]+$/;
const LAYER_FOLDER = /^[a-zA-Z0-9_-]+$/;
const VERSION_FILE = /^(\d+)\.(json|zip)$/;

export class DirectoryPersistence implements Persistence {
    constructor(private readonly dataDir: string) {}

    async load(): Promise<PersistedLayer[]> {
        await makeDirectoryDurably(this.dataDir);
        const layers: PersistedLayer[] = [];
        for (const region of await subfolders(this.dataDir, REGION_FOLDER)) {
            for (const name of await subfolders(join(this.dataDir, region), LAYER_FOLDER)) {
                layers.push(await this.loadLayer({ region, name }));
            }
        }
        return layers;
    }

    async saveLastVersion(key: LayerKey, lastVersion: number): Promise<void> {
        await makeDirectoryDurably(this.folder(key));
        await writeFileDurably(join(this.folder(key), LAST_VERSION_FILE), JSON.stringify({ lastVersion }));
    }

    async saveVersion(key: LayerKey, record: LayerVersionRecord, archive?: Buffer): Promise<void> {
        if (archive) await writeFileDurably(this.archivePath(key, record.version), archive);
        await writeFileDurably(this.recordPath(key, record.version), JSON.stringify(record));
    }

    async deleteVersion(key: LayerKey, version: number): Promise<void> {
        await removeFileDurably(this.recordPath(key, version));
        await removeFileDurably(this.archivePath(key, version));
    }

    async readArchive(key: LayerKey, version: number): Promise<Buffer | undefined> {
        try {
            return await readFile(this.archivePath(key, version));
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
            throw error;
        }
    }

    private async loadLayer(key: LayerKey): Promise<PersistedLayer> {
        const folder = this.folder(key);
        const files = await readdir(folder);
        const recorded = new Set<number>();
        const versions: LayerVersionRecord[] = [];
        for (const file of files) {
            const match = VERSION_FILE.exec(file);
            if (match?.[2] !== "json") continue;
            versions.push(JSON.parse(await readFile(join(folder, file), "utf8")) as LayerVersionRecord);
            recorded.add(Number(match[1]));
        }
        await this.sweepLeftovers(folder, files, recorded);
        const counter = files.includes(LAST_VERSION_FILE)
            ? (JSON.parse(await readFile(join(folder, LAST_VERSION_FILE), "utf8")) as { lastVersion: number })
                  .lastVersion
            : 0;
        const lastVersion = Math.max(counter, ...versions.map((record) => record.version));
        return { key, lastVersion, versions };
    }

    /** Removes what a crash mid-change left behind: temporary files and archives of unrecorded versions. */
    private async sweepLeftovers(folder: string, files: string[], recorded: Set<number>): Promise<void> {
        for (const file of files) {
            const match = VERSION_FILE.exec(file);
            const orphanArchive = match?.[2] === "zip" && !recorded.has(Number(match[1]));
            const temporary = file.startsWith(".") && file.endsWith(TEMPORARY_SUFFIX);
            if (orphanArchive || temporary) await removeFileDurably(join(folder, file));
        }
    }

    private folder(key: LayerKey): string {
        return join(this.dataDir, key.region, key.name);
    }

    private archivePath(key: LayerKey, version: number): string {
        return join(this.folder(key), `${version}.zip`);
    }

    private recordPath(key: LayerKey, version: number): string {
        return join(this.folder(key), `${version}.json`);
    }
}

async function subfolders(folder: string, allowedName: RegExp): Promise<string[]> {
    const entries = await readdir(folder, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory() && allowedName.test(entry.name)).map((entry) => entry.name);
}
