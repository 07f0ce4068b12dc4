/**
 * Reusing a listing from the digest cache. Listing a big tree with fast-glob costs more than everything
 * else a no-op `check` does; the kept listing costs a stat per directory it depends on and a realpath
 * per link instead. It is reused only when all of them are as they were (sourceFiles.ts,
 * ListingDependencies); anything else lists the tree again.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { presenceRows } from "./fileStats";
import { cachedPaths, type DigestCache } from "../hashing/hashCache";
import { listedFile, checkedPrefix, sourceRootPrefix, type ListedFile } from "./sourceFiles";
import type { LayerSource } from "../types";

/**
 * The files of `source` as `cache` (the digest cache of these patterns) listed them, or `undefined` when
 * it kept no listing or the tree may have changed shape since.
 */
export function reusableListing(source: LayerSource, baseDir: string, cache: DigestCache): ListedFile[] | undefined {
    const kept = cache.listing;
    if (kept === undefined) {
        return undefined;
    }
    const root = path.resolve(baseDir, source.path);
    const { rootRealPath, links, directories } = kept.dependencies;
    const unchanged =
        realPathOf(root) === rootRealPath &&
        links.every(([link, target]) => realPathOf(link) === target) &&
        Buffer.from(presenceRows(directories)).equals(kept.directoryRows);
    if (!unchanged) {
        return undefined;
    }
    const rootPrefix = sourceRootPrefix(root);
    const prefix = checkedPrefix(source.prefix);
    return cachedPaths(cache).map((relativePath) => listedFile(relativePath, rootPrefix, prefix));
}

function realPathOf(filePath: string): string | undefined {
    try {
        return fs.realpathSync.native(filePath);
    } catch {
        return undefined;
    }
}
