/**
 * Real file trees for the source listing, hashing and zip tests: temp directories, files with modes
 * and mtimes, and a way to run the compiled provider modules in a fresh Node process.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A file of a test tree: its content, or its content and Unix mode. */
export type TreeFile = string | Buffer | { content: string | Buffer; mode: number };

/** The compiled provider directory, beside the compiled tests. */
export const PROVIDER_DIR = path.resolve(__dirname, "..", "..", "provider");

/** A new empty temp directory; removed by `removeTempDirs`. */
export function tempDir(label = "files-"): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), label));
    created.push(dir);
    return dir;
}

const created: string[] = [];

/** Removes every directory `tempDir` made. Call from `after`. */
export function removeTempDirs(): void {
    for (const dir of created.splice(0)) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Writes `files` (POSIX relative paths) under `root` in the order given, creating folders as needed. */
export function writeTree(root: string, files: Record<string, TreeFile>): string {
    for (const [relative, file] of Object.entries(files)) {
        const target = path.join(root, ...relative.split("/"));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        const { content, mode } =
            typeof file === "string" || Buffer.isBuffer(file) ? { content: file, mode: 0o644 } : file;
        fs.writeFileSync(target, content);
        fs.chmodSync(target, mode);
    }
    return root;
}

/** `tree` in reverse creation order, with the modes a checkout under umask 077 gives: 0600, and 0700 for executables. */
export function withUmask077(tree: Record<string, TreeFile>): Record<string, TreeFile> {
    const entries = Object.entries(tree).map(([name, content]): [string, TreeFile] => {
        const executable = typeof content === "object" && !Buffer.isBuffer(content) && (content.mode & 0o100) !== 0;
        const text = typeof content === "object" && !Buffer.isBuffer(content) ? content.content : content;
        return [name, { content: text, mode: executable ? 0o700 : 0o600 }];
    });
    return Object.fromEntries(entries.reverse());
}

/** Sets every file's and folder's atime and mtime under `root` to `date`. */
export function setTimes(root: string, date: Date): void {
    for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
        fs.utimesSync(path.join(entry.parentPath ?? entry.path, entry.name), date, date);
    }
    fs.utimesSync(root, date, date);
}

/**
 * Runs `script` (CommonJS, with `provider` bound to the compiled provider directory and `args` to
 * `args`) in a fresh Node process and returns what it printed with `console.log`, parsed as JSON.
 * Throws when the process has not exited after a minute (something kept it alive).
 */
export function runInNode<T>(script: string, args: unknown, env: NodeJS.ProcessEnv = {}): T {
    const program = `const provider = ${JSON.stringify(PROVIDER_DIR)}; const args = ${JSON.stringify(args)};\n${script}`;
    const output = execFileSync(process.execPath, ["-e", program], {
        env: { ...process.env, ...env },
        encoding: "utf8",
        timeout: 60_000,
    });
    return JSON.parse(output) as T;
}

/** The script for `runInNode` that hashes `args.source` and prints `{ sourceHash, filesRead }`. */
export const HASH_IN_NODE = `
require(provider + "/hashing/contentDigests.js").computeSourceHash(args.source, "/")
    .then((r) => console.log(JSON.stringify({ sourceHash: r.sourceHash, filesRead: r.filesRead })))
    .catch((e) => { console.error(e); process.exit(1); });`;
