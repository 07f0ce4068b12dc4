/**
 * A copy of the built package, and of its production dependencies, that any user can read: tests that
 * run code as another user (`nobody`) load it from here, so they pass in a checkout no one else may
 * enter (a clone in a folder of mode 700, as home folders often are).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { tempDir } from "./fileTrees";

/** The repository root, from dist/tests/helpers. */
const REPO_ROOT = path.resolve(__dirname, "../../..");

/**
 * Copies `package.json`, `dist/provider` and every production dependency into a new temp directory as
 * `node_modules/pulumi-lambda-layer` and its neighbours, readable by all; returns the path of the copied
 * `dist/provider`. The directory goes with `removeTempDirs`.
 */
export function copyProviderForOtherUsers(): string {
    const root = tempDir("provider-for-all-");
    const installed = path.join(root, "node_modules", "pulumi-lambda-layer");
    fs.mkdirSync(installed, { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(installed, "package.json"));
    fs.cpSync(path.join(REPO_ROOT, "dist", "provider"), path.join(installed, "dist", "provider"), { recursive: true });
    for (const packageDir of productionPackages(REPO_ROOT)) {
        const target = path.join(root, path.relative(REPO_ROOT, packageDir));
        // Nested node_modules are packages of their own, copied when the walk reaches them.
        fs.cpSync(packageDir, target, {
            recursive: true,
            filter: (source) => path.relative(packageDir, source).split(path.sep)[0] !== "node_modules",
        });
    }
    makeReadableByAll(root);
    return path.join(installed, "dist", "provider");
}

/** The folders of `repoRoot`'s dependencies and of theirs, as Node.js would resolve them; dev dependencies left out. */
function productionPackages(repoRoot: string): string[] {
    const found = new Set<string>();
    const visit = (fromDir: string, dependencies: Record<string, string> | undefined): void => {
        for (const name of Object.keys(dependencies ?? {})) {
            const dir = resolvePackageDir(repoRoot, fromDir, name);
            // An optional dependency for another platform is not installed.
            if (dir === undefined || found.has(dir)) continue;
            found.add(dir);
            const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
            visit(dir, { ...manifest.dependencies, ...manifest.optionalDependencies });
        }
    };
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
    visit(repoRoot, manifest.dependencies);
    return [...found];
}

/** The nearest `node_modules/<name>` from `fromDir` up to `repoRoot`, as require() looks for it. */
function resolvePackageDir(repoRoot: string, fromDir: string, name: string): string | undefined {
    for (let dir = fromDir; ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, "node_modules", name);
        if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
        if (dir === repoRoot || path.dirname(dir) === dir) return undefined;
    }
}

/** Folders 0755 and files 0644 (whatever the checkout's umask made them), the root included. */
function makeReadableByAll(root: string): void {
    fs.chmodSync(root, 0o755);
    for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
        const entryPath = path.join(entry.parentPath ?? entry.path, entry.name);
        if (entry.isDirectory()) fs.chmodSync(entryPath, 0o755);
        else if (entry.isFile()) fs.chmodSync(entryPath, 0o644);
    }
}
