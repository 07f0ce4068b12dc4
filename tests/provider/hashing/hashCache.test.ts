import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import {
    cachedPaths,
    DIGEST_CACHE_FORMAT,
    digestCacheDirectory,
    emptyDigestCache,
    loadDigestCache,
    parseDigestCache,
    serializeDigestCache,
    takeCachedDigests,
    TIMESTAMP_GRANULARITY_NS,
    type CacheableFiles,
    type KeptListing,
} from "../../../provider/hashing/hashCache";
import { STAT_ROW_BYTES } from "../../../provider/listing/fileStats";
import {
    HASH_IN_NODE,
    PROVIDER_DIR,
    removeTempDirs,
    runInNode,
    setTimes,
    tempDir,
    writeTree,
} from "../../helpers/fileTrees";

const SECOND = 1_000_000_000n;
const OBSERVED = 1000n * SECOND;

/** A file's stat fields, as the listing records them. */
interface Stat {
    size: bigint;
    mtimeNs: bigint;
    ctimeNs: bigint;
    ino: bigint;
    dev: bigint;
}

const STAT: Stat = { size: 10n, mtimeNs: 100n * SECOND, ctimeNs: 100n * SECOND, ino: 5n, dev: 2n };

/** Files as the cache sees them: relative paths (in listing order) and their stat rows. */
function listing(files: Array<[string, Partial<Stat>?]>): CacheableFiles {
    const statRows = new Uint8Array(files.length * STAT_ROW_BYTES);
    const view = new DataView(statRows.buffer);
    files.forEach(([, changes], index) => {
        const stat = { ...STAT, ...changes };
        [stat.size, stat.mtimeNs, stat.ctimeNs, stat.ino, stat.dev].forEach((field, word) =>
            view.setBigUint64(index * STAT_ROW_BYTES + word * 8, field, true),
        );
    });
    return { relativePaths: files.map(([relativePath]) => relativePath), statRows };
}

/** A distinct digest per file: all bytes `seed + index`. */
function digestsFor(count: number, seed = 1): Uint8Array {
    return Buffer.concat(Array.from({ length: count }, (_, index) => Buffer.alloc(32, seed + index)));
}

/** What `takeCachedDigests` finds for `files` in the cache written for `written`: per file its digest's first byte, or undefined. */
function lookUp(
    written: CacheableFiles,
    files: CacheableFiles,
    digests = digestsFor(written.relativePaths.length),
): Array<number | undefined> {
    const bytes = serializeDigestCache(written, digests, OBSERVED);
    const cache = bytes ? parseDigestCache(bytes) : emptyDigestCache();
    const found = new Uint8Array(files.relativePaths.length * 32);
    const hits = takeCachedDigests(cache, files, found);
    return [...hits].map((hit, index) => (hit === 1 ? found[index * 32] : undefined));
}

