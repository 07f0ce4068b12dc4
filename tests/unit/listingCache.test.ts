import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import type { LayerSource } from "../../provider/types";
import { removeTempDirs, runInNode, setTimes, tempDir, writeTree } from "./fileTrees";

/** What one `check` in a new process found. */
interface Check {
    sourceHash: string;
    zipPaths: string[];
    filesRead: number;
    listingReused: boolean;
}

const CHECK_IN_NODE = `
require(provider + "/contentDigests.js").computeSourceHash(args.source, "/")
    .then((r) => console.log(JSON.stringify({ sourceHash: r.sourceHash, zipPaths: r.files.map((f) => f.zipPath), filesRead: r.filesRead, listingReused: r.listingReused })))
    .catch((e) => console.log(JSON.stringify({ error: e.message })));`;

const LONG_AGO = new Date("2020-01-01T00:00:00Z");

describe("the kept listing", function () {
    this.timeout(120_000);
    after(removeTempDirs);

    const cacheEnv = () => ({ PULUMI_LAMBDA_LAYER_CACHE_DIR: tempDir("cache-") });
    const check = (source: LayerSource, env: NodeJS.ProcessEnv) => runInNode<Check>(CHECK_IN_NODE, { source }, env);
    /** The same check with no cache at all: what a cached run must agree with. */
    const truth = (source: LayerSource) => runInNode<Check>(CHECK_IN_NODE, { source }, { PULUMI_LAMBDA_LAYER_CACHE: "off" });

    /** Asserts that a check agrees with the truth, and returns whether it reused the listing. */
    function checkAgrees(source: LayerSource, env: NodeJS.ProcessEnv): boolean {
        const cached = check(source, env);
        const { sourceHash, zipPaths } = truth(source);
        expect({ sourceHash: cached.sourceHash, zipPaths: cached.zipPaths }).to.deep.equal({ sourceHash, zipPaths });
        return cached.listingReused;
    }

    /** Ages the whole tree (so no directory is racily clean) and checks twice: the first lists it, the second reuses that. */
    function settle(root: string, source: LayerSource, env: NodeJS.ProcessEnv): void {
        setTimes(root, LONG_AGO);
        checkAgrees(source, env);
        expect(checkAgrees(source, env)).to.equal(true, "an unchanged tree's listing is reused");
    }

    it("is reused while the tree keeps its shape, even when a file's content changes, and is dropped by any change of shape", () => {
        const root = writeTree(tempDir(), { "src/a.js": "a", "src/b.js": "b", "src/deep/c.js": "c", "lib/d.txt": "d", "top.txt": "t" });
        const source = { path: root };
        const env = cacheEnv();
        setTimes(root, LONG_AGO);
        expect(check(source, env)).to.include({ listingReused: false, filesRead: 5 });
        expect(check(source, env)).to.include({ listingReused: true, filesRead: 0 });

        fs.writeFileSync(path.join(root, "src/deep/c.js"), "changed in place");
        expect(checkAgrees(source, env)).to.equal(true, "an edit in place leaves the folder as it was");
        expect(check(source, env).filesRead).to.equal(1, "the racily clean file is read again");

        const changes: Record<string, () => void> = {
            "a file added": () => fs.writeFileSync(path.join(root, "src/new.js"), "new"),
            "a file removed": () => fs.rmSync(path.join(root, "src/b.js")),
            "a file renamed": () => fs.renameSync(path.join(root, "src/a.js"), path.join(root, "src/a2.js")),
            "a folder added": () => writeTree(root, { "src/more/e.js": "e" }),
            "a file replaced by a folder": () => {
                fs.rmSync(path.join(root, "lib/d.txt"));
                writeTree(root, { "lib/d.txt/inner.txt": "inner" });
            },
            "a folder removed": () => fs.rmSync(path.join(root, "src/deep"), { recursive: true }),
        };
        for (const [change, make] of Object.entries(changes)) {
            settle(root, source, env);
            make();
            expect(checkAgrees(source, env)).to.equal(false, change);
        }
        expect(truth(source).zipPaths).to.deep.equal(["lib/d.txt/inner.txt", "src/a2.js", "src/more/e.js", "src/new.js", "top.txt"]);
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
        const root = writeTree(tempDir(), { "lib/a.js": "a", "other/x.txt": "x" });
        const source = { path: root, include: ["lib/**", "extra/named.txt", "later/**"] };
        const env = cacheEnv();
        settle(root, source, env);
        writeTree(root, { "extra/named.txt": "named" });
        expect(checkAgrees(source, env)).to.equal(false);
        settle(root, source, env);
        writeTree(root, { "later/deep/y.txt": "y" });
        expect(checkAgrees(source, env)).to.equal(false);
        expect(truth(source).zipPaths).to.deep.equal(["extra/named.txt", "later/deep/y.txt", "lib/a.js"]);
    });

    it("refuses a link that now leads outside source.path through a link outside the tree, instead of reading it", () => {
        const outside = writeTree(tempDir(), { "secret.txt": "secret" });
        const root = writeTree(tempDir(), { "a.txt": "a" });
        fs.symlinkSync(path.join(root, "a.txt"), path.join(outside, "hop"));
        fs.symlinkSync(path.join(outside, "hop"), path.join(root, "link.txt"));
        const source = { path: root };
        const env = cacheEnv();
        settle(root, source, env);
        expect(truth(source).zipPaths).to.deep.equal(["a.txt", "link.txt"]);

        // Nothing in the tree changes: only the link outside it.
        fs.rmSync(path.join(outside, "hop"));
        fs.symlinkSync(path.join(outside, "secret.txt"), path.join(outside, "hop"));
        const result = runInNode<{ error?: string }>(CHECK_IN_NODE, { source }, env);
        expect(result.error).to.include("link.txt").and.include("outside source.path");
    });

    it("lists a followed link's target again when it turns from a file into a folder", () => {
        const outside = writeTree(tempDir(), { "target": "a file" });
        const root = writeTree(tempDir(), { "a.txt": "a" });
        fs.symlinkSync(path.join(outside, "target"), path.join(root, "link"));
        const source = { path: root, followSymlinks: true };
        const env = cacheEnv();
        setTimes(outside, LONG_AGO);
        settle(root, source, env);

        fs.rmSync(path.join(outside, "target"));
        writeTree(outside, { "target/inside.txt": "inside" });
        expect(checkAgrees(source, env)).to.equal(false);
        expect(truth(source).zipPaths).to.deep.equal(["a.txt", "link/inside.txt"]);
    });

    it("is not kept after a link that could not be followed, even one that exclude leaves out", () => {
        const root = writeTree(tempDir(), { "a.txt": "a" });
        setTimes(root, LONG_AGO);
        fs.symlinkSync(path.join(root, "missing"), path.join(root, "broken"));
        fs.utimesSync(root, LONG_AGO, LONG_AGO);
        const source = { path: root, exclude: ["broken"] };
        const env = cacheEnv();
        expect(checkAgrees(source, env)).to.equal(false);
        expect(checkAgrees(source, env)).to.equal(false);
    });
});
