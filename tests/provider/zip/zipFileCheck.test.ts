import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { expect } from "chai";
import JSZip from "jszip";
import { DIRECT_UPLOAD_MAX_ZIP_BYTES, UNZIPPED_MAX_BYTES } from "../../../provider/rules/limits";
import { SourceError } from "../../../provider/listing/sourceError";
import { inspectZipFile } from "../../../provider/zip/zipFileCheck";
import { removeTempDirs, tempDir } from "../../helpers/fileTrees";

/** Writes a zip of `files` (names as given, unchecked) and returns its path. */
async function writeZip(files: Record<string, string | Buffer>): Promise<string> {
    const zip = new JSZip();
    for (const [name, content] of Object.entries(files)) {
        zip.file(name, content, { createFolders: false });
    }
    const zipPath = path.join(tempDir("zipcheck-"), "layer.zip");
    fs.writeFileSync(zipPath, await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" }));
    return zipPath;
}

/**
 * Rewrites the uncompressed size that a zip's first entry declares, in its local header and in its
 * central directory record, leaving the data as it is: a zip that claims more than it holds.
 */
function declareUncompressedSize(zipPath: string, size: number): void {
    const bytes = fs.readFileSync(zipPath);
    const local = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    expect(local).to.equal(0);
    expect(central).to.be.greaterThan(0);
    bytes.writeUInt32LE(size, local + 22); // local file header: uncompressed size
    bytes.writeUInt32LE(size, central + 24); // central directory header: uncompressed size
    fs.writeFileSync(zipPath, bytes);
}

/**
 * A zip written byte by byte, as a hostile or careless writer could: stored entries, each with the extra
 * field given, and an end record whose count and directory offset can be set apart from the truth. With
 * `decoy`, a directory of one harmless entry sits before the real one, and the end record points at it.
 */
function handMadeZip(
    entries: Array<{ name: string; content?: string; extra?: Buffer; declaredSize?: number }>,
    end: { count?: number; decoy?: boolean } = {},
): string {
    const u16 = (value: number) => Buffer.from([value & 0xff, (value >>> 8) & 0xff]);
    const u32 = (value: number) => {
        const bytes = Buffer.alloc(4);
        bytes.writeUInt32LE(value >>> 0);
        return bytes;
    };
    const central = (name: Buffer, content: Buffer, offset: number, extra: Buffer = Buffer.alloc(0), size = content.length) =>
        Buffer.concat([
            u32(0x02014b50), u16(0x031e), u16(20), u16(0), u16(0), u16(0), u16(0), u32(zlib.crc32(content)),
            u32(content.length), u32(size), u16(name.length), u16(extra.length), u16(0), u16(0), u16(0),
            u32((0o100644 << 16) >>> 0), u32(offset), name, extra,
        ]); // prettier-ignore
    const locals: Buffer[] = [];
    const records: Buffer[] = [];
    let offset = 0;
    for (const entry of entries) {
        const name = Buffer.from(entry.name);
        const content = Buffer.from(entry.content ?? "x");
        const local = Buffer.concat([
            u32(0x04034b50), u16(20), u16(0), u16(0), u16(0), u16(0), u32(zlib.crc32(content)),
            u32(content.length), u32(content.length), u16(name.length), u16(0), name, content,
        ]); // prettier-ignore
        records.push(central(name, content, offset, entry.extra, entry.declaredSize));
        locals.push(local);
        offset += local.length;
    }
    const decoy = end.decoy ? central(Buffer.from("safe.txt"), Buffer.from("x"), 0) : Buffer.alloc(0);
    const directory = Buffer.concat(records);
    const count = end.count ?? entries.length;
    const endRecord = Buffer.concat([
        u32(0x06054b50), u16(0), u16(0), u16(count), u16(count), u32(directory.length), u32(offset), u16(0),
    ]); // prettier-ignore
    const zipPath = path.join(tempDir("zipcheck-"), "hand-made.zip");
    fs.writeFileSync(zipPath, Buffer.concat([...locals, decoy, directory, endRecord]));
    return zipPath;
}

/** Info-ZIP's Unicode Path extra field (0x7075): `name` in place of the stored `stored`, which some extractors use. */
function unicodePathField(stored: string, name: string): Buffer {
    const data = Buffer.concat([Buffer.from([1]), Buffer.alloc(4), Buffer.from(name)]);
    data.writeUInt32LE(zlib.crc32(Buffer.from(stored)), 1);
    const header = Buffer.alloc(4);
    header.writeUInt16LE(0x7075, 0);
    header.writeUInt16LE(data.length, 2);
    return Buffer.concat([header, data]);
}

async function sourceErrorOf(promise: Promise<unknown>): Promise<SourceError> {
    const error = await promise.then(
        () => undefined,
        (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(SourceError);
    expect((error as SourceError).property).to.equal("zipFile");
    return error as SourceError;
}

describe("inspectZipFile", () => {
    after(removeTempDirs);

    it("summarizes a good zip: sha256 of the file, file entries and declared unzipped bytes", async () => {
        const zipPath = await writeZip({ "nodejs/index.js": "x".repeat(1000), "nodejs/lib/a.js": "abc" });
        const summary = await inspectZipFile(zipPath);
        const bytes = fs.readFileSync(zipPath);
        expect(summary).to.deep.equal({
            sha256Hex: createHash("sha256").update(bytes).digest("hex"),
            size: bytes.length,
            entryCount: 2,
            unzippedBytes: 1003,
        });
    });

    it("refuses a missing file, a folder and a file that is not a zip", async () => {
        const dir = tempDir("zipcheck-");
        expect((await sourceErrorOf(inspectZipFile(path.join(dir, "missing.zip")))).message)
            .to.include("missing.zip")
            .and.include("cannot be read");
        expect((await sourceErrorOf(inspectZipFile(dir))).message).to.include("not a regular file");
        fs.writeFileSync(path.join(dir, "notes.zip"), "just text, no zip here");
        expect((await sourceErrorOf(inspectZipFile(path.join(dir, "notes.zip")))).message).to.include(
            "is not a readable zip archive",
        );
    });

    it("refuses entry names that could land outside the extraction directory", async () => {
        for (const name of ["../evil.txt", "lib/../../evil.txt", "/etc/evil", "dir\\evil.txt", "C:/evil.txt"]) {
            const error = await sourceErrorOf(inspectZipFile(await writeZip({ "ok.txt": "", [name]: "x" })));
            expect(error.message, name).to.include(JSON.stringify(name));
        }
    });

    it("judges every entry of a central directory that spans several of the blocks it reads (1 MiB each)", async () => {
        // 24 names of 50,000 bytes: the central directory alone is 1.2 MB, after 1.2 MB of local headers.
        const files = Object.fromEntries(
            Array.from({ length: 24 }, (_, index) => [
                `nodejs/${String(index).padStart(2, "0")}${"d".repeat(50_000)}`,
                "x",
            ]),
        );
        const zipPath = await writeZip(files);
        const bytes = fs.readFileSync(zipPath);
        expect(bytes.length).to.be.above(2 * 1024 * 1024);
        expect(await inspectZipFile(zipPath)).to.deep.equal({
            sha256Hex: createHash("sha256").update(bytes).digest("hex"),
            size: bytes.length,
            entryCount: 24,
            unzippedBytes: 24,
        });

        const escaping = `nodejs/${"d".repeat(50_000)}/../../../evil.js`;
        const error = await sourceErrorOf(inspectZipFile(await writeZip({ ...files, [escaping]: "x" })));
        expect(error.message, "the last entry, in the last block").to.include(JSON.stringify(escaping));
    });

    it("refuses a zip whose end record hides entries that other unzip tools would extract", async () => {
        const hidden = [{ name: "ok.txt" }, { name: "../evil.js" }];
        expect((await inspectZipFile(handMadeZip(hidden.slice(0, 1)))).entryCount, "the honest writer").to.equal(1);
        for (const [what, zipPath] of [
            ["a count of 1 for 2 entries", handMadeZip(hidden, { count: 1 })],
            // A 16-bit count that wrapped: some writers do this past 65,535 entries without zip64 records.
            ["65,537 entries counted as 1", handMadeZip([...Array.from({ length: 65_536 }, (_, index) => ({ name: `f${index}` })), hidden[1]], { count: 1 })], // prettier-ignore
            ["an offset that points at a decoy directory", handMadeZip(hidden, { decoy: true })],
        ]) {
            const error = await sourceErrorOf(inspectZipFile(zipPath));
            expect(error.message, what).to.include("is not a consistent zip archive").and.include(zipPath);
        }
    });

    it("judges an entry under its stored name and under its Unicode Path field, which extractors differ on", async () => {
        const masked = handMadeZip([{ name: "../evil.js", extra: unicodePathField("../evil.js", "safe.js") }]);
        expect((await sourceErrorOf(inspectZipFile(masked))).message).to.include(JSON.stringify("../evil.js"));
        const unmasked = handMadeZip([{ name: "safe.js", extra: unicodePathField("safe.js", "../evil.js") }]);
        expect((await sourceErrorOf(inspectZipFile(unmasked))).message).to.include(JSON.stringify("../evil.js"));
        // A file to one reader and a folder (trailing "/") to another: its declared size still counts.
        const halfFolder = handMadeZip([
            { name: "big", declaredSize: UNZIPPED_MAX_BYTES + 1, extra: unicodePathField("big", "big/") },
        ]);
        expect((await sourceErrorOf(inspectZipFile(halfFolder))).message).to.include(String(UNZIPPED_MAX_BYTES + 1));
    });

    it("judges the unzipped size from what the zip declares, without inflating it", async () => {
        const atLimit = await writeZip({ "big.bin": "tiny" });
        declareUncompressedSize(atLimit, UNZIPPED_MAX_BYTES);
        expect((await inspectZipFile(atLimit)).unzippedBytes).to.equal(UNZIPPED_MAX_BYTES);

        const overLimit = await writeZip({ "big.bin": "tiny" });
        declareUncompressedSize(overLimit, UNZIPPED_MAX_BYTES + 1);
        const error = await sourceErrorOf(inspectZipFile(overLimit));
        expect(error.message)
            .to.include(String(UNZIPPED_MAX_BYTES + 1))
            .and.include(String(UNZIPPED_MAX_BYTES));
    });

    it("accepts a zip too big to send directly: create stages it or says what to set", async () => {
        const zipPath = await writeZip({ "a.bin": randomBytes(DIRECT_UPLOAD_MAX_ZIP_BYTES + 1024) });
        const summary = await inspectZipFile(zipPath);
        expect(summary.size).to.be.above(DIRECT_UPLOAD_MAX_ZIP_BYTES);
        expect(summary.entryCount).to.equal(1);
    });

    it("refuses a file bigger than a layer may unzip to before reading it", async () => {
        const zipPath = path.join(tempDir("zipcheck-"), "huge.zip");
        fs.writeFileSync(zipPath, "");
        fs.truncateSync(zipPath, UNZIPPED_MAX_BYTES + 1); // sparse: no data to read
        const error = await sourceErrorOf(inspectZipFile(zipPath));
        expect(error.message)
            .to.include(String(UNZIPPED_MAX_BYTES + 1))
            .and.include(String(UNZIPPED_MAX_BYTES));
    });
});
