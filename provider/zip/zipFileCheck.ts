/**
 * Checks a prebuilt `zipFile` before anything is published: that it is a zip, that no entry name could
 * land outside the extraction directory, and that it unzips within AWS's limit, judged from the sizes
 * its central directory declares (read with yauzl), so nothing is inflated.
 *
 * The file is read once, in blocks, through one descriptor. The blocks that hold the central directory
 * are kept for yauzl and hashed as they are; every other block is hashed and dropped. So the entries
 * judged are bytes of the very file whose sha256 becomes the sourceHash, even while something rewrites
 * it, and memory stays at the directory's size whatever the zip's.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as yauzl from "yauzl";
import { UNZIPPED_MAX_BYTES } from "../rules/limits";
import { escapeProblem } from "../rules/entryNames";
import { centralDirectoryRecordBytes, declaredDirectory, type DeclaredDirectory } from "./zipRecords";
import { SourceError } from "../listing/sourceError";
import { readUntilFull } from "../local/readUntilFull";

/** What `check` needs to know about a prebuilt zip. */
export interface ZipFileSummary {
    /** Hex sha256 of the file: the zip's sourceHash. */
    sha256Hex: string;
    /** The file's size in bytes. */
    size: number;
    /** File entries (folders not counted). */
    entryCount: number;
    /** The sum of the file entries' uncompressed sizes, as the central directory declares them. */
    unzippedBytes: number;
}

/** Info-ZIP's Unicode Path extra field: a second name for the entry, which some extractors prefer. */
const UNICODE_PATH_FIELD = 0x7075;

/** Bytes per block read: big enough that a read costs little per byte, small enough to keep a few. */
const BLOCK_BYTES = 1024 * 1024;

/** An entry as yauzl gives it with `decodeStrings: false`: the name as the archive stores it. */
type RawEntry = Omit<yauzl.Entry, "fileName"> & { fileName: Buffer };

/**
 * yauzl's own decoding of a stored name (UTF-8 by flag or Info-ZIP extra field, else CP437), which its
 * type definitions leave out. `strict` keeps backslashes as stored, so that they are judged here.
 */
const decodeFileName = (
    yauzl as unknown as {
        getFileNameLowLevel(
            flags: number,
            name: Buffer,
            extraFields: yauzl.Entry["extraFields"],
            strict: boolean,
        ): string;
    }
).getFileNameLowLevel;

/**
 * Reads and checks the zip at `zipPath`. Throws SourceError (property `zipFile`) when it is missing,
 * larger than a layer may unzip to, not a zip, has an entry name with a backslash, a leading `/` or
 * drive letter, or a `..` segment (under its stored name or its Unicode Path field), declares more than
 * UNZIPPED_MAX_BYTES of content, holds other entries than its end record declares, or changes size
 * while it is read.
 */
export async function inspectZipFile(zipPath: string): Promise<ZipFileSummary> {
    const { fd, size } = openZipFile(zipPath);
    try {
        const blocks = new BlockReader(fd, size, zipPath);
        let entryCount = 0;
        let unzippedBytes = 0;
        let recordBytes = 0;
        await readEntries(zipPath, blocks, (entry) => {
            // Extractors differ on which name they use: the stored one, or Info-ZIP's Unicode Path field.
            const stored = decodeFileName(entry.generalPurposeBitFlag, entry.fileName, [], true);
            const names = entry.extraFields.some((field) => field.id === UNICODE_PATH_FIELD)
                ? [stored, decodeFileName(entry.generalPurposeBitFlag, entry.fileName, entry.extraFields, true)]
                : [stored];
            for (const name of names) {
                const problem = escapeProblem(name);
                if (problem) {
                    throw new SourceError(
                        "zipFile",
                        `zipFile ${zipPath}: the entry ${JSON.stringify(name)} ${problem}, so it could be extracted outside the layer's directory; rebuild the zip with relative "/" paths`,
                    );
                }
            }
            if (!names.every((name) => name.endsWith("/"))) {
                entryCount++;
                unzippedBytes += entry.uncompressedSize;
            }
            recordBytes += centralDirectoryRecordBytes(
                entry.fileNameLength,
                entry.extraFieldLength,
                entry.fileCommentLength,
            );
        });
        assertWholeDirectoryRead(
            zipPath,
            recordBytes,
            declaredDirectory(size, (at, length) => blocks.bytes(at, length)),
        );
        if (unzippedBytes > UNZIPPED_MAX_BYTES) {
            throw new SourceError(
                "zipFile",
                `zipFile ${zipPath} unzips to ${unzippedBytes} bytes; AWS allows at most ${UNZIPPED_MAX_BYTES} bytes unzipped per layer`,
            );
        }
        return { sha256Hex: blocks.sha256Hex(), size, entryCount, unzippedBytes };
    } finally {
        fs.closeSync(fd);
    }
}

