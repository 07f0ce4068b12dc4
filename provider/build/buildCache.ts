/**
 * Built trees kept on this machine by their build fingerprint, so that a `create` whose inputs were built
 * before (a replaced version put back, another stack with the same lockfile) does not build again. A tree
 * is built in a temp folder beside the cache and renamed into place only once complete and scanned: a
 * folder there is always whole, and of two concurrent builds of the same fingerprint, the first rename
 * wins and the other's tree is removed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { providerStateDirectory } from "../local/stateDirectory";

/** `PULUMI_LAMBDA_LAYER_BUILD_DIR`, else `builds/` in the provider's state directory. */
export function buildCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
    return env.PULUMI_LAMBDA_LAYER_BUILD_DIR
        ? path.resolve(env.PULUMI_LAMBDA_LAYER_BUILD_DIR)
        : path.join(providerStateDirectory(env), "builds");
}

/**
 * The folder that holds the tree built for `fingerprint` (a hex hash): taken from the cache, or made by
 * `build` (given an empty folder to fill, on the same file system) and then renamed into place.
 */
export async function cachedBuild(
    fingerprint: string,
    build: (treeDir: string) => Promise<void>,
): Promise<{ treeDir: string; built: boolean }> {
    const root = buildCacheDirectory();
    const treeDir = path.join(root, fingerprint);
    if (fs.existsSync(treeDir)) {
        return { treeDir, built: false };
    }
    await fs.promises.mkdir(root, { recursive: true });
    const workDir = await fs.promises.mkdtemp(path.join(root, `.building-${fingerprint.slice(0, 12)}-`));
    try {
        const fresh = path.join(workDir, "tree");
        await fs.promises.mkdir(fresh);
        await build(fresh);
        try {
            await fs.promises.rename(fresh, treeDir);
        } catch (error) {
            // Another run renamed the same build into place first: its tree is as good as this one.
            const code = (error as NodeJS.ErrnoException).code;
            if (!(code === "ENOTEMPTY" || code === "EEXIST") || !fs.existsSync(treeDir)) throw error;
        }
        return { treeDir, built: true };
    } finally {
        await fs.promises.rm(workDir, { recursive: true, force: true });
    }
}
