/**
 * Builds a Pulumi program directory the way a user's looks: the package under test installed from its
 * packed tarball (`npm pack`, so only what `files` ships is there and `require()`s resolve as for users),
 * next to an installed @pulumi/pulumi; or, with `installProgram`, whatever npm specs a user would give
 * (a git URL, say). Slow-ish (npm, about 10 s here): do it once per test file, in a `before` hook.
 *
 * Why @pulumi/pulumi is installed and not symlinked to the repository's copy (which takes 3 s instead):
 * the SDK's closure serializer maps a captured module's file to the `exports` subpath of its package by
 * resolving the package from the SDK's own real location. From a symlinked SDK it cannot see the
 * program's packages, so it emits deep paths (`require("pkg/dist/provider/index.js")`) that the host then
 * refuses under `exports`: a failure users would not have.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolvePulumiVersion } from "./pulumiModules";
import { runCommand } from "./runCommand";

/** Options of `installPackedProgram`. */
export interface InstallPackedProgramOptions {
    /** The package to test (e.g. the repository root), already built: it is packed as is, scripts ignored. */
    packageDir: string;
    /**
     * The program: a map of relative path -> file text, or a directory to copy (without its
     * `node_modules` and `package-lock.json`).
     */
    programFiles: Record<string, string> | string;
    /**
     * The @pulumi/pulumi version to install. Default: the {@link PULUMI_VERSION_VARIABLE} environment
     * variable when set (CI runs the engine path against the oldest and the newest version the peer range
     * allows), otherwise the version `packageDir` resolves, its dev install.
     */
    pulumiVersion?: string;
    /**
     * Keep the copied directory's own package.json, as a user's program has it: its dependency on the
     * packed package is pointed at the tarball and @pulumi/pulumi is pinned to `pulumiVersion`; every
     * other dependency (TypeScript, say) is installed as written.
     * @default false: the program's package.json is the harness's own, whose dependencies are the
     * tarball and @pulumi/pulumi
     */
    keepManifest?: boolean;
}

/** Options of `installProgram`. */
export interface InstallProgramOptions {
    /** What `npm install` is given: tarball paths, `git+file://` URLs, `name@version` specs. */
    packages: string[];
    /** The program: a map of relative path -> file text, or a directory to copy (as in installPackedProgram). */
    programFiles: Record<string, string> | string;
}

/** A program directory with the packed package installed. */
export interface InstalledProgram {
    /** The program directory: pass it to captureResources and startProviderHost. */
    dir: string;
    /** The packed tarball that was installed (installPackedProgram only). */
    tarball?: string;
    /** How long `npm pack` and `npm install` took, for the record (not for assertions). */
    timings: { packMs: number; installMs: number };
    /** Removes the program directory and the tarball. */
    cleanup(): Promise<void>;
}

/** The environment variable that picks the @pulumi/pulumi version test programs install. */
export const PULUMI_VERSION_VARIABLE = "PULUMI_LAMBDA_LAYER_TEST_PULUMI_VERSION";

/** npm from its cache can still take a while on a busy two-core machine. */
const NPM_TIMEOUT_MS = 300_000;

/**
 * Packs `packageDir` (`npm pack --ignore-scripts`: build it first), writes the program into a new temp
 * directory and installs the tarball and @pulumi/pulumi there (`--prefer-offline`: from the npm cache).
 *
 * @throws (rejects) with npm's output when packing or installing fails
 */
export async function installPackedProgram(options: InstallPackedProgramOptions): Promise<InstalledProgram> {
    const pulumiVersion =
        options.pulumiVersion || process.env[PULUMI_VERSION_VARIABLE] || resolvePulumiVersion(options.packageDir);
    const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), "engine-program-"));
    const cleanup = (): Promise<void> => fs.promises.rm(root, { recursive: true, force: true });
    try {
        const packStart = Date.now();
        const tarball = await pack(options.packageDir, root);
        const packMs = Date.now() - packStart;
        const dir = path.join(root, "program");
        const installStart = Date.now();
        if (options.keepManifest && typeof options.programFiles === "string") {
            await writeProgram(dir, options.programFiles, { keepManifest: true });
            await pointManifestAt(dir, options.packageDir, tarball, pulumiVersion);
            await npm(dir, ["install", ...NPM_INSTALL_FLAGS]);
        } else {
            await writeProgram(dir, options.programFiles);
            await npm(dir, ["install", ...NPM_INSTALL_FLAGS, tarball, `@pulumi/pulumi@${pulumiVersion}`]);
        }
        const installed = resolvePulumiVersion(dir);
        if (installed !== pulumiVersion) {
            throw new Error(`asked for @pulumi/pulumi ${pulumiVersion}, npm installed ${installed} in ${dir}`);
        }
        return { dir, tarball, timings: { packMs, installMs: Date.now() - installStart }, cleanup };
    } catch (error) {
        await cleanup();
        throw error;
    }
}

