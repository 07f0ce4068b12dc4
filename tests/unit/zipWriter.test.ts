import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import JSZip from "jszip";
import { listSourceFiles, SourceError } from "../../provider/sourceFiles";
import type { LayerSource } from "../../provider/types";
import { writeLayerZip } from "../../provider/zipWriter";
import { removeTempDirs, runInNode, setTimes, tempDir, withUmask077, writeTree, type TreeFile } from "./fileTrees";

const tree: Record<string, TreeFile> = {
    "index.js": "exports.handler = async () => 'ok';\n",
    "bin/tool": { content: "#!/bin/sh\necho tool\n", mode: 0o755 },
    "lib/deep/data.json": JSON.stringify({ a: [1, 2, 3] }),
    ".hidden": "dot file",
    "empty.txt": "",
};

/** Lists `root` and zips it into a new file; returns the file's path and what writeLayerZip reported. */
async function zipTree(root: string, source: Partial<LayerSource> = {}) {
    const zipPath = path.join(tempDir("zip-"), "layer.zip");
    const written = await writeLayerZip(listSourceFiles({ path: root, ...source }, "/"), zipPath);
    return { zipPath, written, bytes: fs.readFileSync(zipPath) };
}

const ZIP_IN_NODE = `
const { listSourceFiles } = require(provider + "/sourceFiles.js");
require(provider + "/zipWriter.js").writeLayerZip(listSourceFiles({ path: args.root }, "/"), args.zipPath)
    .then((written) => console.log(JSON.stringify(written)))
    .catch((e) => { console.error(e); process.exit(1); });`;

describe("writeLayerZip", function () {
    this.timeout(60_000);
    after(removeTempDirs);

    it("writes the files sorted, without folders, with the fixed date, normalized modes and their content", async () => {
        const root = writeTree(tempDir(), tree);
        const { bytes } = await zipTree(root);
        const zip = await JSZip.loadAsync(bytes);
        const entries = Object.values(zip.files);
        expect(entries.map((entry) => entry.name)).to.deep.equal([".hidden", "bin/tool", "empty.txt", "index.js", "lib/deep/data.json"]);
        expect(entries.filter((entry) => entry.dir)).to.deep.equal([]);
        // jszip reads DOS dates as UTC fields: the stored fields are 1980-01-01 00:00:00.
        expect(new Set(entries.map((entry) => entry.date.toISOString()))).to.deep.equal(new Set(["1980-01-01T00:00:00.000Z"]));
        const modes = Object.fromEntries(entries.map((entry) => [entry.name, entry.unixPermissions]));
        expect(modes).to.deep.include({ "bin/tool": 0o100755, "index.js": 0o100644, ".hidden": 0o100644 });
        expect(await zip.file("lib/deep/data.json")!.async("string")).to.equal(tree["lib/deep/data.json"]);
        expect(await zip.file("empty.txt")!.async("string")).to.equal("");
    });

    it("reports the zip's size and base64 sha256, as AWS computes CodeSha256", async () => {
        const { written, bytes } = await zipTree(writeTree(tempDir(), tree));
        expect(written).to.deep.equal({ bytes: bytes.length, sha256Base64: createHash("sha256").update(bytes).digest("base64") });
    });

    it("places every entry under the prefix", async () => {
        const { bytes } = await zipTree(writeTree(tempDir(), tree), { prefix: "nodejs" });
        const names = Object.keys((await JSZip.loadAsync(bytes)).files);
        expect(names).to.have.length(5);
        expect(names.every((name) => name.startsWith("nodejs/"))).to.equal(true, names.join(", "));
    });

    it("writes the same bytes for the same tree in another folder, with other mtimes, creation order and umask", async () => {
        const first = writeTree(tempDir(), tree);
        setTimes(first, new Date("1999-12-31T23:59:59Z"));
        const second = writeTree(tempDir(), withUmask077(tree));
        const [a, b] = [await zipTree(first), await zipTree(second)];
        expect(b.bytes.equals(a.bytes)).to.equal(true);
    });

    it("writes the same bytes in every timezone", async () => {
        const root = writeTree(tempDir(), tree);
        const { written } = await zipTree(root);
        const zones = ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham"];
        const outputs = zones.map((zone) => {
            const zipPath = path.join(tempDir("zip-"), "layer.zip");
            const fromChild = runInNode<{ sha256Base64: string }>(ZIP_IN_NODE, { root, zipPath }, { TZ: zone });
            return { zone, sha256Base64: fromChild.sha256Base64, onDisk: createHash("sha256").update(fs.readFileSync(zipPath)).digest("base64") };
        });
        for (const output of outputs) {
            expect(output, output.zone).to.deep.equal({ zone: output.zone, sha256Base64: written.sha256Base64, onDisk: written.sha256Base64 });
        }
    });

    it("keeps big trees intact and deterministic: many small files, files streamed from disk, incompressible data", async () => {
        const files: Record<string, TreeFile> = {};
        for (let index = 0; index < 300; index++) {
            files[`small/${String(index).padStart(3, "0")}.txt`] = `line ${index}\n`.repeat(index);
        }
        files["big/random.bin"] = pseudoRandomBytes(6 << 20); // over the size that is streamed, and incompressible
        files["big/text.txt"] = "compressible ".repeat(400_000);
        const root = writeTree(tempDir(), files);
        const first = await zipTree(root);
        const zip = await JSZip.loadAsync(first.bytes);
        expect(Object.keys(zip.files)).to.have.length(302);
        expect((await zip.file("big/random.bin")!.async("nodebuffer")).equals(files["big/random.bin"] as Buffer)).to.equal(true);
        expect(await zip.file("small/299.txt")!.async("string")).to.equal(files["small/299.txt"]);
        expect(first.bytes.length).to.be.lessThan((6 << 20) + 200_000);
        const second = await zipTree(root);
        expect(second.bytes.equals(first.bytes)).to.equal(true);
    });

    it("fails, naming the file, when a file changed size or vanished after it was listed", async () => {
        const root = writeTree(tempDir(), tree);
        const failureOf = async () => {
            const error = await writeLayerZip(listed, path.join(tempDir("zip-"), "layer.zip")).then(() => undefined, (caught: unknown) => caught);
            expect(error).to.be.instanceOf(SourceError);
            return (error as Error).message;
        };
        let listed = listSourceFiles({ path: root }, "/");
        fs.appendFileSync(path.join(root, "index.js"), "// more\n");
        expect(await failureOf()).to.include("index.js").and.include("changed while the zip was written");

        listed = listSourceFiles({ path: root }, "/");
        fs.rmSync(path.join(root, "bin", "tool"));
        expect(await failureOf()).to.include(path.join("bin", "tool")).and.include("cannot be read").and.include("ENOENT");
    });
});

/** Deterministic incompressible bytes. */
function pseudoRandomBytes(length: number): Buffer {
    const chunks: Buffer[] = [];
    let block = createHash("sha256").update("seed").digest();
    for (let size = 0; size < length; size += block.length) {
        chunks.push(block);
        block = createHash("sha256").update(block).digest();
    }
    return Buffer.concat(chunks).subarray(0, length);
}
