/**
 * The checksums S3 computes and verifies: CRC32, CRC32C, CRC64NVME, SHA1 and SHA256 (the
 * `x-amz-checksum-*` headers, base64 of the big-endian digest), and MD5 for Content-MD5 and ETags.
 * Each is fed chunk by chunk, so that objects of any size are hashed as they stream to disk.
 */
import { createHash, type Hash } from "node:crypto";
import { crc32 } from "node:zlib";

/** The checksum algorithms of `x-amz-checksum-algorithm`, as S3 spells them. */
export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256";

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"];

/** FULL_OBJECT: a checksum of the whole object; COMPOSITE: a checksum of the parts' checksums, with `-N`. */
export type ChecksumType = "FULL_OBJECT" | "COMPOSITE";

/** The length in bytes of each algorithm's digest. */
export const DIGEST_LENGTH: Record<ChecksumAlgorithm, number> = {
    CRC32: 4,
    CRC32C: 4,
    CRC64NVME: 8,
    SHA1: 20,
    SHA256: 32,
};

/** The header that carries an algorithm's checksum, e.g. `x-amz-checksum-crc32`. */
export function checksumHeader(algorithm: ChecksumAlgorithm): string {
    return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** The algorithm a header or trailer name stands for, or undefined. */
export function algorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
    return CHECKSUM_ALGORITHMS.find((algorithm) => checksumHeader(algorithm) === name.toLowerCase());
}

/** The algorithm named by `x-amz-checksum-algorithm` / `x-amz-sdk-checksum-algorithm`, or undefined. */
export function parseAlgorithm(value: string | undefined): ChecksumAlgorithm | undefined {
    return CHECKSUM_ALGORITHMS.find((algorithm) => algorithm === value?.toUpperCase());
}

/** A digest fed in chunks. */
export interface Digest {
    update(chunk: Buffer): void;
    /** The digest's bytes; call once. */
    digest(): Buffer;
}

export function createDigest(algorithm: ChecksumAlgorithm | "MD5"): Digest {
    switch (algorithm) {
        case "CRC32":
            return crc32Digest();
        case "CRC32C":
            return tableCrc32Digest(CRC32C_TABLE);
        case "CRC64NVME":
            return crc64NvmeDigest();
        case "SHA1":
            return nodeDigest(createHash("sha1"));
        case "SHA256":
            return nodeDigest(createHash("sha256"));
        case "MD5":
            return nodeDigest(createHash("md5"));
    }
}

/** The checksum of `bytes` in one go, base64-encoded. */
export function checksumOf(algorithm: ChecksumAlgorithm | "MD5", bytes: Buffer): string {
    const digest = createDigest(algorithm);
    digest.update(bytes);
    return digest.digest().toString("base64");
}

function nodeDigest(hash: Hash): Digest {
    return { update: (chunk) => hash.update(chunk), digest: () => hash.digest() };
}

function uint32BigEndian(value: number): Buffer {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(value >>> 0);
    return bytes;
}

/** zlib's native CRC32 (the same polynomial as S3's CRC32), continued across chunks. */
function crc32Digest(): Digest {
    let value = 0;
    return { update: (chunk) => (value = crc32(chunk, value)), digest: () => uint32BigEndian(value) };
}

/** A reflected CRC-32 table for `polynomial` (reversed form). */
function crc32Table(polynomial: number): Uint32Array {
    const table = new Uint32Array(256);
    for (let byte = 0; byte < 256; byte++) {
        let crc = byte;
        for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ polynomial : crc >>> 1;
        table[byte] = crc >>> 0;
    }
    return table;
}

/** CRC-32C (Castagnoli), reflected polynomial 0x82F63B78. */
const CRC32C_TABLE = crc32Table(0x82f63b78);

function tableCrc32Digest(table: Uint32Array): Digest {
    let crc = 0xffffffff;
    return {
        update: (chunk) => {
            for (let index = 0; index < chunk.length; index++) {
                crc = table[(crc ^ chunk[index]) & 0xff] ^ (crc >>> 8);
            }
        },
        digest: () => uint32BigEndian(crc ^ 0xffffffff),
    };
}

/**
 * CRC-64/NVME, reflected polynomial 0x9A6C9329AC4BC9B5, init and final xor all ones. The 64-bit
 * state is kept as two 32-bit halves: BigInt arithmetic per byte would be far too slow.
 */
const CRC64_TABLE_HIGH = new Uint32Array(256);
const CRC64_TABLE_LOW = new Uint32Array(256);
{
    const polynomialHigh = 0x9a6c9329;
    const polynomialLow = 0xac4bc9b5;
    for (let byte = 0; byte < 256; byte++) {
        let high = 0;
        let low = byte;
        for (let bit = 0; bit < 8; bit++) {
            const carry = low & 1;
            low = ((low >>> 1) | ((high & 1) << 31)) >>> 0;
            high = high >>> 1;
            if (carry) {
                high = (high ^ polynomialHigh) >>> 0;
                low = (low ^ polynomialLow) >>> 0;
            }
        }
        CRC64_TABLE_HIGH[byte] = high;
        CRC64_TABLE_LOW[byte] = low;
    }
}

function crc64NvmeDigest(): Digest {
    let high = 0xffffffff;
    let low = 0xffffffff;
    return {
        update: (chunk) => {
            for (let index = 0; index < chunk.length; index++) {
                const entry = (low ^ chunk[index]) & 0xff;
                low = ((low >>> 8) | (high << 24)) ^ CRC64_TABLE_LOW[entry];
                high = (high >>> 8) ^ CRC64_TABLE_HIGH[entry];
            }
        },
        digest: () => {
            const bytes = Buffer.alloc(8);
            bytes.writeUInt32BE((high ^ 0xffffffff) >>> 0, 0);
            bytes.writeUInt32BE((low ^ 0xffffffff) >>> 0, 4);
            return bytes;
        },
    };
}

/** Whether `value` is a well-formed base64 checksum for `algorithm` (the right digest length). */
export function isWellFormedChecksum(algorithm: ChecksumAlgorithm, value: string): boolean {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return false;
    return Buffer.from(value, "base64").length === DIGEST_LENGTH[algorithm];
}

/**
 * A multipart object's COMPOSITE checksum as S3 computes it: the algorithm over the concatenated
 * binary checksums of the parts, base64, then `-` and the number of parts.
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: readonly string[]): string {
    const joined = Buffer.concat(partChecksums.map((checksum) => Buffer.from(checksum, "base64")));
    return `${checksumOf(algorithm, joined)}-${partChecksums.length}`;
}
