/**
 * `create`'s side of a build: the zip of the tree built for the checked fingerprint, built now or taken
 * from the build cache, its native code scanned before it is cached, and zipped with the same
 * deterministic writer as a source tree, so that the same inputs give the same `codeSha256`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { LayerVersionInputs } from "../types";
import { buildTarget } from "../rules/buildInputs";
import { UNZIPPED_MAX_BYTES } from "../rules/limits";
import { listSourceFiles, type SourceFile } from "../listing/sourceFiles";
import { writeLayerZip } from "../zip/zipWriter";
import type { LayerZip } from "../content/layerZip";
import { fingerprintBuild } from "./buildFingerprint";
import { cachedBuild } from "./buildCache";
import { scanNativeCode } from "./elfScan";
import { runBuild } from "./toolBuilds";

/** The zip of the build (`build.path` resolved against `baseDir`), built now or from the cache, in a temp file. */
export async function zipDependencyBuild(inputs: LayerVersionInputs, baseDir: string): Promise<LayerZip> {
    const build = inputs.build!;
    const verdict = await fingerprintBuild(inputs, baseDir);
    if ("failure" in verdict) {
        throw new Error(`layer "${inputs.layerName}": ${verdict.failure.reason}`);
    }
    if (inputs.sourceHash && verdict.sourceHash !== inputs.sourceHash) {
        throw new Error(
            `layer "${inputs.layerName}": the inputs of build.path "${build.path}" changed while the deployment ran ` +
                `(hash ${inputs.sourceHash} at check, ${verdict.sourceHash} now): nothing was published; run the command again`,
        );
    }
    const target = buildTarget(inputs);
    const folder = path.resolve(baseDir, build.path);
    const { treeDir } = await cachedBuild(verdict.sourceHash, async (fresh) => {
        const workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "lambda-layer-build-"));
        try {
            await runBuild(inputs.layerName, build, folder, target, fresh, workDir);
        } finally {
            await fs.promises.rm(workDir, { recursive: true, force: true });
        }
        const problems = await scanNativeCode(listTree(inputs.layerName, fresh), target);
        if (problems.length) {
            const lines = problems.map((problem) => `  ${problem.packageName}: ${problem.zipPath}: ${problem.reason}`);
            throw new Error(
                `layer "${inputs.layerName}": the ${build.tool} build holds native code Lambda cannot load:\n${lines.join("\n")}\n` +
                    nativeFix(build.tool),
            );
        }
    });
    const files = listTree(inputs.layerName, treeDir);
    const unzippedBytes = files.reduce((total, file) => total + file.size, 0);
    if (unzippedBytes > UNZIPPED_MAX_BYTES) {
        throw new Error(
            `layer "${inputs.layerName}": the ${build.tool} build holds ${unzippedBytes} bytes; AWS allows at most ${UNZIPPED_MAX_BYTES} bytes unzipped per layer`,
        );
    }
    const workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "lambda-layer-"));
    const dispose = (): Promise<void> => fs.promises.rm(workDir, { recursive: true, force: true });
    try {
        const zipPath = path.join(workDir, "layer.zip");
        const written = await writeLayerZip(files, zipPath);
        return { path: zipPath, bytes: written.bytes, sha256Base64: written.sha256Base64, dispose };
    } catch (error) {
        await dispose();
        throw error;
    }
}

/** The built tree's files as zip entries; the default excludes apply (no byte-code caches). */
function listTree(layerName: string, treeDir: string): SourceFile[] {
    try {
        return listSourceFiles({ path: treeDir }, "/");
    } catch (error) {
        throw new Error(`layer "${layerName}": the build produced nothing to publish: ${(error as Error).message}`, {
            cause: error,
        });
    }
}

function nativeFix(tool: string): string {
    return tool === "npm"
        ? "Most often the lockfile lacks the target's optional package (a lockfile written on another OS by an older npm: " +
              "regenerate it with npm 10.3 or later), or an install script compiled the package for this machine " +
              "(pick a version that ships prebuilt binaries for Linux on the target CPU)."
        : "Pick versions whose wheels are built for the target (manylinux, the target CPU), or a runtime on Amazon Linux 2023 (python3.12 or later).";
}