describe("hashCache rules", () => {
    it("reuses a digest only when the path and size, mtime, ctime, inode and device all match", () => {
        const written = listing([["a.js"]]);
        expect(lookUp(written, listing([["a.js"]]))).to.deep.equal([1]);
        const changes: Array<Partial<Stat>> = [
            { size: 11n },
            { mtimeNs: STAT.mtimeNs + 1n },
            { ctimeNs: 101n * SECOND },
            { ino: 6n },
            { dev: 3n },
            { ino: 5n + (1n << 32n) },
            { mtimeNs: STAT.mtimeNs + (1n << 40n) },
        ];
        for (const changed of changes) {
            expect(
                lookUp(written, listing([["a.js", changed]])),
                JSON.stringify(changed, (_, v) => (typeof v === "bigint" ? String(v) : v)),
            ).to.deep.equal([undefined]);
        }
        expect(lookUp(written, listing([["b.js"]]))).to.deep.equal([undefined]);
    });

    it("matches entries to files by path through additions, removals and changes, in one pass", () => {
        const written = listing([["a"], ["b/x"], ["c"], ["d"], ["é"]]);
        const now = listing([["0"], ["a"], ["b/x", { size: 1n }], ["b/y"], ["d"], ["e"], ["é"]]);
        // digests 1..5 were written for a, b/x, c, d, é
        expect(lookUp(written, now)).to.deep.equal([undefined, 1, undefined, undefined, 4, undefined, 5]);
    });

    it("treats a file as racily clean unless its mtime is older than the observation minus the granularity, across both 32-bit halves", () => {
        const edge = OBSERVED - TIMESTAMP_GRANULARITY_NS;
        const mtimes = [OBSERVED, OBSERVED + SECOND, edge, edge - 1n, edge + (1n << 32n), edge - (1n << 32n)];
        const files = listing(mtimes.map((mtimeNs, index) => [`f${index}`, { mtimeNs }]));
        expect(lookUp(files, files)).to.deep.equal(
            [undefined, undefined, undefined, 4, undefined, 6],
            "now, a future mtime and exactly one granularity old are racy",
        );
    });

    it("keeps every listed file but no digest of a racily clean one, and writes nothing when nothing could be used", () => {
        const files = listing([
            ["fresh.js", { mtimeNs: OBSERVED - SECOND }],
            ["old.js", { mtimeNs: OBSERVED - 10n * SECOND }],
        ]);
        expect(lookUp(files, files)).to.deep.equal([undefined, 2]);
        const cache = parseDigestCache(serializeDigestCache(files, digestsFor(2), OBSERVED)!);
        expect(cachedPaths(cache)).to.deep.equal(["fresh.js", "old.js"]);
        expect(Buffer.from(cache.rows.subarray(0, STAT_ROW_BYTES))).to.deep.equal(
            Buffer.alloc(STAT_ROW_BYTES),
            "the racily clean file's row is zero",
        );
        expect(serializeDigestCache(listing([["fresh.js", { mtimeNs: OBSERVED }]]), digestsFor(1), OBSERVED)).to.equal(
            undefined,
        );
    });

    it("takes a folder's recent ctime as racily clean too (a writer that puts the mtime back leaves only the ctime), and a file's mtime alone, as git does", () => {
        const files = listing([["a", { mtimeNs: OBSERVED - 100n * SECOND, ctimeNs: OBSERVED - SECOND }]]);
        expect(lookUp(files, files)).to.deep.equal(
            [1],
            "a file's row is taken before it is read: its next change shows in the next row",
        );
        const folder = (ctimeNs: bigint): KeptListing => ({
            dependencies: { rootRealPath: "/tree", directories: ["/tree"], links: [] },
            directoryRows: listing([["/tree", { mtimeNs: OBSERVED - 100n * SECOND, ctimeNs }]]).statRows,
        });
        expect(
            parseDigestCache(serializeDigestCache(files, digestsFor(1), OBSERVED, folder(OBSERVED - SECOND))!).listing,
        ).to.equal(undefined);
        expect(
            parseDigestCache(serializeDigestCache(files, digestsFor(1), OBSERVED, folder(OBSERVED - 10n * SECOND))!)
                .listing,
        ).to.not.equal(undefined);
    });

    it("keeps a listing with its directories' rows unless one of them is racily clean, even when every file is", () => {
        const directories = listing([["/tree"], ["/tree/src"]]);
        const kept: KeptListing = {
            dependencies: {
                rootRealPath: "/tree",
                directories: ["/tree", "/tree/src"],
                links: [["/tree/a", "/elsewhere/a"]],
            },
            directoryRows: directories.statRows,
        };
        const allFresh = listing([["src/a.js", { mtimeNs: OBSERVED }]]);
        const cache = parseDigestCache(serializeDigestCache(allFresh, digestsFor(1), OBSERVED, kept)!);
        expect(cache.listing?.dependencies).to.deep.equal(kept.dependencies);
        expect(Buffer.from(cache.listing!.directoryRows)).to.deep.equal(Buffer.from(directories.statRows));
        expect(cachedPaths(cache)).to.deep.equal(["src/a.js"]);

        const racyDirectory = listing([["/tree"], ["/tree/src", { mtimeNs: OBSERVED - SECOND }]]);
        const withRacyDirectory = { ...kept, directoryRows: racyDirectory.statRows };
        expect(serializeDigestCache(allFresh, digestsFor(1), OBSERVED, withRacyDirectory)).to.equal(undefined);
        const old = listing([["src/a.js"]]);
        expect(
            parseDigestCache(serializeDigestCache(old, digestsFor(1), OBSERVED, withRacyDirectory)!).listing,
        ).to.equal(undefined);
    });

    it("round-trips any path and 64-bit field, and refuses other formats, damaged and truncated bytes", () => {
        const odd = listing([['a "quoted"\n.js', { ino: (1n << 64n) - 1n, dev: 1n << 63n }], ["z/\u{1f600}"]]);
        expect(lookUp(odd, odd)).to.deep.equal([1, 2]);
        const bytes = serializeDigestCache(odd, digestsFor(2), OBSERVED)!;
        const otherFormat = Buffer.from(bytes);
        otherFormat.write("pulumi-lambda-layer/digest-cache/v2", 0, "latin1");
        expect(() => parseDigestCache(otherFormat)).to.throw(/not a/);
        expect(() =>
            parseDigestCache(Buffer.from(JSON.stringify({ format: DIGEST_CACHE_FORMAT, files: {} }))),
        ).to.throw(/not a|damaged/);
        for (const position of [48, 60, bytes.length - 40, bytes.length - 1]) {
            const flipped = Buffer.from(bytes);
            flipped[position] ^= 1;
            expect(() => parseDigestCache(flipped), `byte ${position} flipped`).to.throw(/damaged/);
        }
        for (const length of [0, 10, 48, bytes.length - 1]) {
            expect(() => parseDigestCache(bytes.subarray(0, length)), `truncated to ${length}`).to.throw();
        }
        expect(() => parseDigestCache(Buffer.concat([bytes, Buffer.alloc(1)]))).to.throw(/damaged/);
    });

    it("loads a file that is not 4-byte aligned in memory", () => {
        const files = listing([["a"], ["b"]]);
        const bytes = serializeDigestCache(files, digestsFor(2), OBSERVED)!;
        const shifted = Buffer.alloc(bytes.length + 1).fill(0);
        bytes.copy(shifted, 1);
        const found = new Uint8Array(64);
        expect([...takeCachedDigests(parseDigestCache(shifted.subarray(1)), files, found)]).to.deep.equal([1, 1]);
    });

    it("finds its directory from the environment", () => {
        expect(digestCacheDirectory({ PULUMI_LAMBDA_LAYER_CACHE_DIR: "/tmp/x", XDG_CACHE_HOME: "/xdg" })).to.equal(
            "/tmp/x",
        );
        expect(digestCacheDirectory({ XDG_CACHE_HOME: "/xdg" })).to.equal("/xdg/pulumi-lambda-layer");
        expect(digestCacheDirectory({ XDG_CACHE_HOME: "relative" })).to.match(/\/\.cache\/pulumi-lambda-layer$/);
        expect(digestCacheDirectory({})).to.match(/\/\.cache\/pulumi-lambda-layer$/);
        expect(
            digestCacheDirectory({ PULUMI_LAMBDA_LAYER_CACHE: "off", PULUMI_LAMBDA_LAYER_CACHE_DIR: "/tmp/x" }),
        ).to.equal(undefined);
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

    const hashInNewProcess = (root: string, env: NodeJS.ProcessEnv) =>
        runInNode<Run>(HASH_IN_NODE, { source: { path: root } }, env);

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

    it("matches, in the next run's stat pass, the stats a big tree's first run took of each file once it was open", () => {
        const { root, env } = setUp(4_500); // big enough to be read in one pass, each file stat'ed once open
        const first = hashInNewProcess(root, env);
        expect(first.filesRead).to.equal(4_500);
        expect(hashInNewProcess(root, env)).to.deep.equal({ sourceHash: first.sourceHash, filesRead: 0 });
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
        const good = fs.readFileSync(cacheFile);
        const flipped = Buffer.from(good);
        flipped[100] ^= 1; // inside the entries
        const nextVersion = Buffer.from(good);
        nextVersion.write("pulumi-lambda-layer/digest-cache/v4", 0, "latin1");
        const oldVersion = JSON.stringify({ format: "pulumi-lambda-layer/digest-cache/v1", files: {} });
        for (const damaged of [
            good.subarray(0, good.length / 2),
            good.subarray(0, good.length - 1),
            flipped,
            Buffer.from("\u0000garbage{"),
            nextVersion,
            Buffer.from(oldVersion),
            Buffer.alloc(0),
        ]) {
            fs.writeFileSync(cacheFile, damaged);
            expect(loadDigestCache(cacheFile).count).to.equal(0);
            expect(hashInNewProcess(root, env)).to.deep.equal({ sourceHash, filesRead: 20 });
            expect(loadDigestCache(cacheFile).count).to.equal(20, "rewritten whole");
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
            const fs = require("fs"), path = require("path"), cache = require(provider + "/hashing/hashCache.js");
            require(provider + "/hashing/contentDigests.js").computeSourceHash(args.source, "/").then((result) => {
                const dir = process.env.PULUMI_LAMBDA_LAYER_CACHE_DIR;
                const file = path.join(dir, fs.readdirSync(dir).find((name) => name.endsWith(".digests")));
                const content = fs.readFileSync(file);
                for (let round = 0; round < 30; round++) cache.saveDigestCache(file, content);
                console.log(JSON.stringify({ sourceHash: result.sourceHash, loaded: cache.loadDigestCache(file).count }));
            });`;
        // The reader loads whatever is there, as fast as it can: it must find nothing, or all 300 entries.
        const reader = `
            const fs = require("fs"), path = require("path"), cache = require(provider + "/hashing/hashCache.js");
            const dir = process.env.PULUMI_LAMBDA_LAYER_CACHE_DIR;
            let reads = 0, torn = 0;
            const deadline = Date.now() + 3000;
            while (Date.now() < deadline && reads < 2000) {
                const name = fs.existsSync(dir) && fs.readdirSync(dir).find((entry) => entry.endsWith(".digests"));
                if (!name) continue;
                reads++;
                if (cache.loadDigestCache(path.join(dir, name)).count !== 300) torn++;
            }
            console.log(JSON.stringify({ reads, torn }));`;
        const [readerResult, ...writers] = await Promise.all([
            runConcurrently<{ reads: number; torn: number }>(reader, args, env),
            ...Array.from({ length: 3 }, () =>
                runConcurrently<{ sourceHash: string; loaded: number }>(writer, args, env),
            ),
        ]);
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
            const child = spawn(process.execPath, ["-e", program], {
                env: { ...process.env, ...env },
                stdio: ["ignore", "pipe", "inherit"],
            });
            let output = "";
            child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
            child.on("error", reject);
            child.on("close", (code) =>
                code === 0 ? resolve(JSON.parse(output) as T) : reject(new Error(`exit ${code}`)),
            );
        });
    }
});
