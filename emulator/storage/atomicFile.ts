/**
 * File changes that survive a crash or power loss at any moment: a file is written to a temporary
 * name, flushed, then renamed over its target, and the directory is flushed so the rename itself
 * is on disk. A reader sees the old content or the new, never a part.
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Temporary files start with a dot and end with this, so that start-up can sweep leftovers. */
export const TEMPORARY_SUFFIX = ".tmp";

export async function writeFileDurably(path: string, data: Buffer | string): Promise<void> {
    const directory = dirname(path);
    const temporary = join(directory, `.${basename(path)}.${randomUUID()}${TEMPORARY_SUFFIX}`);
    const handle = await open(temporary, "w");
    try {
        await handle.writeFile(data);
        await handle.sync();
    } finally {
        await handle.close();
    }
    await rename(temporary, path);
    await syncDirectory(directory);
}

export async function removeFileDurably(path: string): Promise<void> {
    await rm(path, { force: true });
    await syncDirectory(dirname(path));
}

/** Creates `directory` and any missing parents, flushing each parent that gained an entry. */
export async function makeDirectoryDurably(directory: string): Promise<void> {
    const firstCreated = await mkdir(directory, { recursive: true });
    if (firstCreated === undefined) return;
    for (let created = directory; ; created = dirname(created)) {
        await syncDirectory(dirname(created));
        if (created === firstCreated) break;
    }
}

async function syncDirectory(directory: string): Promise<void> {
    const handle = await open(directory, "r");
    try {
        await handle.sync();
    } finally {
        await handle.close();
    }
}
