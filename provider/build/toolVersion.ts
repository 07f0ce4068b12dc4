/**
 * The installed build tool's version, asked of the tool itself (a local command, no network): its major
 * version is part of a build's fingerprint, and npm must be recent enough to take the platform flags.
 */
import { compareVersions, NPM_MIN_VERSION, parseVersion } from "../rules/buildInputs";
import type { LayerBuild } from "../types";
import { runTool } from "./toolRunner";

/** How each tool is started: npm directly, pip through the `python3` on PATH. */
export const TOOL_COMMAND: Record<LayerBuild["tool"], { file: string; args: string[] }> = {
    npm: { file: "npm", args: [] },
    pip: { file: "python3", args: ["-m", "pip"] },
};

/** Why the tool cannot build, for `check` to report on `build.tool`. */
export class ToolVersionError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ToolVersionError";
    }
}

/**
 * The tool's version as [major, minor, patch]. Throws ToolVersionError when the tool does not run, or
 * for npm older than 10.3 (which ignores `--libc`, or all of `--os`/`--cpu`/`--libc`).
 */
export async function toolVersion(tool: LayerBuild["tool"], cwd: string): Promise<number[]> {
    const command = TOOL_COMMAND[tool];
    const label = `${[command.file, ...command.args].join(" ")} --version`;
    let output: string;
    try {
        output = await runTool(command.file, [...command.args, "--version"], cwd, label);
    } catch (error) {
        const hint = tool === "pip" ? " (on Debian or Ubuntu: apt-get install python3-pip)" : "";
        throw new ToolVersionError(`build.tool "${tool}": ${(error as Error).message}${hint}`);
    }
    const version = parseVersion(output);
    if (!version) {
        throw new ToolVersionError(`build.tool "${tool}": ${label} printed no version: ${output.trim()}`);
    }
    if (tool === "npm" && compareVersions(version, NPM_MIN_VERSION) < 0) {
        throw new ToolVersionError(
            `build.tool "npm": npm ${version.join(".")} is installed; a build needs npm ${NPM_MIN_VERSION.join(".")} or later, ` +
                "whose npm ci installs the target's packages with --os, --cpu and --libc (npm install -g npm@10)",
        );
    }
    return version;
}
