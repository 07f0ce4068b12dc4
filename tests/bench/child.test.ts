import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { FileSystem } from "aws-cdk-lib";
import { countFiles } from "../../bench/corpus";
import { timeChild } from "../../bench/measure";
import { lifecycle } from "../../provider";
import { removeTempDirs, setTimes, tempDir, writeTree } from "../helpers/fileTrees";

describe("bench steps", () => {
    after(removeTempDirs);

    function tree(): string {
        const root = writeTree(tempDir("bench-tree-"), {
            "index.js": "module.exports = 1;\n",
            "lib/a.js": "exports.a = 'a';\r\n",
            "lib/data.bin": Buffer.from([0, 1, 2, 3]),
        });
        fs.symlinkSync("../index.js", path.join(root, "lib", "link.js"));
        // Old mtimes, as npm gives: the digest cache keeps nothing about a file changed in the last seconds.
        setTimes(root, new Date("2000-01-01T00:00:00Z"));
        return root;
    }

    it("check: the provider's check as a preview calls it, in a new process, with the digest cache where it is told", async () => {
        const root = tree();
        const cacheDir = path.join(tempDir("bench-cache-"), "cache");
        const inputs = { layerName: "bench", source: { path: root } };
        const sample = timeChild({ step: "check", inputs, olds: {} }, { PULUMI_LAMBDA_LAYER_CACHE_DIR: cacheDir });
        const inProcess = await lifecycle.check({}, inputs);
        expect(sample.reply.digest)
            .to.equal(inProcess.inputs?.sourceHash)
            .and.to.match(/^[0-9a-f]{64}$/);
        expect(sample.reply.loadMs).to.be.a("number").and.to.be.at.most(sample.reply.inProcessMs);
        expect(fs.readdirSync(cacheDir).length).to.be.greaterThan(0);
    });

    it("check: a check that fails makes the step fail with the provider's reason first", () => {
        const inputs = { layerName: "bench", source: { path: path.join(tempDir("bench-missing-"), "nothing") } };
        expect(() => timeChild({ step: "check", inputs, olds: {} }, {}))
            .to.throw()
            .with.property("message")
            .that.matches(/^check failed: source\.path/);
    });

    it("cdk fingerprint: aws-cdk-lib's FileSystem.fingerprint, cold in a new HOME (its cache written there), then cached", () => {
        const root = tree();
        const home = tempDir("bench-home-");
        const sample = timeChild({ step: "cdk fingerprint", root }, { HOME: home });
        expect(sample.reply.digest).to.equal(FileSystem.fingerprint(root));
        expect(sample.reply.cachedMs).to.be.a("number");
        expect(fs.readdirSync(path.join(home, ".cdk", "cache", "fingerprints"))).to.have.length(1);
    });

    it("countFiles counts regular files as find -L does: links followed, folders not counted", () => {
        const root = tree();
        fs.symlinkSync("lib", path.join(root, "lib-again"));
        // index.js, lib/{a.js, data.bin, link.js}, and lib-again/ with the same three.
        const [index, a, data] = [20, 18, 4];
        expect(countFiles(root)).to.deep.equal({ files: 7, bytes: index + 2 * (a + data + index) });
    });
});
