/**
 * The byte records of a zip archive (PKWARE's APPNOTE.TXT, sections 4.3-4.5), built from what is known
 * about each entry once it is compressed, and read back where a prebuilt zip's end records say its
 * central directory lies. Pure: the same entry gives the same bytes on every machine.
 *
 * Every field that could make two builds of the same tree differ is fixed: the date is 1980-01-01 00:00
 * (the earliest a DOS date can say) written as constant fields, so no time zone is involved; no extra
 * fields (no timestamps, uid or gid); the Unix mode is 0644 or 0755; names are flagged UTF-8. Each local
 * header carries the CRC and both sizes, so no data descriptors are needed. Zip64 records are added
 * only when the entry count outgrows the 16-bit fields; sizes and offsets of 4 GiB or more cannot occur
 * in a layer (content is limited to 262,144,000 bytes unzipped) and are refused.
 */

/** Compression methods (APPNOTE 4.4.5). */
export const STORED = 0;
export const DEFLATED = 8;

/** An entry as it is written: its name and mode, how it was compressed, and where its local header starts. */
export interface ZipEntryRecord {
    /** The entry name, UTF-8. */
    name: Buffer;
    /** Written as mode 0755 when true, otherwise 0644. */
    executable: boolean;
    /** `STORED` or `DEFLATED`. */
    method: number;
    /** CRC-32 of the uncompressed content. */
    crc32: number;
    compressedSize: number;
    uncompressedSize: number;
    /** Offset of the entry's local file header from the start of the archive. */
    localHeaderOffset: number;
}

const LOCAL_FILE_HEADER_SIGNATURE = 0x04034b50;
const CENTRAL_DIRECTORY_SIGNATURE = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY_SIGNATURE = 0x06054b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY_SIGNATURE = 0x06064b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;

/** Version 2.0 (deflate) is needed to extract any entry; 4.5 to read the zip64 end records. */
const VERSION_NEEDED = 20;
const VERSION_NEEDED_ZIP64 = 45;
/** The high byte says the external attributes hold a Unix mode (APPNOTE 4.4.2: 3 = UNIX). */
const VERSION_MADE_BY_UNIX = (3 << 8) | VERSION_NEEDED_ZIP64;
/** General purpose bit 11: names are UTF-8. */
const UTF8_NAMES = 0x0800;
/** DOS time 00:00:00 and DOS date 1980-01-01: (year - 1980) << 9 | month << 5 | day. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

const LOCAL_FILE_HEADER_BYTES = 30;
const CENTRAL_DIRECTORY_RECORD_BYTES = 46;
const END_OF_CENTRAL_DIRECTORY_BYTES = 22;
const ZIP64_END_OF_CENTRAL_DIRECTORY_BYTES = 56;
const ZIP64_LOCATOR_BYTES = 20;
const MAX_16 = 0xffff;
const MAX_32 = 0xffffffff;

/** Where the CRC and the two sizes sit in a local file header. */
const LOCAL_HEADER_SIZES_OFFSET = 14;

/** The local file header that precedes the entry's data. */
export function localFileHeader(entry: ZipEntryRecord): Buffer {
    assertFits32(entry);
    const header = Buffer.alloc(LOCAL_FILE_HEADER_BYTES + entry.name.length);
    header.writeUInt32LE(LOCAL_FILE_HEADER_SIGNATURE, 0);
    header.writeUInt16LE(VERSION_NEEDED, 4);
    header.writeUInt16LE(UTF8_NAMES, 6);
    header.writeUInt16LE(entry.method, 8);
    header.writeUInt16LE(DOS_TIME, 10);
    header.writeUInt16LE(DOS_DATE, 12);
    sizesAndCrc(entry).copy(header, LOCAL_HEADER_SIZES_OFFSET);
    header.writeUInt16LE(entry.name.length, 26);
    header.writeUInt16LE(0, 28); // no extra field
    entry.name.copy(header, LOCAL_FILE_HEADER_BYTES);
    return header;
}

