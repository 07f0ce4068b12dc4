import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import type { LayerSource } from "../../../provider/types";
import { removeTempDirs, runInNode, setTimes, tempDir, writeTree } from "../../helpers/fileTrees";

/** What one `check` in a new process found. */
interface Check {
    sourceHash: string;
    zipPaths: string[];
    filesRead: number;
    listingReused: boolean;
}

const CHECK_IN_NODE = `
require(provider + "/hashing/contentDigests.js").computeSourceHash(args.source, "/")
    .then((r) => console.log(JSON.stringify({ sourceHash: r.sourceHash, zipPaths: r.files.map((f) => f.zipPath), filesRead: r.filesRead, listingReused: r.listingReused })))
    .catch((e) => console.log(JSON.stringify({ error: e.message })));`;

const LONG_AGO = new Date("2020-01-01T00:00:00Z");

describe("the kept listing", function () {
    this.timeout(120_000);
    after(removeTempDirs);

    const cacheEnv = () => ({ PULUMI_LAMBDA_LAYER_CACHE_DIR: tempDir("cache-") });
    const check = (source: LayerSource, env: NodeJS.ProcessEnv) => runInNode<Check>(CHECK_IN_NODE, { source }, env);
    /** The same check with no cache at all: what a cached run must agree with. */
    const truth = (source: LayerSource) =>
        runInNode<Check>(CHECK_IN_NODE, { source }, { PULUMI_LAMBDA_LAYER_CACHE: "off" });

    /** Asserts that a check agrees with the truth, and returns whether it reused the listing. */
    function checkAgrees(source: LayerSource, env: NodeJS.ProcessEnv): boolean {
        const cached = check(source, env);
        const { sourceHash, zipPaths } = truth(source);
        expect({ sourceHash: cached.sourceHash, zipPaths: cached.zipPaths }).to.deep.equal({ sourceHash, zipPaths });
        return cached.listingReused;
    }

    /**
     * Ages the trees' mtimes and waits until their folders' ctimes (set by that) are older than the
     * timestamp granularity, so that none is racily clean; then checks each twice: the first lists it, the
     * second reuses that listing.
     */
    function settle(...trees: Array<{ root: string; source: LayerSource; env: NodeJS.ProcessEnv }>): void {
        age(...trees.map(({ root }) => root));
        for (const { source, env } of trees) {
            checkAgrees(source, env);
            expect(checkAgrees(source, env)).to.equal(true, "an unchanged tree's listing is reused");
        }
    }

    /** Sets the mtimes under `roots` long ago, and waits until the ctimes that set are older than the granularity. */
    function age(...roots: string[]): void {
        roots.forEach((root) => setTimes(root, LONG_AGO));
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2_100);
    }

    /** A tree from `files`, with a cache of its own. */
    function tree(
        files: Record<string, string>,
        options: Partial<LayerSource> = {},
    ): { root: string; source: LayerSource; env: NodeJS.ProcessEnv } {
        const root = writeTree(tempDir(), files);
        return { root, source: { ...options, path: root }, env: cacheEnv() };
    }

    it("is reused while the tree keeps its shape, even when a file's content changes, and is dropped by any change of shape", () => {
        const files = { "src/a.js": "a", "src/b.js": "b", "src/deep/c.js": "c", "lib/d.txt": "d", "top.txt": "t" };
        const changes: Record<string, (root: string) => void> = {
            "a file added": (root) => fs.writeFileSync(path.join(root, "src/new.js"), "new"),
            "a file removed": (root) => fs.rmSync(path.join(root, "src/b.js")),
            "a file renamed": (root) => fs.renameSync(path.join(root, "src/a.js"), path.join(root, "src/a2.js")),
            "a folder added": (root) => writeTree(root, { "src/more/e.js": "e" }),
            "a file replaced by a folder": (root) => {
                fs.rmSync(path.join(root, "lib/d.txt"));
                writeTree(root, { "lib/d.txt/inner.txt": "inner" });
            },
            "a folder removed": (root) => fs.rmSync(path.join(root, "src/deep"), { recursive: true }),
        };
        const edited = tree(files);
        const changed = Object.keys(changes).map(() => tree(files));
        settle(edited, ...changed);

        fs.writeFileSync(path.join(edited.root, "src/deep/c.js"), "changed in place");
        expect(checkAgrees(edited.source, edited.env)).to.equal(true, "an edit in place leaves the folder as it was");
        expect(check(edited.source, edited.env).filesRead).to.equal(1, "the racily clean file is read again");

        Object.entries(changes).forEach(([change, make], index) => {
            make(changed[index].root);
            expect(checkAgrees(changed[index].source, changed[index].env)).to.equal(false, change);
        });
    });

    it("is not kept while a folder is racily clean: a change within the same timestamp tick could go unseen", () => {
        const root = writeTree(tempDir(), { "a.txt": "a", "sub/b.txt": "b" });
        setTimes(root, LONG_AGO);
        fs.utimesSync(path.join(root, "sub"), new Date(Date.now() + 60_000), new Date(Date.now() + 60_000)); // "just now", however slow this machine
        const env = cacheEnv();
        expect(checkAgrees({ path: root }, env)).to.equal(false);
        expect(checkAgrees({ path: root }, env)).to.equal(false);
        expect(check({ path: root }, env).filesRead).to.equal(0, "the files' digests are kept all the same");
    });

    it("sees a path named by a pattern, or a pattern's base folder, appear where nothing was read", () => {
        const options = { include: ["lib/**", "extra/named.txt", "later/**"] };
        const [named, based] = [
            tree({ "lib/a.js": "a", "other/x.txt": "x" }, options),
            tree({ "lib/a.js": "a", "other/x.txt": "x" }, options),
        ];
        settle(named, based);
        writeTree(named.root, { "extra/named.txt": "named" });
        expect(checkAgrees(named.source, named.env)).to.equal(false);
        writeTree(based.root, { "later/deep/y.txt": "y" });
        expect(checkAgrees(based.source, based.env)).to.equal(false);
        expect(truth(named.source).zipPaths).to.deep.equal(["extra/named.txt", "lib/a.js"]);
        expect(truth(based.source).zipPaths).to.deep.equal(["later/deep/y.txt", "lib/a.js"]);
    });

    for (const include of [["a/b/**"], ["a/b/f.txt"]]) {
        it(`refuses a folder on the way to a pattern's base that is swapped for a link leaving source.path (include ${include.join()})`, () => {
            const { root, source, env } = tree({ "a/b/f.txt": "f" }, { include });
            const outside = tempDir();
            settle({ root, source, env });

            fs.renameSync(path.join(root, "a"), path.join(outside, "a"));
            fs.symlinkSync(path.join(outside, "a"), path.join(root, "a"));
            const result = runInNode<{ error?: string }>(CHECK_IN_NODE, { source }, env);
            expect(result.error).to.include("outside source.path");
        });
    }

    it("lists again when source.path, a link, now resolves elsewhere through a folder swapped above it", () => {
        const parent = tempDir();
        writeTree(parent, { "real/tree/a.txt": "a" });
        fs.symlinkSync("real/tree", path.join(parent, "link"));
        const source = { path: path.join(parent, "link") };
        const env = cacheEnv();
        settle({ root: path.join(parent, "real"), source, env });

        // The same folders, reached through another real path: only the real path of source.path changes.
        fs.renameSync(path.join(parent, "real"), path.join(parent, "real2"));
        fs.symlinkSync("real2", path.join(parent, "real"));
        expect(checkAgrees(source, env)).to.equal(false);
    });

    it("lists again, instead of failing, when a file of a kept listing is gone without its folder showing it", () => {
        const { root, source, env } = tree({ "a.txt": "a", "sub/b.txt": "b" });
        settle({ root, source, env });
        // A cache whose kept listing names a file that is not there, as a folder change that went unseen would leave it.
        runInNode(
            `const fs = require("fs"), path = require("path"), cache = require(provider + "/hashing/hashCache.js");
            const dir = process.env.PULUMI_LAMBDA_LAYER_CACHE_DIR;
            const file = path.join(dir, fs.readdirSync(dir).find((name) => name.endsWith(".digests")));
            const kept = cache.loadDigestCache(file);
            const relativePaths = [...cache.cachedPaths(kept), "zz-gone.txt"];
            const statRows = Buffer.concat([kept.rows, Buffer.alloc(kept.rows.length / kept.count)]);
            const digests = Buffer.concat([kept.digests, Buffer.alloc(32)]);
            cache.saveDigestCache(file, cache.serializeDigestCache({ relativePaths, statRows }, digests, BigInt(Date.now()) * 1000000n, kept.listing));
            console.log(JSON.stringify(cache.cachedPaths(cache.loadDigestCache(file))));`,
            {},
            env,
        );
        expect(checkAgrees(source, env)).to.equal(false);
        expect(checkAgrees(source, env)).to.equal(true);
    });

    it("refuses a link that now leads outside source.path through a link outside the tree, instead of reading it", () => {
        const outside = writeTree(tempDir(), { "secret.txt": "secret" });
        const root = writeTree(tempDir(), { "a.txt": "a" });
        fs.symlinkSync(path.join(root, "a.txt"), path.join(outside, "hop"));
        fs.symlinkSync(path.join(outside, "hop"), path.join(root, "link.txt"));
        const source = { path: root };
        const env = cacheEnv();
        settle({ root, source, env });
        expect(truth(source).zipPaths).to.deep.equal(["a.txt", "link.txt"]);

        // Nothing in the tree changes: only the link outside it.
        fs.rmSync(path.join(outside, "hop"));
        fs.symlinkSync(path.join(outside, "secret.txt"), path.join(outside, "hop"));
        const result = runInNode<{ error?: string }>(CHECK_IN_NODE, { source }, env);
        expect(result.error).to.include("link.txt").and.include("outside source.path");
    });

    it("lists a followed link's target again when it turns from a file into a folder", () => {
        const outside = writeTree(tempDir(), { target: "a file" });
        const root = writeTree(tempDir(), { "a.txt": "a" });
        fs.symlinkSync(path.join(outside, "target"), path.join(root, "link"));
        const source = { path: root, followSymlinks: true };
        const env = cacheEnv();
        setTimes(outside, LONG_AGO);
        settle({ root, source, env });

        fs.rmSync(path.join(outside, "target"));
        writeTree(outside, { "target/inside.txt": "inside" });
        expect(checkAgrees(source, env)).to.equal(false);
        expect(truth(source).zipPaths).to.deep.equal(["a.txt", "link/inside.txt"]);
    });

    it("is not kept after a link that could not be followed, even one that exclude leaves out", () => {
        const { root, source, env } = tree({ "a.txt": "a" }, { exclude: ["broken"] });
        fs.symlinkSync(path.join(root, "missing"), path.join(root, "broken"));
        fs.utimesSync(root, LONG_AGO, LONG_AGO);
        age(); // only waits: the tree and its link are set long ago already
        expect(checkAgrees(source, env)).to.equal(false);
        expect(checkAgrees(source, env)).to.equal(false);
    });
});
