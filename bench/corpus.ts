/**
 * The trees the bench measures, built reproducibly and kept between runs under
 * $TMPDIR/pulumi-lambda-layer-bench/<key>, where the key is a hash of what defines the tree (a new pin
 * list or random spec builds a new tree; `--fresh` rebuilds). Both are valid layers: at most
 * 262,144,000 bytes unzipped.
 *
 * - `node_modules`: a real dependency layer, `npm install` of exact versions from the npm registry
 *   (about 14.4k files and 214 MB; its zip, about 77 MB, is over the direct-upload limit, so it
 *   publishes through S3 staging). npm's cache is preferred, so a second build needs no network.
 *   typescript is pinned to 5.x, pure JavaScript: 7.x installs a per-platform native binary, so the
 *   tree would differ between machines. Dependencies of the pinned packages resolve within their
 *   declared ranges, so the tree can drift slightly over months; the table prints its file count and size.
 * - `random`: a few big incompressible files (AES-256-CTR keystream under a fixed key: the same bytes
 *   on every machine), the worst case for deflate and the best for a reader. Its zip fits the
 *   direct-upload limit, so it publishes inline.
 */
import { spawnSync } from "node:child_process";
import { createCipheriv, createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The corpus names `--corpus` accepts (besides `all`). */
export const CORPUS_NAMES = ["node_modules", "random"] as const;
export type CorpusName = (typeof CORPUS_NAMES)[number];

/** Lambda's limit on a layer's unzipped size: a bench tree over it is not a layer anyone can publish. */
export const LAYER_UNZIPPED_MAX_BYTES = 262_144_000;

/** A tree ready to measure. */
export interface Corpus {
    name: CorpusName;
    /** The directory that is hashed and zipped (`source.path`). */
    root: string;
    /** Regular files under `root`, symlinks followed (as `find -L root -type f`). */
    files: number;
    bytes: number;
    /** How it was made, for the table. */
    description: string;
    /** How `create` publishes it: its zip goes through S3 staging, or inline in the request. */
    publish: "staged" | "inline";
    /**
     * Whether `check` is compared with the AWS CDK's fingerprint: on a dependency tree, what CDK users
     * fingerprint. On a few big files its cached fingerprint is three stats, and a ratio to it says nothing.
     */
    peer: boolean;
}

/** The node_modules corpus, exact versions. `constructs` is aws-cdk-lib's peer dependency. */
export const NPM_PINS = [
    "aws-cdk-lib@2.278.0",
    "constructs@10.5.0",
    "@aws-sdk/client-lambda@3.1164.0",
    "typescript@5.9.3",
    "lodash@4.18.1",
    "rxjs@7.8.2",
];

/**
 * The incompressible tree: this many files of this many bytes. 48 MiB zips to about 50.3 MB, under
 * the direct-upload limit (50 MiB less 64 KiB).
 */
export const RANDOM_FILES = { count: 3, bytesEach: 16 * 1024 * 1024 };

const FIXED_MTIME = new Date("2000-01-01T00:00:00Z");
const BENCH_HOME = path.join(os.tmpdir(), "pulumi-lambda-layer-bench");
const COMPLETE_MARKER = "complete";

/** Builds (or reuses) the named corpus. `fresh` removes a kept one first. */
export function prepareCorpus(name: CorpusName, fresh: boolean): Corpus {
    const build = name === "node_modules" ? npmCorpus() : randomCorpus();
    const home = path.join(
        BENCH_HOME,
        `${name}-${createHash("sha256").update(JSON.stringify(build.spec)).digest("hex").slice(0, 12)}`,
    );
    if (fresh) {
        fs.rmSync(home, { recursive: true, force: true });
    }
    // The marker is written last, so a build that was interrupted is redone instead of measured.
    if (!fs.existsSync(path.join(home, COMPLETE_MARKER))) {
        fs.rmSync(home, { recursive: true, force: true });
        fs.mkdirSync(home, { recursive: true });
        process.stderr.write(`bench: building the ${name} corpus in ${home}\n`);
        build.make(home);
        fs.writeFileSync(path.join(home, COMPLETE_MARKER), `${JSON.stringify(build.spec)}\n`);
    }
    const root = build.root(home);
    const { files, bytes } = countFiles(root);
    if (bytes > LAYER_UNZIPPED_MAX_BYTES) {
        throw new Error(
            `the ${name} corpus in ${root} holds ${bytes} bytes, over Lambda's unzipped limit of ` +
                `${LAYER_UNZIPPED_MAX_BYTES}: it is not a valid layer; change its definition in bench/corpus.ts`,
        );
    }
    const { description, publish, peer } = build;
    return { name, root, files, bytes, description, publish, peer };
}

/** Regular files under `root` and their total size, symlinks followed. */
export function countFiles(root: string): { files: number; bytes: number } {
    let files = 0;
    let bytes = 0;
    const pending = [root];
    for (let directory = pending.pop(); directory !== undefined; directory = pending.pop()) {
        for (const name of fs.readdirSync(directory)) {
            const full = path.join(directory, name);
            const stats = fs.statSync(full);
            if (stats.isDirectory()) {
                pending.push(full);
            } else if (stats.isFile()) {
                files += 1;
                bytes += stats.size;
            }
        }
    }
    return { files, bytes };
}

/** How to make one corpus: what defines it (the cache key), how to build it, and where its tree is. */
interface CorpusBuild {
    spec: unknown;
    description: string;
    publish: Corpus["publish"];
    peer: boolean;
    make(home: string): void;
    root(home: string): string;
}

function npmCorpus(): CorpusBuild {
    return {
        spec: NPM_PINS,
        description: `npm install ${NPM_PINS.join(" ")}`,
        publish: "staged",
        peer: true,
        make(home) {
            const args = [
                "install",
                "--prefix",
                home,
                "--prefer-offline",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
                ...NPM_PINS,
            ];
            // npm's output goes to stderr so that `--json` keeps stdout clean.
            const result = spawnSync("npm", args, { stdio: ["ignore", process.stderr, process.stderr] });
            if (result.status !== 0) {
                throw new Error(
                    `npm ${args.join(" ")} failed (exit ${result.status}); the bench needs the npm registry (or npm's cache) to build its corpus`,
                );
            }
        },
        root: (home) => path.join(home, "node_modules"),
    };
}

function randomCorpus(): CorpusBuild {
    return {
        spec: {
            ...RANDOM_FILES,
            generator: "aes-256-ctr keystream, key sha256('pulumi-lambda-layer bench <index>'), iv 0",
        },
        description: `${RANDOM_FILES.count} files of ${RANDOM_FILES.bytesEach / 1024 / 1024} MiB of seeded random bytes`,
        publish: "inline",
        peer: false,
        make(home) {
            const root = path.join(home, "random");
            fs.mkdirSync(root);
            for (let index = 0; index < RANDOM_FILES.count; index++) {
                const file = path.join(root, `random-${index}.bin`);
                writeKeystream(file, `pulumi-lambda-layer bench ${index}`, RANDOM_FILES.bytesEach);
                // An old mtime, as npm gives package files: a file written within the last 2 s is
                // "racily clean" and never cached by the digest cache, which would skew the no-op step.
                fs.utimesSync(file, FIXED_MTIME, FIXED_MTIME);
            }
        },
        root: (home) => path.join(home, "random"),
    };
}

/** Writes `bytes` of AES-256-CTR keystream under the key sha256(`seed`): reproducible and incompressible. */
function writeKeystream(file: string, seed: string, bytes: number): void {
    const cipher = createCipheriv("aes-256-ctr", createHash("sha256").update(seed).digest(), Buffer.alloc(16));
    const zeros = Buffer.alloc(1024 * 1024);
    const descriptor = fs.openSync(file, "w");
    try {
        for (let written = 0; written < bytes; written += zeros.length) {
            fs.writeSync(descriptor, cipher.update(zeros.subarray(0, Math.min(zeros.length, bytes - written))));
        }
    } finally {
        fs.closeSync(descriptor);
    }
}
