/**
 * The S3 checksum algorithms against their published check values, fed in one piece and in chunks,
 * and the aws-chunked decoder against bodies cut at every byte (as a socket may deliver them), with
 * chunk signatures, and broken.
 */
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { expect } from "chai";
import { AwsChunkedDecoder } from "../../emulator/s3/awsChunked";
import { compositeChecksum, createDigest, type ChecksumAlgorithm } from "../../emulator/s3/checksums";

/** The standard check input of CRC catalogues, and each algorithm's digest of it in hex. */
const CHECK_INPUT = Buffer.from("123456789");
const CHECK_VALUES: Record<ChecksumAlgorithm, string> = {
    CRC32: "cbf43926",
    CRC32C: "e3069283",
    CRC64NVME: "ae8b14860a799888",
    SHA1: "f7c3bc1d808e04732adf679965ccc34ca7ae3441",
    SHA256: "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225",
};

async function decode(pieces: Buffer[]): Promise<{ body: Buffer; trailers: Map<string, string> }> {
    const decoder = new AwsChunkedDecoder();
    const out: Buffer[] = [];
    await pipeline(
        Readable.from(pieces),
        decoder,
        new Writable({
            write(chunk: Buffer, _encoding, callback) {
                out.push(chunk);
                callback();
            },
        }),
    );
    return { body: Buffer.concat(out), trailers: decoder.trailers };
}

describe("emulator: S3 checksums and the aws-chunked encoding", () => {
    for (const [algorithm, expected] of Object.entries(CHECK_VALUES) as Array<[ChecksumAlgorithm, string]>) {
        it(`computes ${algorithm} as published, whole and in chunks`, () => {
            const whole = createDigest(algorithm);
            whole.update(CHECK_INPUT);
            expect(whole.digest().toString("hex")).to.equal(expected);
            const chunked = createDigest(algorithm);
            for (const byte of CHECK_INPUT) chunked.update(Buffer.from([byte]));
            expect(chunked.digest().toString("hex")).to.equal(expected);
        });
    }

    it("builds a composite checksum from the binary part checksums, with the part count", () => {
        const parts = ["AAAAAA==", "/////w=="];
        const joined = Buffer.concat(parts.map((part) => Buffer.from(part, "base64")));
        const digest = createDigest("CRC32");
        digest.update(joined);
        expect(compositeChecksum("CRC32", parts)).to.equal(`${digest.digest().toString("base64")}-2`);
    });

    const encoded = Buffer.from(
        "5;chunk-signature=abc\r\nhello\r\n" +
            "7\r\n, world\r\n" +
            "0\r\nx-amz-checksum-crc32:ABCDEF==\r\nx-amz-trailer-signature:xyz\r\n\r\n",
    );

    it("decodes a body cut at every byte, keeping the trailers", async () => {
        for (let cut = 0; cut <= encoded.length; cut++) {
            const { body, trailers } = await decode([encoded.subarray(0, cut), encoded.subarray(cut)]);
            expect(body.toString()).to.equal("hello, world");
            expect(trailers.get("x-amz-checksum-crc32")).to.equal("ABCDEF==");
        }
        const byByte = await decode([...encoded].map((byte) => Buffer.from([byte])));
        expect(byByte.body.toString()).to.equal("hello, world");
    });

    it("refuses a body that ends early, a chunk longer than its size, and a bad size line", async () => {
        const broken = [
            encoded.subarray(0, 20),
            Buffer.from("3\r\nhello\r\n0\r\n\r\n"),
            Buffer.from("zz\r\nhello\r\n0\r\n\r\n"),
        ];
        for (const body of broken) {
            const failure = await decode([body]).then(
                () => undefined,
                (error: Error) => error,
            );
            expect(failure, body.toString()).to.be.instanceOf(Error);
        }
    });
});
