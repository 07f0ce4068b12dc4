import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { computeSourceHash, readThreads } from "../../../provider/hashing/contentDigests";
import { READ_BUFFER_BYTES } from "../../../provider/hashing/fileDigest";
import { hashSourceFiles, SOURCE_HASH_VERSION } from "../../../provider/hashing/sourceHash";
import { digestFiles, readContentDigests } from "../../helpers/digests";
import { listSourceFiles, type SourceFile } from "../../../provider/listing/sourceFiles";
import { removeTempDirs, setTimes, tempDir, withUmask077, writeTree, type TreeFile } from "../../helpers/fileTrees";

/** A file as listed, with made-up stat fields; its content stands in its absolutePath for `digestOfText`. */
function file(zipPath: string, content: string, executable = false, stat: Partial<SourceFile> = {}): SourceFile {
    return { zipPath, relativePath: zipPath, absolutePath: content, executable, size: content.length, ...stat };
}

/** The sha256 of each file's "content" (its absolutePath here), in order. */
const digestsOfText = (files: SourceFile[]) =>
    Buffer.concat(files.map((f) => createHash("sha256").update(f.absolutePath).digest()));
const DEFLATE = { prefix: "", compression: "deflate" };

function hashOf(files: SourceFile[], packaging = DEFLATE): string {
    return hashSourceFiles(files, packaging, digestsOfText(files));
}

describe("hashSourceFiles", () => {
    const base = [file("a.js", "A"), file("bin/run", "#!", true)];

    it("is pinned: changing the framing would replace every published layer", () => {
        expect(SOURCE_HASH_VERSION).to.equal("pulumi-lambda-layer/source-hash/v1");
        // Computed independently: sha256 over each field as an 8-byte big-endian length and its bytes, in the documented order.
        expect(hashOf(base)).to.equal("025291a0763c4554f0c9a9f01e2b00b2c86f212eb1eb3e325a838d4212d67abc");
    });

    it("changes with content, the exec bit, a rename, the prefix and the compression", () => {
        const original = hashOf(base);
        const variants = [
            hashOf([file("a.js", "B"), base[1]]),
            hashOf([base[0], file("bin/run", "#!", false)]),
            hashOf([file("b.js", "A"), base[1]]),
            hashOf([file("nodejs/a.js", "A"), file("nodejs/bin/run", "#!", true)], {
                prefix: "nodejs/",
                compression: "deflate",
            }),
            hashOf(base, { prefix: "", compression: "store" }),
            hashOf([base[0]]),
        ];
        expect(new Set([original, ...variants]).size).to.equal(variants.length + 1);
    });

    it("ignores the size field and input order, and takes each digest at its file's position", () => {
        expect(hashOf([file("a.js", "A", false, { size: 99 }), base[1]])).to.equal(hashOf(base));
        const reversed = [...base].reverse();
        expect(hashSourceFiles(reversed, DEFLATE, digestsOfText(reversed))).to.equal(hashOf(base));
        expect(() => hashSourceFiles(base, DEFLATE, Buffer.alloc(32))).to.throw(/32 digest bytes for 2 files/);
    });

    it("orders by UTF-8 bytes whatever the input order, surrogates included", () => {
        const names = ["\uff5e", "\u{1f600}", "a", "é"].map((name) => file(name, name));
        const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x.zipPath), Buffer.from(y.zipPath)));
        expect(hashOf(names)).to.equal(hashOf(byBytes));
    });

    it("frames every field: names ('ab', 'c') and ('a', 'bc') differ, and so do long names that span its block", () => {
        expect(hashOf([file("ab", "x"), file("c", "x")])).to.not.equal(hashOf([file("a", "x"), file("bc", "x")]));
        // Framed by hand: sha256 over every field as an 8-byte big-endian length and its bytes.
        const long = [
            ...Array.from({ length: 3000 }, (_, index) =>
                file(`f${String(index).padStart(5, "0")}/\u00e9`, String(index)),
            ),
            file("n".repeat(70_000), "big"),
        ];
        const fields: Buffer[] = [SOURCE_HASH_VERSION, "", "deflate", String(long.length)].map((text) =>
            Buffer.from(text),
        );
        long.forEach((f) =>
            fields.push(
                Buffer.from(f.zipPath),
                Buffer.from("644"),
                createHash("sha256").update(f.absolutePath).digest(),
            ),
        );
        const framed = createHash("sha256");
        for (const field of fields) {
            const length = Buffer.alloc(8);
            length.writeBigUInt64BE(BigInt(field.length));
            framed.update(length).update(field);
        }
        expect(hashOf(long)).to.equal(framed.digest("hex"));
    });
});

