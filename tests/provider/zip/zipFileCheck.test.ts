import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
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
