import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import {
    cachedDigestOf,
    cacheEntriesFor,
    DIGEST_CACHE_FORMAT,
    digestCacheDirectory,
    isRacilyClean,
    loadDigestCache,
    parseDigestCache,
    serializeDigestCache,
    statKey,
    TIMESTAMP_GRANULARITY_NS,
    type DigestCache,
} from "../../provider/hashCache";
import type { SourceFile } from "../../provider/sourceFiles";
import { HASH_IN_NODE, PROVIDER_DIR, removeTempDirs, runInNode, setTimes, tempDir, writeTree } from "./fileTrees";

const SECOND = 1_000_000_000n;
const DIGEST = Buffer.alloc(32, 7);

function file(stat: Partial<SourceFile> = {}): SourceFile {
    return { zipPath: "a.js", absolutePath: "/src/a.js", executable: false, size: 10, mtimeNs: 100n * SECOND, ctimeNs: 100n * SECOND, ino: 5n, dev: 2n, ...stat };
}

describe("hashCache rules", () => {
    it("reuses a digest only when size, mtime, ctime, inode and device all match", () => {
        const cache: DigestCache = new Map([["/src/a.js", { statKey: statKey(file()), digest: DIGEST.toString("hex") }]]);
        expect(cachedDigestOf(cache, file())).to.deep.equal(DIGEST);
        for (const changed of [{ size: 11 }, { mtimeNs: 100n * SECOND + 1n }, { ctimeNs: 101n * SECOND }, { ino: 6n }, { dev: 3n }, { absolutePath: "/src/b.js" }]) {
            expect(cachedDigestOf(cache, file(changed)), JSON.stringify(changed, (_, v) => (typeof v === "bigint" ? String(v) : v))).to.equal(undefined);
        }
    });

    it("treats a file as racily clean unless its mtime is older than the observation minus the granularity", () => {
        const observed = 1000n * SECOND;
        expect(isRacilyClean(observed, observed)).to.equal(true);
        expect(isRacilyClean(observed + SECOND, observed)).to.equal(true, "a future mtime");
        expect(isRacilyClean(observed - TIMESTAMP_GRANULARITY_NS, observed)).to.equal(true, "exactly one granularity old");
        expect(isRacilyClean(observed - TIMESTAMP_GRANULARITY_NS - 1n, observed)).to.equal(false);
    });

    it("stores only the listed files that are not racily clean", () => {
        const observed = 1000n * SECOND;
        const old = file({ absolutePath: "/src/old.js", mtimeNs: observed - 10n * SECOND });
        const fresh = file({ absolutePath: "/src/fresh.js", mtimeNs: observed - SECOND });
        const cache = cacheEntriesFor([old, fresh], [DIGEST, DIGEST], observed);
        expect([...cache.keys()]).to.deep.equal(["/src/old.js"]);
        expect(cachedDigestOf(cache, old)).to.deep.equal(DIGEST);
    });

    it("round-trips through its text, and refuses other formats and broken text", () => {
        const cache: DigestCache = new Map([["/src/a \"quoted\"\n.js", { statKey: statKey(file({ ino: 2n ** 63n })), digest: DIGEST.toString("hex") }]]);
        expect(parseDigestCache(serializeDigestCache(cache))).to.deep.equal(cache);
        const text = serializeDigestCache(cache);
        expect(() => parseDigestCache(text.replace(DIGEST_CACHE_FORMAT, "pulumi-lambda-layer/digest-cache/v0"))).to.throw(/not a/);
        expect(() => parseDigestCache(text.slice(0, text.length - 5))).to.throw(SyntaxError);
        expect(() => parseDigestCache("null")).to.throw(/not a/);
    });

    it("skips entries of the wrong shape, and never returns a damaged digest", () => {
        const key = statKey(file());
        const text = JSON.stringify({
            format: DIGEST_CACHE_FORMAT,
            files: { "/good": [key, DIGEST.toString("hex")], "/short": [key, "abc"], "/not-hex": [key, "z".repeat(64)], "/not-array": key, "/extra": [key, "x", "y"], "/number": [1, 2] },
        });
        const cache = parseDigestCache(text);
        expect([...cache.keys()]).to.deep.equal(["/good", "/short", "/not-hex"]);
        expect(cachedDigestOf(cache, file({ absolutePath: "/good" }))).to.deep.equal(DIGEST);
        expect(cachedDigestOf(cache, file({ absolutePath: "/short" }))).to.equal(undefined);
        expect(cachedDigestOf(cache, file({ absolutePath: "/not-hex" }))).to.equal(undefined);
    });

    it("finds its directory from the environment", () => {
        expect(digestCacheDirectory({ PULUMI_LAMBDA_LAYER_CACHE_DIR: "/tmp/x", XDG_CACHE_HOME: "/xdg" })).to.equal("/tmp/x");
        expect(digestCacheDirectory({ XDG_CACHE_HOME: "/xdg" })).to.equal("/xdg/pulumi-lambda-layer");
        expect(digestCacheDirectory({ XDG_CACHE_HOME: "relative" })).to.match(/\/\.cache\/pulumi-lambda-layer$/);
        expect(digestCacheDirectory({})).to.match(/\/\.cache\/pulumi-lambda-layer$/);
        expect(digestCacheDirectory({ PULUMI_LAMBDA_LAYER_CACHE: "off", PULUMI_LAMBDA_LAYER_CACHE_DIR: "/tmp/x" })).to.equal(undefined);
        expect(digestCacheDirectory({ PULUMI_LAMBDA_LAYER_CACHE: "OFF" })).to.equal(undefined);
    });
});

