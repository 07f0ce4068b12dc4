import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import JSZip from "jszip";
import { needsPython3 } from "../../helpers/externalTools";
import { listSourceFiles } from "../../../provider/listing/sourceFiles";
import { SourceError } from "../../../provider/listing/sourceError";
import type { LayerSource } from "../../../provider/types";
import { DEFAULT_ZIP_TUNING, writeLayerZip, ZIP_COMPRESSION, type ZipTuning } from "../../../provider/zip/zipWriter";
import { computeSourceHash } from "../../../provider/hashing/contentDigests";
import { hashSourceFiles } from "../../../provider/hashing/sourceHash";
import { readContentDigests } from "../../helpers/digests";
import {
    removeTempDirs,
    runInNode,
    setTimes,
    tempDir,
    withUmask077,
    writeTree,
    type TreeFile,
} from "../../helpers/fileTrees";

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
const { listSourceFiles } = require(provider + "/listing/sourceFiles.js");
require(provider + "/zip/zipWriter.js").writeLayerZip(listSourceFiles({ path: args.root }, "/"), args.zipPath)
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
        expect(entries.map((entry) => entry.name)).to.deep.equal([
            ".hidden",
            "bin/tool",
            "empty.txt",
            "index.js",
            "lib/deep/data.json",
        ]);
        expect(entries.filter((entry) => entry.dir)).to.deep.equal([]);
        // jszip reads DOS dates as UTC fields: the stored fields are 1980-01-01 00:00:00.
        expect(new Set(entries.map((entry) => entry.date.toISOString()))).to.deep.equal(
            new Set(["1980-01-01T00:00:00.000Z"]),
        );
        const modes = Object.fromEntries(entries.map((entry) => [entry.name, entry.unixPermissions]));
        expect(modes).to.deep.include({ "bin/tool": 0o100755, "index.js": 0o100644, ".hidden": 0o100644 });
        expect(await zip.file("lib/deep/data.json")!.async("string")).to.equal(tree["lib/deep/data.json"]);
        expect(await zip.file("empty.txt")!.async("string")).to.equal("");
    });

    it("reports the zip's size and base64 sha256, as AWS computes CodeSha256", async () => {
        const { written, bytes } = await zipTree(writeTree(tempDir(), tree));
        expect({ bytes: written.bytes, sha256Base64: written.sha256Base64 }).to.deep.equal({
            bytes: bytes.length,
            sha256Base64: createHash("sha256").update(bytes).digest("base64"),
        });
    });

    it("reports each file's content digest as zipped, so the source hash of the zip is check's for an unchanged tree", async () => {
        // Small files in a batch on this thread, and big ones streamed, deflated and stored, on workers.
        const root = writeTree(tempDir(), {
            ...tree,
            "big/text.txt": "streamed text ".repeat(200_000),
            "big/random.bin": randomBytes(3 << 20),
        });
        for (const tuning of [DEFAULT_ZIP_TUNING, { ...DEFAULT_ZIP_TUNING, workersFromBytes: 0 }]) {
            const files = listSourceFiles({ path: root, prefix: "nodejs/" }, "/");
            const written = await writeLayerZip(files, path.join(tempDir("zip-"), "layer.zip"), tuning);
            expect(Buffer.from(written.contentDigests).equals(readContentDigests(files))).to.equal(true);
            const checked = await computeSourceHash({ path: root, prefix: "nodejs/" }, "/");
            expect(
                hashSourceFiles(files, { prefix: "nodejs/", compression: ZIP_COMPRESSION }, written.contentDigests),
            ).to.equal(checked.sourceHash);
        }
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
            return {
                zone,
                sha256Base64: fromChild.sha256Base64,
                onDisk: createHash("sha256").update(fs.readFileSync(zipPath)).digest("base64"),
            };
        });
        for (const output of outputs) {
            expect(output, output.zone).to.deep.equal({
                zone: output.zone,
                sha256Base64: written.sha256Base64,
                onDisk: written.sha256Base64,
            });
        }
    });

    it("keeps big trees intact: many small files, files streamed from disk, incompressible data stored [needs python3]", async function () {
        needsPython3(this);
        const root = writeTree(tempDir(), bigTree());
        const { zipPath, bytes } = await zipTree(root);
        const zip = await JSZip.loadAsync(bytes);
        expect(Object.keys(zip.files)).to.have.length(342);
        expect(
            (await zip.file("big/random.bin")!.async("nodebuffer")).equals(
                fs.readFileSync(path.join(root, "big/random.bin")),
            ),
        ).to.equal(true);
        expect(await zip.file("small/299.txt")!.async("string")).to.equal(`line 299\n`.repeat(299));
        expect(readWithPython(zipPath)).to.deep.equal({
            testzip: null,
            methods: {
                "big/random.bin": "stored",
                "big/text.txt": "deflated",
                "medium/00.bin": "stored",
                "medium/00.txt": "deflated",
                "small/000.txt": "stored",
                "small/299.txt": "deflated",
            },
        });
        expect(bytes.length).to.be.lessThan((6 << 20) + 20 * 100_000 + 200_000);
    });

    it("zips a small tree whose big file is streamed on the calling thread, between other files [needs python3]", async function () {
        needsPython3(this);
        const root = writeTree(tempDir(), {
            "a.txt": "a",
            "big.txt": "big text ".repeat(200_000),
            "big2.bin": pseudoRandomBytes(1_500_000, "b2"),
            "z.txt": "z".repeat(10_000),
        });
        const files = listSourceFiles({ path: root }, "/");
        const zipPath = path.join(tempDir("zip-"), "layer.zip");
        const here = await writeLayerZip(files, zipPath); // under workersFromBytes: all on this thread
        const python = execFileSync(
            "python3",
            ["-c", "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).testzip())", zipPath],
            { encoding: "utf8" },
        );
        expect(python.trim()).to.equal("None");
        const onWorkers = await writeLayerZip(files, path.join(tempDir("zip-"), "layer.zip"), {
            ...DEFAULT_ZIP_TUNING,
            workersFromBytes: 0,
        });
        expect(onWorkers.sha256Base64).to.equal(here.sha256Base64);
    });

    it("writes the same bytes whichever thread compresses an entry, and however the files are batched or streamed", async () => {
        const files = listSourceFiles({ path: writeTree(tempDir(), bigTree()) }, "/");
        const bytesWith = async (tuning: ZipTuning) => {
            const zipPath = path.join(tempDir("zip-"), "layer.zip");
            await writeLayerZip(files, zipPath, tuning);
            return fs.readFileSync(zipPath);
        };
        const usual = await bytesWith(DEFAULT_ZIP_TUNING);
        const variants: ZipTuning[] = [
            { batchBytes: 1, streamedFileBytes: Infinity, workersFromBytes: 0 }, // one file per batch, every one on a worker
            { batchBytes: Infinity, streamedFileBytes: Infinity, workersFromBytes: Infinity }, // one batch, on this thread
            { batchBytes: 64 << 10, streamedFileBytes: 0, workersFromBytes: 0 }, // every file streamed
        ];
        for (const tuning of variants) {
            expect((await bytesWith(tuning)).equals(usual)).to.equal(true, JSON.stringify(tuning));
        }
    });

    it("fails, naming the file, when a file changed size or vanished after it was listed", async () => {
        const root = writeTree(tempDir(), tree);
        const failureOf = async () => {
            const error = await writeLayerZip(listed, path.join(tempDir("zip-"), "layer.zip")).then(
                () => undefined,
                (caught: unknown) => caught,
            );
            expect(error).to.be.instanceOf(SourceError);
            return (error as Error).message;
        };
        let listed = listSourceFiles({ path: root }, "/");
        fs.appendFileSync(path.join(root, "index.js"), "// more\n");
        expect(await failureOf())
            .to.include("index.js")
            .and.include("changed while the zip was written");

        listed = listSourceFiles({ path: root }, "/");
        fs.rmSync(path.join(root, "bin", "tool"));
        expect(await failureOf())
            .to.include("source.path: cannot read bin/tool: ")
            .and.include("ENOENT");
    });

    it("stops its worker threads on failure: a process whose zip failed exits by itself", () => {
        const root = writeTree(tempDir(), { "a.txt": "a".repeat(100_000), "b.txt": "b" });
        const script = `
const { listSourceFiles } = require(provider + "/listing/sourceFiles.js");
const { writeLayerZip, DEFAULT_ZIP_TUNING } = require(provider + "/zip/zipWriter.js");
const files = listSourceFiles({ path: args.root }, "/");
require("fs").rmSync(args.root + "/b.txt");
const tuning = { ...DEFAULT_ZIP_TUNING, batchBytes: 1, workersFromBytes: 0 };
Promise.allSettled([writeLayerZip(files, args.zipPath, tuning), writeLayerZip(files, args.root + "/missing/dir/layer.zip", tuning)])
    .then((results) => console.log(JSON.stringify(results.map((result) => result.reason.message))));`;
        const messages = runInNode<string[]>(script, { root, zipPath: path.join(tempDir("zip-"), "layer.zip") });
        expect(messages[0]).to.include("b.txt").and.include("ENOENT");
        expect(messages[1]).to.include("ENOENT").and.include("missing/dir/layer.zip");
    });

    it("fails the same way for a streamed file, and leaves no partial zip and no spill file behind", async () => {
        const root = writeTree(tempDir(), { "big.txt": "big ".repeat(100_000), "small.txt": "small" });
        const listed = listSourceFiles({ path: root }, "/");
        const tuning = { ...DEFAULT_ZIP_TUNING, streamedFileBytes: 1000, workersFromBytes: 0 };
        const spillRoot = tempDir("spill-");
        const zipInto = (zipPath: string) =>
            withTemporaryDirectory(spillRoot, () => writeLayerZip(listed, zipPath, tuning));
        await zipInto(path.join(tempDir("zip-"), "layer.zip"));
        expect(fs.readdirSync(spillRoot)).to.deep.equal([]);

        fs.appendFileSync(path.join(root, "big.txt"), "more");
        const zipPath = path.join(tempDir("zip-"), "layer.zip");
        const error = await zipInto(zipPath).then(
            () => undefined,
            (caught: unknown) => caught,
        );
        expect(error).to.be.instanceOf(SourceError);
        expect((error as Error).message)
            .to.include("big.txt")
            .and.include("changed while the zip was written");
        expect(fs.existsSync(zipPath)).to.equal(false);
        expect(fs.readdirSync(spillRoot)).to.deep.equal([]);
    });
});