/** The CRC-32, compressed size and uncompressed size fields, as both headers hold them. */
function sizesAndCrc(entry: Pick<ZipEntryRecord, "crc32" | "compressedSize" | "uncompressedSize">): Buffer {
    const fields = Buffer.alloc(12);
    fields.writeUInt32LE(entry.crc32 >>> 0, 0);
    fields.writeUInt32LE(entry.compressedSize, 4);
    fields.writeUInt32LE(entry.uncompressedSize, 8);
    return fields;
}

/** The entry's record in the central directory. */
export function centralDirectoryRecord(entry: ZipEntryRecord): Buffer {
    assertFits32(entry);
    const record = Buffer.alloc(CENTRAL_DIRECTORY_RECORD_BYTES + entry.name.length);
    record.writeUInt32LE(CENTRAL_DIRECTORY_SIGNATURE, 0);
    record.writeUInt16LE(VERSION_MADE_BY_UNIX, 4);
    record.writeUInt16LE(VERSION_NEEDED, 6);
    record.writeUInt16LE(UTF8_NAMES, 8);
    record.writeUInt16LE(entry.method, 10);
    record.writeUInt16LE(DOS_TIME, 12);
    record.writeUInt16LE(DOS_DATE, 14);
    sizesAndCrc(entry).copy(record, 16);
    record.writeUInt16LE(entry.name.length, 28);
    // 30: extra field length, 32: comment length, 34: disk number, 36: internal attributes: all 0.
    record.writeUInt32LE(((entry.executable ? 0o100755 : 0o100644) << 16) >>> 0, 38);
    record.writeUInt32LE(entry.localHeaderOffset, 42);
    entry.name.copy(record, CENTRAL_DIRECTORY_RECORD_BYTES);
    return record;
}

/**
 * The records that end the archive, after a central directory of `entryCount` records and
 * `directoryBytes` bytes starting at `directoryOffset`: the zip64 end record and its locator when the
 * count does not fit 16 bits, then the classic end record (with 0xFFFF in the count fields then).
 */
export function endOfArchive(entryCount: number, directoryOffset: number, directoryBytes: number): Buffer {
    if (directoryOffset + directoryBytes > MAX_32) {
        throw new RangeError(
            `the zip would be ${directoryOffset + directoryBytes} bytes; archives of 4 GiB or more are not written (a layer's content is limited to 262,144,000 bytes unzipped)`,
        );
    }
    const zip64 = entryCount >= MAX_16;
    const end = Buffer.alloc(
        (zip64 ? ZIP64_END_OF_CENTRAL_DIRECTORY_BYTES + ZIP64_LOCATOR_BYTES : 0) + END_OF_CENTRAL_DIRECTORY_BYTES,
    );
    let at = 0;
    if (zip64) {
        const zip64EndOffset = directoryOffset + directoryBytes;
        end.writeUInt32LE(ZIP64_END_OF_CENTRAL_DIRECTORY_SIGNATURE, at);
        end.writeBigUInt64LE(BigInt(ZIP64_END_OF_CENTRAL_DIRECTORY_BYTES - 12), at + 4); // the size of what follows this field
        end.writeUInt16LE(VERSION_MADE_BY_UNIX, at + 12);
        end.writeUInt16LE(VERSION_NEEDED_ZIP64, at + 14);
        // 16: this disk, 20: the directory's disk: both 0.
        end.writeBigUInt64LE(BigInt(entryCount), at + 24);
        end.writeBigUInt64LE(BigInt(entryCount), at + 32);
        end.writeBigUInt64LE(BigInt(directoryBytes), at + 40);
        end.writeBigUInt64LE(BigInt(directoryOffset), at + 48);
        at += ZIP64_END_OF_CENTRAL_DIRECTORY_BYTES;
        end.writeUInt32LE(ZIP64_LOCATOR_SIGNATURE, at);
        end.writeBigUInt64LE(BigInt(zip64EndOffset), at + 8); // at + 4: the zip64 end record's disk, 0
        end.writeUInt32LE(1, at + 16); // one disk in all
        at += ZIP64_LOCATOR_BYTES;
    }
    end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY_SIGNATURE, at);
    end.writeUInt16LE(Math.min(entryCount, MAX_16), at + 8);
    end.writeUInt16LE(Math.min(entryCount, MAX_16), at + 10);
    end.writeUInt32LE(directoryBytes, at + 12);
    end.writeUInt32LE(directoryOffset, at + 16);
    return end;
}

