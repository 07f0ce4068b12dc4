/**
 * The `sourceHash` of a source tree: a sha256 over exactly what decides the layer's zip, and nothing else.
 *
 * In the spirit of the AWS CDK's asset fingerprint (core/lib/fs/fingerprint.ts), with two differences:
 * fields are length-prefixed rather than separated by control characters, so that no file name can
 * imitate a separator; and content is hashed as published (no CRLF folding): the zip carries the bytes
 * as they are, so two trees that differ in line endings publish different layers.
 */
import { createHash, type Hash } from "node:crypto";
import * as fs from "node:fs";
import { sortByZipPath, type SourceFile } from "./sourceFiles";

/**
 * Starts every hashed stream. Change it only when the meaning of the stream changes: every existing
 * layer then gets a new hash, and so a new version, on its next deployment.
 */
export const SOURCE_HASH_VERSION = "pulumi-lambda-layer/source-hash/v1";

/** The settings that change the zip without changing the files. */
export interface PackagingSettings {
    /** The normalized prefix (`""` or ending in `/`); also part of every `zipPath`, hashed here so the setting itself is explicit. */
    prefix?: string;
    /** How entries are compressed (the zip writer's `ZIP_COMPRESSION`). */
    compression: string;
}

/** A file's content digest: the sha256 of its bytes. */
export type ContentDigest = (file: SourceFile) => Buffer;

/**
 * Hex sha256 of the framed stream: the version tag, the packaging settings, the file count, then per
 * file in `zipPath` byte order: its `zipPath`, its mode (`755` or `644`), and the sha256 of its content.
 * Not hashed, so that a checkout elsewhere, later or on another OS gives the same hash: mtimes, owners,
 * absolute paths, the order files were listed in, and any other permission bit.
 */
export function hashSourceFiles(files: readonly SourceFile[], packaging: PackagingSettings, digestOf: ContentDigest = readContentDigest): string {
    const stream = new FramedStream(createHash("sha256"));
    stream.field(SOURCE_HASH_VERSION);
    stream.field(packaging.prefix ?? "");
    stream.field(packaging.compression);
    stream.field(String(files.length));
    for (const file of sortByZipPath(files)) {
        stream.field(file.zipPath);
        stream.field(file.executable ? "755" : "644");
        stream.field(digestOf(file));
    }
    return stream.hash.digest("hex");
}

/**
 * Writes fields as their byte length (8 bytes, big-endian) followed by their bytes. With every field
 * framed, the stream parses back into exactly one sequence of fields, so two different trees cannot
 * produce the same stream: the files ("ab", "c") and ("a", "bc") differ in their lengths.
 * Fields are gathered in a block and handed to the hash a block at a time, rather than two calls
 * into the hash per field.
 */
class FramedStream {
    private readonly block = Buffer.allocUnsafe(64 * 1024);
    private used = 0;

    constructor(private readonly target: Hash) {}

    /** Appends one framed field. */
    field(value: string | Buffer): void {
        const length = typeof value === "string" ? Buffer.byteLength(value, "utf8") : value.length;
        if (this.used + 8 + length > this.block.length) {
            this.flush();
        }
        if (8 + length > this.block.length) {
            const prefix = Buffer.alloc(8);
            writeLength(prefix, 0, length);
            this.target.update(prefix);
            this.target.update(value);
            return;
        }
        writeLength(this.block, this.used, length);
        this.used += 8;
        this.used += typeof value === "string" ? this.block.write(value, this.used, "utf8") : value.copy(this.block, this.used);
    }

    /** The hash, with every field written. */
    get hash(): Hash {
        this.flush();
        return this.target;
    }

    private flush(): void {
        this.target.update(this.block.subarray(0, this.used));
        this.used = 0;
    }
}

/** Writes `length` as 8 bytes, big-endian, at `offset`. */
function writeLength(target: Buffer, offset: number, length: number): void {
    target.writeUInt32BE(Math.floor(length / 0x1_0000_0000), offset);
    target.writeUInt32BE(length % 0x1_0000_0000, offset + 4);
}

/** The simplest content digest: read the whole file. contentDigests.ts has the fast, cached one. */
export function readContentDigest(file: SourceFile): Buffer {
    return createHash("sha256").update(fs.readFileSync(file.absolutePath)).digest();
}