/** Runs `action` with os.tmpdir() (where spill files go) pointed at `directory`. */
async function withTemporaryDirectory<T>(directory: string, action: () => Promise<T>): Promise<T> {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = directory;
    try {
        return await action();
    } finally {
        if (saved === undefined) {
            delete process.env.TMPDIR;
        } else {
            process.env.TMPDIR = saved;
        }
    }
}

/** Small files, medium ones batched on workers (text and incompressible), and big ones streamed. */
function bigTree(): Record<string, TreeFile> {
    const files: Record<string, TreeFile> = {};
    for (let index = 0; index < 300; index++) {
        files[`small/${String(index).padStart(3, "0")}.txt`] = `line ${index}\n`.repeat(index);
    }
    for (let index = 0; index < 20; index++) {
        const name = String(index).padStart(2, "0");
        files[`medium/${name}.txt`] = `medium ${index} `.repeat(20_000);
        files[`medium/${name}.bin`] = pseudoRandomBytes(100_000, name);
    }
    files["big/random.bin"] = pseudoRandomBytes(6 << 20, "big"); // over the size that is streamed, and incompressible
    files["big/text.txt"] = "compressible ".repeat(400_000);
    return files;
}

/** How Python's zipfile, a reader independent of ours and of jszip, finds the archive, and how it says some entries are compressed. */
function readWithPython(zipPath: string): { testzip: string | null; methods: Record<string, string> } {
    const script = `
import json, sys, zipfile
names = ["big/random.bin", "big/text.txt", "medium/00.bin", "medium/00.txt", "small/000.txt", "small/299.txt"]
with zipfile.ZipFile(sys.argv[1]) as archive:
    methods = {name: {0: "stored", 8: "deflated"}[archive.getinfo(name).compress_type] for name in names}
    print(json.dumps({"testzip": archive.testzip(), "methods": methods}))`;
    return JSON.parse(execFileSync("python3", ["-c", script, zipPath], { encoding: "utf8" }));
}

/** Deterministic incompressible bytes. */
function pseudoRandomBytes(length: number, seed = "seed"): Buffer {
    const chunks: Buffer[] = [];
    let block = createHash("sha256").update(seed).digest();
    for (let size = 0; size < length; size += block.length) {
        chunks.push(block);
        block = createHash("sha256").update(block).digest();
    }
    return Buffer.concat(chunks).subarray(0, length);
}
