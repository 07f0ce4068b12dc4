/** Where the provider keeps its files on this machine (digest cache, publish journal). */
import * as os from "node:os";
import * as path from "node:path";

/** `$XDG_CACHE_HOME/pulumi-lambda-layer` (when absolute), else `~/.cache/pulumi-lambda-layer`. Pure but for the home dir. */
export function providerStateDirectory(env: NodeJS.ProcessEnv = process.env): string {
    const cacheHome =
        env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)
            ? env.XDG_CACHE_HOME
            : path.join(os.homedir(), ".cache");
    return path.join(cacheHome, "pulumi-lambda-layer");
}
