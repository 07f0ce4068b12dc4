import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { createHash, randomBytes } from "node:crypto";
import { expect } from "chai";
import { EntryCompressor, compressEntry, keepsDeflated } from "../../../provider/zip/entryCompression";
import { UnreadableFileError } from "../../../provider/listing/sourceError";
import { DEFLATED, STORED } from "../../../provider/zip/zipRecords";
import { planBatches } from "../../../provider/zip/zipWriter";
import { removeTempDirs, tempDir, writeTree } from "../../helpers/fileTrees";

describe("entry compression", () => {
    after(removeTempDirs);

    it("deflates what shrinks and stores what does not, with the CRC of the content either way", () => {
        const text = Buffer.from("compressible ".repeat(1000));
        const deflated = compressEntry(text);
        expect(deflated.method).to.equal(DEFLATED);
        expect(zlib.inflateRawSync(deflated.data).equals(text)).to.equal(true);
        expect(deflated.crc32).to.equal(zlib.crc32(text));

        const random = randomBytes(10_000);
        expect(compressEntry(random)).to.deep.include({ method: STORED, crc32: zlib.crc32(random), data: random });
        expect(compressEntry(Buffer.alloc(0))).to.deep.include({ method: STORED, crc32: 0 });
        expect([keepsDeflated(100, 99), keepsDeflated(100, 100), keepsDeflated(0, 0)]).to.deep.equal([
            true,
            false,
            false,
        ]);
    });

    it("compresses a batch of files into one buffer, and names a file that is gone or changed size", () => {
        const root = writeTree(tempDir(), { "a.txt": "a".repeat(5000), "b.bin": randomBytes(3000), "c.txt": "" });
        const files = ["a.txt", "b.bin", "c.txt"].map((name) => ({
            relativePath: name,
            absolutePath: path.join(root, name),
            size: fs.statSync(path.join(root, name)).size,
        }));
        const compressor = new EntryCompressor();
        const batch = compressor.compress(files);
        expect(batch.entries.map((entry) => entry.method)).to.deep.equal([DEFLATED, STORED, STORED]);
        const [a, b] = batch.entries;
        expect(zlib.inflateRawSync(batch.data.subarray(0, a.compressedSize)).toString()).to.equal("a".repeat(5000));
        expect(
            batch.data
                .subarray(a.compressedSize, a.compressedSize + b.compressedSize)
                .equals(fs.readFileSync(files[1].absolutePath)),
        ).to.equal(true);
        expect(batch.data.length).to.equal(a.compressedSize + 3000);
        // The reused buffers do not leak into the next batch's result.
        expect(compressor.compress([files[2]]).data.length).to.equal(0);

        const failure = (request: typeof files) => {
            try {
                compressor.compress(request);
            } catch (error) {
                expect(error).to.be.instanceOf(UnreadableFileError);
                const { relativePath, changed, message } = error as UnreadableFileError;
                return { relativePath, changed, message };
            }
            throw new Error("expected a failure");
        };
        fs.appendFileSync(files[0].absolutePath, "more");
        expect(failure(files)).to.deep.include({ relativePath: "a.txt", changed: true });
        expect(failure([{ ...files[1], size: 3001 }]).message).to.include("3000 bytes now, 3001 bytes when listed");
        fs.rmSync(files[2].absolutePath);
        expect(failure([files[2]]))
            .to.deep.include({ relativePath: "c.txt", changed: false })
            .and.satisfy((result: { message: string }) => /ENOENT/.test(result.message));
    });

    it("streams a big file into its spill file deflated, or leaves no spill file when the entry is to be stored", async () => {
        const root = writeTree(tempDir(), {
            "text.txt": "streamed text ".repeat(200_000),
            "random.bin": randomBytes(3 << 20),
        });
        const fileOf = (name: string) => ({
            relativePath: name,
            absolutePath: path.join(root, name),
            size: fs.statSync(path.join(root, name)).size,
        });
        const spillPath = path.join(tempDir("spill-"), "entry");

        const text = await new EntryCompressor().compressToFile(fileOf("text.txt"), spillPath);
        const spilled = fs.readFileSync(spillPath);
        const sha256 = (name: string) =>
            createHash("sha256")
                .update(fs.readFileSync(fileOf(name).absolutePath))
                .digest();
        expect(text.entry).to.deep.equal({
            method: DEFLATED,
            crc32: zlib.crc32(fs.readFileSync(fileOf("text.txt").absolutePath)),
            compressedSize: spilled.length,
        });
        expect(Buffer.from(text.digest).equals(sha256("text.txt"))).to.equal(true, "the digest of the content read");
        expect(spilled.equals(compressEntry(fs.readFileSync(fileOf("text.txt").absolutePath)).data)).to.equal(
            true,
            "the same bytes as deflating it whole",
        );

        const random = await new EntryCompressor().compressToFile(fileOf("random.bin"), spillPath);
        expect(random.entry).to.deep.equal({
            method: STORED,
            crc32: zlib.crc32(fs.readFileSync(fileOf("random.bin").absolutePath)),
            compressedSize: 3 << 20,
        });
        expect(Buffer.from(random.digest).equals(sha256("random.bin"))).to.equal(true);
        expect(fs.existsSync(spillPath)).to.equal(false);
    });

    it("reports a spill file it cannot write, naming it, without an uncaught stream error", async () => {
        const root = writeTree(tempDir(), { "text.txt": "streamed text ".repeat(200_000) });
        const file = {
            relativePath: "text.txt",
            absolutePath: path.join(root, "text.txt"),
            size: fs.statSync(path.join(root, "text.txt")).size,
        };
        const failure = await new EntryCompressor().compressToFile(file, "/dev/full").then(
            () => undefined,
            (error: unknown) => error as Error,
        );
        expect(failure?.message).to.equal(
            "cannot write the spill file /dev/full: ENOSPC: no space left on device, write",
        );
    });

    it("cuts files into batches of about the batch size, each big file alone", () => {
        const sizes = [400, 700, 100, 5000, 300, 300, 300, 0];
        const batches = planBatches(
            sizes.map((size) => ({ size })),
            { batchBytes: 1000, streamedFileBytes: 1000 },
        );
        expect(batches).to.deep.equal([
            { first: 0, end: 2, streamed: false },
            { first: 2, end: 3, streamed: false },
            { first: 3, end: 4, streamed: true },
            { first: 4, end: 8, streamed: false },
        ]);
        expect(planBatches([], { batchBytes: 1000, streamedFileBytes: 1000 })).to.deep.equal([]);
    });
});
