/**
 * The two builds: `npm ci` and `pip install --target`, each run for the target platform in a temp folder
 * with copies of the files it installs from, its result moved where Lambda looks (`nodejs/node_modules/`,
 * `python/`). Errors name the layer and say what to do; pip's "no matching distribution" names the
 * package and the platform tags that were tried.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LayerBuild } from "../types";
import { npmArguments, pipArguments, pipPlatformTags, type BuildTarget } from "../rules/buildInputs";
import { BUILD_FILES } from "./buildFingerprint";
import { outputTail, runTool, ToolRunError } from "./toolRunner";
import { TOOL_COMMAND } from "./toolVersion";

/** Builds `build` (its path resolved already) for `target` into `treeDir` (empty); `workDir` is scratch space. */
export async function runBuild(
    layerName: string,
    build: LayerBuild,
    folder: string,
    target: BuildTarget,
    treeDir: string,
    workDir: string,
): Promise<void> {
    const files = BUILD_FILES[build.tool];
    for (const name of [...files.required, ...files.optional]) {
        if (fs.existsSync(path.join(folder, name))) {
            await fs.promises.copyFile(path.join(folder, name), path.join(workDir, name));
        }
    }
    const command = TOOL_COMMAND[build.tool];
    if (build.tool === "npm") {
        const args = [...npmArguments(target), ...(build.args ?? [])];
        await runTool(command.file, args, workDir, `layer "${layerName}": npm ${args.join(" ")}`);
        const installed = path.join(workDir, "node_modules");
        await fs.promises.mkdir(path.join(treeDir, "nodejs"));
        if (fs.existsSync(installed)) {
            await fs.promises.rename(installed, path.join(treeDir, "nodejs", "node_modules"));
        }
        return;
    }
    const args = [
        ...command.args,
        ...pipArguments(target, path.join(workDir, "requirements.txt"), path.join(treeDir, "python")),
        ...(build.args ?? []),
    ];
    await runTool(command.file, args, workDir, `layer "${layerName}": pip install`).catch((error: Error) => {
        throw error instanceof ToolRunError ? pipError(layerName, target, error) : error;
    });
}

/** pip's error, with the package and the platform tags named when it found no wheel. */
function pipError(layerName: string, target: BuildTarget, error: ToolRunError): Error {
    const missing = /No matching distribution found for (\S+)/.exec(error.stderr)?.[1];
    if (!missing) return error;
    return new Error(
        `layer "${layerName}": pip found no wheel of ${missing} for CPython ${target.pythonVersion} on ` +
            `${pipPlatformTags(target).join(", ")} (or a pure-Python wheel): a build installs binary wheels only, ` +
            "built for Lambda's platform. Pick a version of it that publishes such a wheel, or build that package " +
            `yourself and publish it with source. pip said:\n${outputTail(error.stderr, 8)}`,
    );
}