function assertFits32(entry: ZipEntryRecord): void {
    const largest = Math.max(entry.compressedSize, entry.uncompressedSize, entry.localHeaderOffset);
    if (largest >= MAX_32) {
        throw new RangeError(
            `zip entry ${entry.name.toString("utf8")}: ${largest} bytes is past 4 GiB; such entries are not written (a layer's content is limited to 262,144,000 bytes unzipped)`,
        );
    }
}

/** The central directory as an archive's end records declare it. */
export interface DeclaredDirectory {
    /** Where it starts, from the start of the archive. */
    offset: number;
    /** Its length in bytes. */
    bytes: number;
    /** Where it must end: the start of the zip64 end record when there is one, else of the end record. */
    endsAt: number;
}

/**
 * The central directory that the end records of a `fileSize`-byte archive declare, read through
 * `bytesAt`, or `undefined` without an end record. The end record is the last one in the final
 * 65,557 bytes (its comment runs to the end of the file, as yauzl finds it); a zip64 locator right
 * before it points to the zip64 end record, whose fields then count (`undefined` when it is not there).
 * Pure but for `bytesAt`.
 */
export function declaredDirectory(
    fileSize: number,
    bytesAt: (position: number, length: number) => Buffer,
): DeclaredDirectory | undefined {
    const searched = Math.min(fileSize, ZIP64_LOCATOR_BYTES + END_OF_CENTRAL_DIRECTORY_BYTES + MAX_16);
    const tail = bytesAt(fileSize - searched, searched);
    const at = tail.lastIndexOf(
        signatureBytes(END_OF_CENTRAL_DIRECTORY_SIGNATURE),
        searched - END_OF_CENTRAL_DIRECTORY_BYTES,
    );
    if (at < 0) {
        return undefined;
    }
    const locatorAt = at - ZIP64_LOCATOR_BYTES;
    if (locatorAt < 0 || tail.readUInt32LE(locatorAt) !== ZIP64_LOCATOR_SIGNATURE) {
        return {
            offset: tail.readUInt32LE(at + 16),
            bytes: tail.readUInt32LE(at + 12),
            endsAt: fileSize - searched + at,
        };
    }
    const zip64EndAt = Number(tail.readBigUInt64LE(locatorAt + 8));
    const zip64End = bytesAt(zip64EndAt, ZIP64_END_OF_CENTRAL_DIRECTORY_BYTES);
    if (
        zip64End.length < ZIP64_END_OF_CENTRAL_DIRECTORY_BYTES ||
        zip64End.readUInt32LE(0) !== ZIP64_END_OF_CENTRAL_DIRECTORY_SIGNATURE
    ) {
        return undefined;
    }
    return {
        offset: Number(zip64End.readBigUInt64LE(48)),
        bytes: Number(zip64End.readBigUInt64LE(40)),
        endsAt: zip64EndAt,
    };
}

/** A record signature as it stands in the file (little-endian). Pure. */
function signatureBytes(signature: number): Buffer {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(signature);
    return bytes;
}

/** The bytes of a central directory record with these field lengths (APPNOTE 4.3.12). Pure. */
export function centralDirectoryRecordBytes(nameBytes: number, extraBytes: number, commentBytes: number): number {
    return CENTRAL_DIRECTORY_RECORD_BYTES + nameBytes + extraBytes + commentBytes;
}