/**
 * Writes the program into a new temp directory and installs `packages` there, as a user would with
 * `npm install <packages>`: a git URL's package is cloned and built by npm (its `prepare` script).
 *
 * @throws (rejects) with npm's output when installing fails
 */
export async function installProgram(options: InstallProgramOptions): Promise<InstalledProgram> {
    const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), "engine-program-"));
    const cleanup = (): Promise<void> => fs.promises.rm(root, { recursive: true, force: true });
    try {
        const dir = path.join(root, "program");
        await writeProgram(dir, options.programFiles);
        const installStart = Date.now();
        await npm(dir, ["install", ...NPM_INSTALL_FLAGS, ...options.packages]);
        return { dir, timings: { packMs: 0, installMs: Date.now() - installStart }, cleanup };
    } catch (error) {
        await cleanup();
        throw error;
    }
}

/** From the npm cache where it can (no registry round trip for what is cached), and quietly. */
const NPM_INSTALL_FLAGS = ["--prefer-offline", "--no-audit", "--no-fund"];

/** Points the program's dependency on the packed package at `tarball`, and pins @pulumi/pulumi. */
async function pointManifestAt(dir: string, packageDir: string, tarball: string, pulumiVersion: string): Promise<void> {
    const manifestPath = path.join(dir, "package.json");
    const manifest = JSON.parse(await fs.promises.readFile(manifestPath, "utf8"));
    const packageName: string = JSON.parse(
        await fs.promises.readFile(path.join(packageDir, "package.json"), "utf8"),
    ).name;
    manifest.dependencies = {
        ...manifest.dependencies,
        [packageName]: `file:${tarball}`,
        "@pulumi/pulumi": pulumiVersion,
    };
    await fs.promises.writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

async function pack(packageDir: string, destination: string): Promise<string> {
    const output = await npm(packageDir, ["pack", "--json", "--ignore-scripts", "--pack-destination", destination]);
    const packed: { filename: string }[] = JSON.parse(output);
    if (packed.length !== 1) {
        throw new Error(`npm pack in ${packageDir} reported ${packed.length} tarballs, expected one: ${output}`);
    }
    return path.join(destination, path.basename(packed[0].filename));
}

async function writeProgram(
    dir: string,
    files: Record<string, string> | string,
    options: { keepManifest?: boolean } = {},
): Promise<void> {
    await fs.promises.mkdir(dir, { recursive: true });
    if (typeof files === "string") {
        await fs.promises.cp(files, dir, { recursive: true, filter: (source) => !isPackageState(files, source) });
        if (options.keepManifest) {
            await fs.promises.copyFile(path.join(files, "package.json"), path.join(dir, "package.json"));
            return;
        }
    } else {
        for (const [relativePath, text] of Object.entries(files)) {
            const target = path.join(dir, relativePath);
            await fs.promises.mkdir(path.dirname(target), { recursive: true });
            await fs.promises.writeFile(target, text);
        }
    }
    const manifest = { name: "engine-test-program", version: "0.0.0", private: true };
    await fs.promises.writeFile(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * What a copied program must not bring: its own installed packages and dependency lists. Only the
 * top-level node_modules: a layer's source may hold a node_modules of its own, which is content.
 */
function isPackageState(sourceRoot: string, source: string): boolean {
    const relative = path.relative(sourceRoot, source);
    return (
        relative.split(path.sep)[0] === "node_modules" ||
        relative === "package.json" ||
        relative === "package-lock.json"
    );
}

function npm(cwd: string, args: string[]): Promise<string> {
    return runCommand("npm", args, { cwd, timeoutMs: NPM_TIMEOUT_MS, label: `npm ${args.join(" ")} in ${cwd}` });
}