/**
 * Refuses a zip whose entries, as read, are not exactly its declared central directory: an end record
 * that counts fewer entries than the directory holds (a 16-bit count that wrapped, say), or that points
 * at another directory than the one before it. Other tools would extract entries this check never saw.
 */
function assertWholeDirectoryRead(zipPath: string, recordBytes: number, declared: DeclaredDirectory | undefined): void {
    if (declared && declared.bytes === recordBytes && declared.offset + declared.bytes === declared.endsAt) {
        return;
    }
    const what = declared
        ? `its end record declares a central directory of ${declared.bytes} bytes at offset ${declared.offset}, which must end at ${declared.endsAt}, and the entries it counts take ${recordBytes} bytes`
        : "it has no end record";
    throw new SourceError(
        "zipFile",
        `zipFile ${zipPath} is not a consistent zip archive: ${what}, so unzip tools could find entries this check did not judge; rebuild the zip`,
    );
}

/**
 * Opens the zip and stats it on the open descriptor. One bigger than a layer may unzip to is refused
 * before any of it is read (a layer's zip is smaller than its content). Whether it fits a direct upload
 * is decided in create, which knows the staging.
 */
function openZipFile(zipPath: string): { fd: number; size: number } {
    let fd: number | undefined;
    let size: number;
    try {
        // O_NONBLOCK: a path swapped for a FIFO must not block the open (for a regular file it changes nothing).
        fd = fs.openSync(zipPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
        const stats = fs.fstatSync(fd);
        if (!stats.isFile()) {
            throw new Error("not a regular file");
        }
        size = stats.size;
    } catch (error) {
        if (fd !== undefined) fs.closeSync(fd);
        throw new SourceError("zipFile", `zipFile ${zipPath} cannot be read: ${(error as Error).message}`);
    }
    if (size > UNZIPPED_MAX_BYTES) {
        fs.closeSync(fd);
        throw new SourceError(
            "zipFile",
            `zipFile ${zipPath} is ${size} bytes; AWS allows at most ${UNZIPPED_MAX_BYTES} bytes unzipped per layer, and a layer's zip is smaller than that`,
        );
    }
    return { fd, size };
}

/**
 * Passes each entry of the central directory, as stored, to `judge`, one at a time (none is kept), and
 * rejects with what `judge` throws. Throws SourceError for a file that is not a readable zip.
 */
async function readEntries(zipPath: string, blocks: BlockReader, judge: (entry: RawEntry) => void): Promise<void> {
    try {
        await new Promise<void>((resolve, reject) => {
            const options = { lazyEntries: true, autoClose: false, decodeStrings: false };
            yauzl.fromRandomAccessReader(blocks, blocks.size, options, (openError, zip) => {
                if (openError) return reject(openError);
                zip.on("entry", (entry: RawEntry) => {
                    try {
                        judge(entry);
                    } catch (error) {
                        return reject(error);
                    }
                    zip.readEntry();
                });
                zip.on("end", resolve);
                zip.on("error", reject);
                zip.readEntry();
            });
        });
    } catch (error) {
        if (error instanceof SourceError) throw error;
        throw new SourceError(
            "zipFile",
            `zipFile ${zipPath} is not a readable zip archive: ${(error as Error).message}`,
        );
    }
}

/**
 * The zip's bytes for yauzl, a block at a time from the open descriptor; each block yauzl asks for is
 * kept, and `sha256Hex` hashes those kept blocks as they are and reads the others.
 */
class BlockReader extends yauzl.RandomAccessReader {
    private readonly kept = new Map<number, Buffer>();

    constructor(
        private readonly fd: number,
        readonly size: number,
        private readonly zipPath: string,
    ) {
        super();
    }

    /** yauzl's reads: served from the blocks, and answered on the next tick so that no stack grows per entry. */
    override read(
        buffer: Buffer,
        offset: number,
        length: number,
        position: number,
        callback: (error: Error | null, bytesRead?: number) => void,
    ): void {
        let copied: number;
        try {
            copied = this.copyInto(buffer, offset, length, position);
        } catch (error) {
            process.nextTick(callback, error as Error);
            return;
        }
        process.nextTick(callback, null, copied);
    }

    /** `length` bytes from `position` (fewer at the end of the file), from the kept blocks, as yauzl sees them. */
    bytes(position: number, length: number): Buffer {
        const buffer = Buffer.alloc(length);
        return buffer.subarray(0, this.copyInto(buffer, 0, length, position));
    }

    /** Entries are never extracted here: yauzl reads only the central directory, through `read`. */
    override _readStreamForRange(): void {
        throw new Error("zip entries are not extracted when a zipFile is checked");
    }

    /**
     * The sha256 of the whole file: the kept blocks as yauzl saw them, the rest read now. Throws
     * SourceError when the file turns out longer than it was stat'ed.
     */
    sha256Hex(): string {
        const hash = createHash("sha256");
        const scratch = Buffer.allocUnsafe(BLOCK_BYTES);
        for (let index = 0; index * BLOCK_BYTES < this.size; index++) {
            hash.update(this.kept.get(index) ?? this.readBlock(index, scratch));
        }
        if (this.readAt(scratch.subarray(0, 1), this.size) > 0) {
            throw this.changed(`it was ${this.size} bytes, now it goes on past that`);
        }
        return hash.digest("hex");
    }

    private copyInto(buffer: Buffer, offset: number, length: number, position: number): number {
        let copied = 0;
        while (copied < length && position + copied < this.size) {
            const at = position + copied;
            const block = this.keptBlock(Math.floor(at / BLOCK_BYTES));
            copied += block.copy(buffer, offset + copied, at % BLOCK_BYTES, (at % BLOCK_BYTES) + length - copied);
        }
        return copied;
    }

    private keptBlock(index: number): Buffer {
        let block = this.kept.get(index);
        if (block === undefined) {
            block = this.readBlock(index, Buffer.allocUnsafe(this.blockLength(index)));
            this.kept.set(index, block);
        }
        return block;
    }

    /** Block `index`, whole; throws SourceError when the file ends before it (it shrank since it was stat'ed). */
    private readBlock(index: number, into: Buffer): Buffer {
        const block = into.subarray(0, this.blockLength(index));
        const filled = this.readAt(block, index * BLOCK_BYTES);
        if (filled < block.length) {
            throw this.changed(`it was ${this.size} bytes, now it ends at ${index * BLOCK_BYTES + filled}`);
        }
        return block;
    }

    /** Fills `buffer` from `position` as far as the file goes; a failed read is SourceError. */
    private readAt(buffer: Buffer, position: number): number {
        try {
            return readUntilFull(this.fd, buffer, undefined, position);
        } catch (error) {
            throw new SourceError("zipFile", `zipFile ${this.zipPath} cannot be read: ${(error as Error).message}`);
        }
    }

    private changed(how: string): SourceError {
        return new SourceError(
            "zipFile",
            `zipFile ${this.zipPath} changed while it was read (${how}); run the command again`,
        );
    }

    private blockLength(index: number): number {
        return Math.min(BLOCK_BYTES, this.size - index * BLOCK_BYTES);
    }
}
