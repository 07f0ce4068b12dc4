/**
 * `check`'s fingerprint of a build, with no build and no network call: the bytes of the files that pin
 * the dependencies, the tool and its major version, the target platform, the provider's and the user's
 * arguments, the values of the allowed environment variables, and `rebuildTrigger`. The same inputs give
 * the same hash on any machine, and the built tree is cached under it.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { InputFailure, LayerBuild, LayerVersionInputs } from "../types";
import { BUILD_PREFIX, buildTarget, npmArguments, pipArguments, unpinnedRequirements } from "../rules/buildInputs";
import { ZIP_COMPRESSION } from "../zip/zipWriter";
import { toolVersion, ToolVersionError } from "./toolVersion";

/**
 * Starts every hashed stream. Change it only when what a build produces from the same inputs changes:
 * every build layer then gets a new version on its next deployment.
 */
const BUILD_HASH_VERSION = "pulumi-lambda-layer/build-hash/v1";

/**
 * The files each tool installs from, in `build.path`. The required ones are hashed; `.npmrc` is copied
 * but not hashed: it names registries and may hold a token, whose rotation must not publish a version
 * (the lockfile already pins each package's bytes by its integrity hash).
 */
export const BUILD_FILES: Record<LayerBuild["tool"], { required: string[]; optional: string[] }> = {
    npm: { required: ["package.json", "package-lock.json"], optional: [".npmrc"] },
    pip: { required: ["requirements.txt"], optional: [] },
};

/** The fingerprint, and what `check` should warn about without failing. */
export type BuildVerdict = { sourceHash: string; warnings: string[] } | { failure: InputFailure };

/** Placeholders for paths that differ per run, so that the provider's arguments can be hashed. */
const HASHED_REQUIREMENTS = "<requirements.txt>";
const HASHED_TARGET = "<target>";

/**
 * Hashes the build of `inputs` (validated, with `build.path` resolved against `baseDir`). A missing
 * manifest or lockfile, or a tool that is missing or too old, is a failure naming the property.
 */
export async function fingerprintBuild(inputs: LayerVersionInputs, baseDir: string): Promise<BuildVerdict> {
    const build = inputs.build!;
    const folder = path.resolve(baseDir, build.path);
    const files = BUILD_FILES[build.tool];
    const missing = files.required.filter((name) => !fs.existsSync(path.join(folder, name)));
    if (missing.length) {
        return { failure: { property: "build.path", reason: missingFilesReason(build, folder, missing) } };
    }
    let major: number;
    try {
        major = (await toolVersion(build.tool, folder))[0];
    } catch (error) {
        if (error instanceof ToolVersionError) return { failure: { property: "build.tool", reason: error.message } };
        throw error;
    }
    const target = buildTarget(inputs);
    const hash = new FramedHash();
    hash.field(BUILD_HASH_VERSION);
    hash.field(build.tool);
    hash.field(String(major));
    hash.field(JSON.stringify(target));
    const toolArguments =
        build.tool === "npm" ? npmArguments(target) : pipArguments(target, HASHED_REQUIREMENTS, HASHED_TARGET);
    hash.field(JSON.stringify(toolArguments));
    hash.field(JSON.stringify(build.args ?? []));
    for (const name of [...(build.env ?? [])].sort()) {
        const value = process.env[name];
        hash.field(name);
        hash.field(value === undefined ? "unset" : `set:${value}`);
    }
    hash.field(build.rebuildTrigger ?? "");
    hash.field(BUILD_PREFIX[build.tool]);
    hash.field(ZIP_COMPRESSION);
    const warnings: string[] = [];
    for (const name of files.required) {
        const bytes = await fs.promises.readFile(path.join(folder, name));
        hash.field(name);
        hash.bytes(bytes);
        if (name === "requirements.txt") warnings.push(...unpinnedWarning(inputs.layerName, bytes.toString("utf8")));
    }
    return { sourceHash: hash.digest(), warnings };
}

function missingFilesReason(build: LayerBuild, folder: string, missing: string[]): string {
    const fix =
        build.tool === "npm"
            ? missing.includes("package-lock.json")
                ? "a build installs exactly what the lockfile pins: run npm install there to write package-lock.json, and commit it"
                : "point build.path at the folder that holds package.json and package-lock.json"
            : "point build.path at the folder that holds requirements.txt";
    return `build.path: ${folder} has no ${missing.join(" and no ")}; ${fix}`;
}

function unpinnedWarning(layerName: string, requirements: string): string[] {
    const unpinned = unpinnedRequirements(requirements);
    if (unpinned.length === 0) return [];
    return [
        `layer "${layerName}": requirements.txt does not pin ${unpinned.join(", ")} with ==; a later build may ` +
            "install newer releases without a new fingerprint, so a new version is published only when the file " +
            "changes: pin them (pip freeze) for repeatable layers",
    ];
}

/** sha256 over length-prefixed fields, so that no field's content can imitate a boundary. */
class FramedHash {
    private readonly hash = createHash("sha256");

    field(text: string): void {
        this.bytes(Buffer.from(text, "utf8"));
    }

    bytes(bytes: Buffer): void {
        const length = Buffer.alloc(8);
        length.writeBigUInt64BE(BigInt(bytes.length));
        this.hash.update(length).update(bytes);
    }

    digest(): string {
        return this.hash.digest("hex");
    }
}
