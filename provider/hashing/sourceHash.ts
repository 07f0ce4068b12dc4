/**
 * The `sourceHash` of a source tree: a sha256 over exactly what decides the layer's zip, and nothing else.
 *
 * In the spirit of the AWS CDK's asset fingerprint (core/lib/fs/fingerprint.ts), with two differences:
 * fields are length-prefixed rather than separated by control characters, so that no file name can
 * imitate a separator; and content is hashed as published (no CRLF folding): the zip carries the bytes
 * as they are, so two trees that differ in line endings publish different layers.
 */
import { createHash, type Hash } from "node:crypto";
import { copyBytes, DIGEST_BYTES } from "./fileDigest";
import { compareZipPaths, isSortedByZipPath, type SourceFile } from "../listing/sourceFiles";

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

/**
 * Hex sha256 of the framed stream: the version tag, the packaging settings, the file count, then per
 * file in `zipPath` byte order: its `zipPath`, its mode (`755` or `644`), and the sha256 of its content.
 * `digests` holds those sha256s, DIGEST_BYTES per file, in the order of `files`.
 * Not hashed, so that a checkout elsewhere, later or on another OS gives the same hash: mtimes, owners,
 * absolute paths, the order files were listed in, and any other permission bit.
 */
export function hashSourceFiles(
    files: readonly SourceFile[],
    packaging: PackagingSettings,
    digests: Uint8Array,
): string {
    if (digests.length !== files.length * DIGEST_BYTES) {
        throw new Error(`hashSourceFiles: ${digests.length} digest bytes for ${files.length} files`);
    }
    const stream = new FramedStream(createHash("sha256"));
    stream.field(SOURCE_HASH_VERSION);
    stream.field(packaging.prefix ?? "");
    stream.field(packaging.compression);
    stream.field(String(files.length));
    const order = zipPathOrder(files);
    const names = utf8Names(order.map((index) => files[index].zipPath));
    order.forEach((index, position) => {
        stream.bytes(names.bytes, names.starts[position], names.starts[position + 1] - names.starts[position]);
        const mode = files[index].executable ? MODE_755 : MODE_644;
        stream.bytes(mode, 0, mode.length);
        stream.bytes(digests, index * DIGEST_BYTES, DIGEST_BYTES);
    });
    return stream.hash.digest("hex");
}

/**
 * `names` encoded as UTF-8 in one call (one per name costs more than all the hashing), with where each
 * starts and, last, where the final one ends. Pure.
 */
function utf8Names(names: readonly string[]): { bytes: Buffer; starts: number[] } {
    const bytes = Buffer.from(names.join(""), "utf8");
    const units = names.reduce((total, name) => total + name.length, 0);
    // When there are as many bytes as UTF-16 units, every unit is ASCII, one byte each.
    const byteLength =
        bytes.length === units ? (name: string) => name.length : (name: string) => Buffer.byteLength(name, "utf8");
    const starts = [0];
    names.forEach((name, index) => starts.push(starts[index] + byteLength(name)));
    return { bytes, starts };
}

/** The mode fields' bytes, framed as any field: built once rather than encoded per file. */
const MODE_755 = Buffer.from("755");
const MODE_644 = Buffer.from("644");

/** The indices of `files` in `zipPath` order; sorted only when they are not already (a listing is). */
function zipPathOrder(files: readonly SourceFile[]): number[] {
    const order = files.map((_, index) => index);
    return isSortedByZipPath(files) ? order : order.sort((a, b) => compareZipPaths(files[a].zipPath, files[b].zipPath));
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

    /** Appends one framed field: `value` in UTF-8. */
    field(value: string): void {
        const bytes = Buffer.from(value, "utf8");
        this.bytes(bytes, 0, bytes.length);
    }

    /** Appends `length` bytes of `source` from `start` as one framed field. */
    bytes(source: Uint8Array, start: number, length: number): void {
        if (this.used + 8 + length > this.block.length) {
            this.flush();
        }
        if (8 + length > this.block.length) {
            const prefix = Buffer.alloc(8);
            writeLength(prefix, 0, length);
            this.target.update(prefix);
            this.target.update(source.subarray(start, start + length));
            return;
        }
        writeLength(this.block, this.used, length);
        copyBytes(source, start, this.block, this.used + 8, length);
        this.used += 8 + length;
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

/** Writes `length` as 8 bytes, big-endian, at `offset` (byte by byte: this runs three times per file). */
function writeLength(target: Buffer, offset: number, length: number): void {
    let rest = length;
    for (let index = 7; index >= 0; index--) {
        target[offset + index] = rest % 256;
        rest = Math.floor(rest / 256);
    }
}