describe("hashCache across processes", function () {
    this.timeout(60_000);
    after(removeTempDirs);

    interface Run {
        sourceHash: string;
        filesRead: number;
    }

    const LONG_AGO = new Date("2020-01-01T00:00:00Z");

    /** A tree of `count` files last modified long ago (so none is racily clean), and a cache directory. */
    function setUp(count = 20): { root: string; env: NodeJS.ProcessEnv } {
        const files: Record<string, string> = {};
        for (let index = 0; index < count; index++) {
            files[`src/file${index}.txt`] = `file ${index}\n`;
        }
        const root = writeTree(tempDir(), files);
        setTimes(root, LONG_AGO);
        return { root, env: { PULUMI_LAMBDA_LAYER_CACHE_DIR: tempDir("cache-") } };
    }

    const hashInNewProcess = (root: string, env: NodeJS.ProcessEnv) => runInNode<Run>(HASH_IN_NODE, { source: { path: root } }, env);

    function cacheFiles(env: NodeJS.ProcessEnv): string[] {
        const dir = env.PULUMI_LAMBDA_LAYER_CACHE_DIR!;
        return fs.readdirSync(dir).map((name) => path.join(dir, name));
    }

    it("reuses every digest in a new process when nothing changed, and reads only what changed", () => {
        const { root, env } = setUp();
        const first = hashInNewProcess(root, env);
        expect(first.filesRead).to.equal(20);
        const second = hashInNewProcess(root, env);
        expect(second).to.deep.equal({ sourceHash: first.sourceHash, filesRead: 0 });

        fs.writeFileSync(path.join(root, "src/file3.txt"), "changed\n");
        fs.utimesSync(path.join(root, "src/file3.txt"), LONG_AGO, LONG_AGO);
        const third = hashInNewProcess(root, env);
        expect(third.filesRead).to.equal(1);
        expect(third.sourceHash).to.not.equal(first.sourceHash);
    });

    it("re-reads a file rewritten with the same size and its mtime forced back", () => {
        const { root, env } = setUp();
        const target = path.join(root, "src/file1.txt");
        const first = hashInNewProcess(root, env);
        const { mtime } = fs.statSync(target);
        fs.writeFileSync(target, "FILE 1\n"); // same length as "file 1\n"
        fs.utimesSync(target, mtime, mtime);
        expect(fs.statSync(target).mtimeMs).to.equal(mtime.getTime());
        const second = hashInNewProcess(root, env);
        expect(second.filesRead).to.equal(1);
        expect(second.sourceHash).to.not.equal(first.sourceHash);
    });

    it("does not cache a racily clean file: one modified just now is read again on every run until it is older", () => {
        const { root, env } = setUp();
        hashInNewProcess(root, env);
        const target = path.join(root, "src/file2.txt");
        fs.writeFileSync(target, "file 2 again\n");
        // "Just now", a minute ahead, so that it stays racily clean however slowly this machine runs the test.
        const justNow = new Date(Date.now() + 60_000);
        fs.utimesSync(target, justNow, justNow);
        const unchanged = fs.statSync(target, { bigint: true });
        expect(hashInNewProcess(root, env).filesRead).to.equal(1);
        expect(hashInNewProcess(root, env).filesRead).to.equal(1, "same stat, but racily clean: not trusted");
        expect(fs.statSync(target, { bigint: true }).ctimeNs).to.equal(unchanged.ctimeNs);
        fs.utimesSync(target, LONG_AGO, LONG_AGO);
        hashInNewProcess(root, env);
        expect(hashInNewProcess(root, env).filesRead).to.equal(0);
    });

    it("ignores and rewrites a corrupt, truncated or other-version cache file", () => {
        const { root, env } = setUp();
        const { sourceHash } = hashInNewProcess(root, env);
        const [cacheFile] = cacheFiles(env);
        const good = fs.readFileSync(cacheFile, "utf8");
        for (const damaged of [good.slice(0, good.length / 2), "\u0000garbage{", good.replace(DIGEST_CACHE_FORMAT, "pulumi-lambda-layer/digest-cache/v2"), ""]) {
            fs.writeFileSync(cacheFile, damaged);
            expect(loadDigestCache(cacheFile).size).to.equal(0);
            expect(hashInNewProcess(root, env)).to.deep.equal({ sourceHash, filesRead: 20 });
            expect(loadDigestCache(cacheFile).size).to.equal(20, "rewritten whole");
        }
    });

    it("keeps no cache file for a tree whose files were all just written", () => {
        const env = { PULUMI_LAMBDA_LAYER_CACHE_DIR: tempDir("cache-") };
        const root = writeTree(tempDir(), { "a.txt": "a", "b.txt": "b" });
        setTimes(root, new Date(Date.now() + 60_000)); // "just written", however slowly this machine runs the test
        expect(hashInNewProcess(root, env).filesRead).to.equal(2);
        expect(cacheFiles(env)).to.deep.equal([]);
    });

    it("writes nothing when PULUMI_LAMBDA_LAYER_CACHE=off", () => {
        const { root, env } = setUp();
        const off = { ...env, PULUMI_LAMBDA_LAYER_CACHE: "off" };
        expect(hashInNewProcess(root, off).filesRead).to.equal(20);
        expect(hashInNewProcess(root, off).filesRead).to.equal(20);
        expect(cacheFiles(env)).to.deep.equal([]);
    });

    it("is never torn when processes write and read it at the same time; the last writer wins", async () => {
        const { root, env } = setUp(300);
        const args = { source: { path: root } };
        // Each writer hashes the tree cold (and writes the cache), then rewrites it 30 more times.
        const writer = `
            const fs = require("fs"), path = require("path"), cache = require(provider + "/hashCache.js");
            require(provider + "/contentDigests.js").computeSourceHash(args.source, "/").then((result) => {
                const dir = process.env.PULUMI_LAMBDA_LAYER_CACHE_DIR;
                const file = path.join(dir, fs.readdirSync(dir).find((name) => name.endsWith(".json")));
                const loaded = cache.loadDigestCache(file);
                for (let round = 0; round < 30; round++) cache.saveDigestCache(file, loaded);
                console.log(JSON.stringify({ sourceHash: result.sourceHash, loaded: loaded.size }));
            });`;
        // The reader loads whatever is there, as fast as it can: it must find nothing, or all 300 entries.
        const reader = `
            const fs = require("fs"), path = require("path"), cache = require(provider + "/hashCache.js");
            const dir = process.env.PULUMI_LAMBDA_LAYER_CACHE_DIR;
            let reads = 0, torn = 0;
            const deadline = Date.now() + 3000;
            while (Date.now() < deadline && reads < 2000) {
                const name = fs.existsSync(dir) && fs.readdirSync(dir).find((entry) => entry.endsWith(".json"));
                if (!name) continue;
                reads++;
                if (cache.loadDigestCache(path.join(dir, name)).size !== 300) torn++;
            }
            console.log(JSON.stringify({ reads, torn }));`;
        const [readerResult, ...writers] = await Promise.all([runConcurrently<{ reads: number; torn: number }>(reader, args, env), ...Array.from({ length: 3 }, () => runConcurrently<{ sourceHash: string; loaded: number }>(writer, args, env))]);
        expect(readerResult.torn).to.equal(0);
        expect(readerResult.reads).to.be.greaterThan(0);
        expect(writers.map((result) => result.loaded)).to.deep.equal([300, 300, 300]);
        expect(new Set(writers.map((result) => result.sourceHash)).size).to.equal(1);
        const files = cacheFiles(env);
        expect(files.filter((name) => name.endsWith(".tmp"))).to.deep.equal([], "no temp file left behind");
        expect(files).to.have.length(1);
        expect(hashInNewProcess(root, env)).to.deep.equal({ sourceHash: writers[0].sourceHash, filesRead: 0 });
    });

    /** Starts `script` as runInNode does, without waiting for it. */
    function runConcurrently<T>(script: string, args: unknown, env: NodeJS.ProcessEnv): Promise<T> {
        const program = `const provider = ${JSON.stringify(PROVIDER_DIR)}; const args = ${JSON.stringify(args)};\n${script}`;
        return new Promise((resolve, reject) => {
            const child = spawn(process.execPath, ["-e", program], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
            let output = "";
            child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
            child.on("error", reject);
            child.on("close", (code) => (code === 0 ? resolve(JSON.parse(output) as T) : reject(new Error(`exit ${code}`))));
        });
    }
});
