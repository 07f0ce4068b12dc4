import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { expect } from "chai";
import JSZip from "jszip";
import {
    centralDirectoryRecord,
    declaredDirectory,
    DEFLATED,
    endOfArchive,
    localFileHeader,
    STORED,
    type ZipEntryRecord,
} from "../../../provider/zip/zipRecords";
import { needsPython3 } from "../../helpers/externalTools";
import { removeTempDirs, tempDir } from "../../helpers/fileTrees";

interface Content {
    name: string;
    content: Buffer;
    executable?: boolean;
    deflate?: boolean;
}

/** An archive assembled from the records alone, as the writer lays them out. */
function archiveOf(contents: readonly Content[]): Buffer {
    const parts: Buffer[] = [];
    const directory: Buffer[] = [];
    let offset = 0;
    for (const { name, content, executable = false, deflate = false } of contents) {
        const data = deflate ? zlib.deflateRawSync(content) : content;
        const entry: ZipEntryRecord = {
            name: Buffer.from(name),
            executable,
            method: deflate ? DEFLATED : STORED,
            crc32: zlib.crc32(content),
            compressedSize: data.length,
            uncompressedSize: content.length,
            localHeaderOffset: offset,
        };
        const header = localFileHeader(entry);
        parts.push(header, data);
        directory.push(centralDirectoryRecord(entry));
        offset += header.length + data.length;
    }
    const directoryBytes = Buffer.concat(directory);
    return Buffer.concat([...parts, directoryBytes, endOfArchive(directory.length, offset, directoryBytes.length)]);
}

/** What Python's zipfile, a reader independent of ours and of jszip, makes of an archive. */
function readWithPython(archive: Buffer): { count: number; first: Record<string, unknown>; testzip: string | null } {
    const file = path.join(tempDir("records-"), "archive.zip");
    fs.writeFileSync(file, archive);
    const script = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    infos = archive.infolist()
    first = infos[0]
    print(json.dumps({"count": len(infos), "testzip": archive.testzip(), "first": {
        "name": first.filename, "date": list(first.date_time), "mode": first.external_attr >> 16,
        "system": first.create_system, "method": first.compress_type, "flags": first.flag_bits,
        "content": archive.read(first).decode("utf-8"), "extra": first.extra.hex()}}))`;
    return JSON.parse(execFileSync("python3", ["-c", script, file], { encoding: "utf8" }));
}

describe("zip records", () => {
    after(removeTempDirs);

    it("describe entries that other readers read back: name, content, Unix mode, the fixed date, UTF-8 names [needs python3]", async function () {
        needsPython3(this);
        const archive = archiveOf([
            { name: "bin/tööl", content: Buffer.from("#!/bin/sh\n"), executable: true, deflate: true },
            { name: "data.txt", content: Buffer.from("data") },
        ]);
        const python = readWithPython(archive);
        expect(python).to.deep.equal({
            count: 2,
            testzip: null,
            first: {
                name: "bin/tööl",
                date: [1980, 1, 1, 0, 0, 0],
                mode: 0o100755,
                system: 3,
                method: 8,
                flags: 0x0800,
                content: "#!/bin/sh\n",
                extra: "",
            },
        });
        const zip = await JSZip.loadAsync(archive);
        expect(zip.files["data.txt"].unixPermissions).to.equal(0o100644);
        expect(await zip.file("data.txt")!.async("string")).to.equal("data");
    });

    it("add the zip64 end records only when the entry count does not fit 16 bits [needs python3]", function () {
        needsPython3(this);
        const count = (entries: number) => {
            const archive = archiveOf(
                Array.from({ length: entries }, (_, index) => ({ name: `f${index}`, content: Buffer.alloc(0) })),
            );
            return {
                zip64: archive.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])),
                read: readWithPython(archive).count,
            };
        };
        expect(count(65_534)).to.deep.equal({ zip64: false, read: 65_534 });
        expect(count(65_535)).to.deep.equal({ zip64: true, read: 65_535 });
    }).timeout(120_000);

    it("read back where the end records say the central directory lies, with or without zip64 (pure)", () => {
        const at = (archive: Buffer) => (position: number, length: number) =>
            archive.subarray(position, position + length);
        const directory = Buffer.alloc(300, 1);
        for (const [entries, endRecordsBytes] of [
            [3, 22],
            [70_000, 56 + 20 + 22],
        ]) {
            // 1,000 bytes of entries, the directory, the end records, then a comment-free end.
            const archive = Buffer.concat([Buffer.alloc(1000), directory, endOfArchive(entries, 1000, 300)]);
            expect(archive.length).to.equal(1300 + endRecordsBytes);
            expect(declaredDirectory(archive.length, at(archive)), `${entries} entries`).to.deep.equal({
                offset: 1000,
                bytes: 300,
                endsAt: 1300,
            });
        }
        expect(declaredDirectory(5000, at(Buffer.alloc(5000)))).to.equal(undefined);
    });

    it("refuse entries and archives past 4 GiB, which a layer cannot hold, instead of writing wrong sizes", () => {
        const entry: ZipEntryRecord = {
            name: Buffer.from("big"),
            executable: false,
            method: STORED,
            crc32: 0,
            compressedSize: 2 ** 32,
            uncompressedSize: 2 ** 32,
            localHeaderOffset: 0,
        };
        expect(() => localFileHeader(entry)).to.throw(RangeError, /big: 4294967296 bytes is past 4 GiB/);
        expect(() =>
            centralDirectoryRecord({ ...entry, compressedSize: 1, uncompressedSize: 1, localHeaderOffset: 2 ** 32 }),
        ).to.throw(RangeError, /past 4 GiB/);
        expect(() => endOfArchive(1, 2 ** 32 - 10, 100)).to.throw(RangeError, /4 GiB/);
    });
});
