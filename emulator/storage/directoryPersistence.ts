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
 *
 * A file damaged by something else (truncated by a full disk, edited by hand) is skipped on purpose at
 * start-up, with a line on stderr naming it and why: the version it held is not served, its files are
 * kept for a human to look at, and its number is never given out again.
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
            const number = Number(match[1]);
            recorded.add(number); // damaged or not: its archive stays, and its number is taken
            const record = await readJson(join(folder, file), (value) => recordProblem(value, number));
            if (record) versions.push(record as LayerVersionRecord);
        }
        await this.sweepLeftovers(folder, files, recorded);
        const counter = files.includes(LAST_VERSION_FILE)
            ? ((await readJson(join(folder, LAST_VERSION_FILE), counterProblem)) as { lastVersion: number } | undefined)
                  ?.lastVersion
            : undefined;
        const lastVersion = Math.max(counter ?? 0, ...recorded);
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

/**
 * The JSON in `file`, or `undefined` (with a line on stderr naming the file and the problem) when it
 * cannot be parsed or `problem` finds it has the wrong shape.
 */
async function readJson(file: string, problem: (value: unknown) => string | undefined): Promise<unknown> {
    let reason: string | undefined;
    let value: unknown;
    try {
        value = JSON.parse(await readFile(file, "utf8"));
        reason = problem(value);
    } catch (error) {
        reason = (error as Error).message;
    }
    if (reason === undefined) return value;
    console.error(`lambda-layer-emulator: skipping the damaged file ${file} (${reason}); it is kept as it is`);
    return undefined;
}

/** What is wrong with a version record that should hold version `number`, if anything. */
function recordProblem(value: unknown, number: number): string | undefined {
    const record = value as Partial<Record<keyof LayerVersionRecord, unknown>> | null;
    if (typeof record !== "object" || record === null) return "not an object";
    if (record.version !== number) return `its version is ${JSON.stringify(record.version)}, not ${number}`;
    for (const field of ["createdDate", "description", "codeSha256"] as const) {
        if (typeof record[field] !== "string") return `${field} is not a string`;
    }
    if (!Number.isSafeInteger(record.codeSize)) return "codeSize is not a whole number";
    return undefined;
}

function counterProblem(value: unknown): string | undefined {
    const lastVersion = (value as { lastVersion?: unknown } | null)?.lastVersion;
    return Number.isSafeInteger(lastVersion) ? undefined : "lastVersion is not a whole number";
}

async function subfolders(folder: string, allowedName: RegExp): Promise<string[]> {
    const entries = await readdir(folder, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory() && allowedName.test(entry.name)).map((entry) => entry.name);
}