describe("computeSourceHash", () => {
    after(removeTempDirs);
    const tree: Record<string, TreeFile> = {
        "index.js": "module.exports = 1;\n",
        "bin/tool": { content: "#!/bin/sh\necho hi\n", mode: 0o755 },
        "lib/data.json": "{}",
        ".config": "x=1",
    };
    const noCache = { PULUMI_LAMBDA_LAYER_CACHE: "off" };

    /** Runs `action` with the digest cache turned off. */
    async function withoutCache<T>(action: () => Promise<T>): Promise<T> {
        const saved = process.env.PULUMI_LAMBDA_LAYER_CACHE;
        process.env.PULUMI_LAMBDA_LAYER_CACHE = noCache.PULUMI_LAMBDA_LAYER_CACHE;
        try {
            return await action();
        } finally {
            if (saved === undefined) {
                delete process.env.PULUMI_LAMBDA_LAYER_CACHE;
            } else {
                process.env.PULUMI_LAMBDA_LAYER_CACHE = saved;
            }
        }
    }

    it("gives the same hash for the same tree in another folder, with other mtimes, creation order and umask", async () => {
        const first = writeTree(tempDir(), tree);
        setTimes(first, new Date("2001-02-03T04:05:06Z"));
        const second = writeTree(tempDir(), withUmask077(tree));
        const [a, b] = await withoutCache(() =>
            Promise.all([computeSourceHash({ path: first }, "/"), computeSourceHash({ path: second }, "/")]),
        );
        expect(a.sourceHash).to.match(/^[0-9a-f]{64}$/);
        expect(b.sourceHash).to.equal(a.sourceHash);
    });

    it("equals the plain reader's hash; a touch leaves it, an edit or chmod changes it", async () => {
        const root = writeTree(tempDir(), tree);
        const { sourceHash } = await withoutCache(() => computeSourceHash({ path: root }, "/"));
        const listed = listSourceFiles({ path: root }, "/");
        expect(sourceHash).to.equal(
            hashSourceFiles(listed, { prefix: "", compression: "deflate" }, readContentDigests(listed)),
        );

        setTimes(root, new Date());
        expect((await withoutCache(() => computeSourceHash({ path: root }, "/"))).sourceHash).to.equal(sourceHash);

        fs.chmodSync(path.join(root, "index.js"), 0o755);
        const chmodded = (await withoutCache(() => computeSourceHash({ path: root }, "/"))).sourceHash;
        expect(chmodded).to.not.equal(sourceHash);

        fs.chmodSync(path.join(root, "index.js"), 0o644);
        fs.writeFileSync(path.join(root, "index.js"), "module.exports = 2;\n");
        const edited = (await withoutCache(() => computeSourceHash({ path: root }, "/"))).sourceHash;
        expect(new Set([sourceHash, chmodded, edited]).size).to.equal(3);
    });

    it("covers the prefix: the same files under another prefix hash differently", async () => {
        const root = writeTree(tempDir(), tree);
        const [plain, nodejs, nodejsSlash] = await withoutCache(() =>
            Promise.all([
                computeSourceHash({ path: root }, "/"),
                computeSourceHash({ path: root, prefix: "nodejs" }, "/"),
                computeSourceHash({ path: root, prefix: "nodejs/" }, "/"),
            ]),
        );
        expect(nodejs.sourceHash).to.not.equal(plain.sourceHash);
        expect(nodejsSlash.sourceHash).to.equal(nodejs.sourceHash);
    });

    it("reads a tree big enough for worker threads and gets the plain reader's hash", async function () {
        this.timeout(120_000);
        const files: Record<string, TreeFile> = {};
        for (let index = 0; index < 120; index++) {
            files[`d${index % 7}/f${index}.bin`] = Buffer.alloc(1 << 20, index);
        }
        const root = writeTree(tempDir(), files);
        expect(readThreads(listSourceFiles({ path: root }, "/"), 2)).to.equal(2, "enough work for a second thread");
        const result = await withoutCache(() => computeSourceHash({ path: root }, "/"));
        expect(result.filesRead).to.equal(120);
        expect(result.sourceHash).to.equal(
            hashSourceFiles(result.files, { prefix: "", compression: "deflate" }, readContentDigests(result.files)),
        );
    });
});

describe("digestFiles", () => {
    after(removeTempDirs);

    it("gives each file's sha256, in order, across reads larger than its buffer and one exactly its size", () => {
        const big = Buffer.alloc((3 << 20) + 5, 1);
        const exact = Buffer.alloc(READ_BUFFER_BYTES, 2);
        const root = writeTree(tempDir(), { "small.txt": "abc", "big.bin": big, "exact.bin": exact, empty: "" });
        const digests = digestFiles(
            ["small.txt", "big.bin", "exact.bin", "empty"].map((name) => path.join(root, name)),
        );
        const expected = ["abc", big, exact, ""].map((content) => createHash("sha256").update(content).digest());
        expect(digests).to.deep.equal(Buffer.concat(expected));
    });

    it("throws the system's error for a file it cannot read", () => {
        const root = writeTree(tempDir(), { "a.txt": "a" });
        const unreadable = path.join(root, "a-folder");
        fs.mkdirSync(unreadable);
        expect(() => digestFiles([path.join(root, "a.txt"), unreadable])).to.throw(/EISDIR/);
        expect(() => digestFiles([path.join(root, "missing")])).to.throw(/ENOENT.*missing/);
    });
});

describe("readThreads", () => {
    it("uses every core only when half the estimated read outlasts a worker's start-up", () => {
        const small = Array.from({ length: 1000 }, (_, index) => file(`f${index}`, "x"));
        const big = Array.from({ length: 200 }, (_, index) => file(`f${index}`, "", false, { size: 1 << 20 }));
        expect(readThreads(small, 2)).to.equal(1);
        expect(readThreads(big, 2)).to.equal(2);
        expect(readThreads(big, 4)).to.equal(4);
        expect(readThreads(big, 1)).to.equal(1);
    });
});
