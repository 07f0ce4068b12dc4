/**
 * Receiving an object's (or a part's) bytes as S3 does: streamed to a data file while every
 * checksum the request asks for is computed, then verified: `x-amz-checksum-*` sent as a header or
 * as an `aws-chunked` trailer (`x-amz-trailer`), `Content-MD5`, a signed `x-amz-content-sha256`,
 * and `x-amz-decoded-content-length`. Nothing of the body is kept in memory beyond one chunk.
 */
import { createWriteStream } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AwsChunkedDecoder, ChunkedEncodingError } from "./awsChunked";
import {
    algorithmOfHeader,
    CHECKSUM_ALGORITHMS,
    checksumHeader,
    createDigest,
    isWellFormedChecksum,
    parseAlgorithm,
    type ChecksumAlgorithm,
    type Digest,
} from "./checksums";
import type { ObjectStore } from "./objectStore";
import { badChecksum, badContentMd5, invalidRequest, S3Error } from "./s3Errors";

/** The bytes received: where they are, how many, and their digests. */
export interface ReceivedBody {
    dataFile: string;
    size: number;
    /** MD5 in hex, for the ETag. */
    md5Hex: string;
    /** Base64 checksums by algorithm, for every algorithm asked for or computed. */
    checksums: Partial<Record<ChecksumAlgorithm, string>>;
    /** The algorithm the client sent a checksum of (header or trailer), if any. */
    clientAlgorithm?: ChecksumAlgorithm;
}

/** How the client said it would prove the body's integrity, read from the headers before the body. */
interface Declared {
    chunked: boolean;
    /** The algorithm of the checksum sent in a header or a trailer. */
    algorithm?: ChecksumAlgorithm;
    /** The checksum sent as a header; a trailer's comes after the body. */
    headerValue?: string;
    contentMd5?: string;
    contentSha256Hex?: string;
    decodedLength?: number;
}

/**
 * Streams `body` into a new data file of `store` and verifies it. `compute` names the algorithms
 * S3 must keep a checksum of whatever the client sends: `always`, and `unlessSent` when the client
 * sends no checksum. On any refusal the data file is deleted before the error is thrown.
 */
export async function receiveBody(
    headers: IncomingHttpHeaders,
    body: Readable,
    store: ObjectStore,
    compute: { always?: ChecksumAlgorithm; unlessSent?: ChecksumAlgorithm },
): Promise<ReceivedBody> {
    const declared = readDeclarations(headers);
    const algorithms = new Set<ChecksumAlgorithm>();
    if (compute.always) algorithms.add(compute.always);
    if (declared.algorithm) algorithms.add(declared.algorithm);
    else if (compute.unlessSent) algorithms.add(compute.unlessSent);
    const digests = new Map<ChecksumAlgorithm | "MD5" | "SHA256-payload", Digest>([["MD5", createDigest("MD5")]]);
    for (const algorithm of algorithms) digests.set(algorithm, createDigest(algorithm));
    if (declared.contentSha256Hex && !algorithms.has("SHA256")) digests.set("SHA256-payload", createDigest("SHA256"));
    let size = 0;
    const hashing = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
            size += chunk.length;
            for (const digest of digests.values()) digest.update(chunk);
            callback(null, chunk);
        },
    });
    const decoder = declared.chunked ? new AwsChunkedDecoder() : undefined;
    const { name, path } = store.newDataFile();
    try {
        try {
            if (decoder) await pipeline(body, decoder, hashing, createWriteStream(path));
            else await pipeline(body, hashing, createWriteStream(path));
        } catch (error) {
            if (error instanceof ChunkedEncodingError)
                throw invalidRequest(`Invalid aws-chunked body: ${error.message}`);
            throw error;
        }
        const results = new Map([...digests].map(([algorithm, digest]) => [algorithm, digest.digest()]));
        const md5 = results.get("MD5") as Buffer;
        if (declared.decodedLength !== undefined && declared.decodedLength !== size) {
            throw new S3Error(
                400,
                "IncompleteBody",
                "You did not provide the number of bytes specified by the Content-Length HTTP header",
            );
        }
        if (declared.contentMd5 !== undefined && declared.contentMd5 !== md5.toString("base64")) throw badContentMd5();
        if (declared.contentSha256Hex !== undefined) {
            const sha256 = results.get("SHA256") ?? results.get("SHA256-payload");
            if (sha256?.toString("hex") !== declared.contentSha256Hex) {
                throw new S3Error(
                    400,
                    "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                );
            }
        }
        const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
        for (const algorithm of algorithms) checksums[algorithm] = results.get(algorithm)?.toString("base64");
        if (declared.algorithm) {
            const sent = declared.headerValue ?? trailerChecksum(decoder, declared.algorithm);
            if (sent !== checksums[declared.algorithm]) throw badChecksum(declared.algorithm);
        }
        await store.flushDataFile(name);
        return { dataFile: name, size, md5Hex: md5.toString("hex"), checksums, clientAlgorithm: declared.algorithm };
    } catch (error) {
        await store.discardDataFile(name);
        throw error;
    }
}

function trailerChecksum(decoder: AwsChunkedDecoder | undefined, algorithm: ChecksumAlgorithm): string {
    const value = decoder?.trailers.get(checksumHeader(algorithm));
    if (value === undefined) {
        throw invalidRequest(`The x-amz-trailer header named ${checksumHeader(algorithm)}, but no such trailer came.`);
    }
    if (!isWellFormedChecksum(algorithm, value)) {
        throw invalidRequest(`Value for ${checksumHeader(algorithm)} trailing header is invalid.`);
    }
    return value;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
    const value = headers[name];
    return Array.isArray(value) ? value.join(",") : value;
}

function readDeclarations(headers: IncomingHttpHeaders): Declared {
    const contentSha256 = header(headers, "x-amz-content-sha256");
    const chunked =
        (header(headers, "content-encoding") ?? "").split(",").some((coding) => coding.trim() === "aws-chunked") ||
        (contentSha256?.startsWith("STREAMING-") ?? false);
    const sentHeaders = CHECKSUM_ALGORITHMS.filter(
        (algorithm) => header(headers, checksumHeader(algorithm)) !== undefined,
    );
    if (sentHeaders.length > 1) {
        throw invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
    }
    const trailer = header(headers, "x-amz-trailer");
    const trailerAlgorithm = trailer === undefined ? undefined : algorithmOfHeader(trailer.trim());
    if (trailer !== undefined && !trailerAlgorithm) {
        throw invalidRequest(`The value specified in the x-amz-trailer header is not supported: ${trailer}`);
    }
    if (trailerAlgorithm && !chunked) {
        throw invalidRequest("x-amz-trailer is only allowed with Content-Encoding: aws-chunked.");
    }
    if (trailerAlgorithm && sentHeaders.length > 0) {
        throw invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
    }
    const algorithm = sentHeaders[0] ?? trailerAlgorithm;
    const headerValue = sentHeaders[0] === undefined ? undefined : header(headers, checksumHeader(sentHeaders[0]));
    if (algorithm && headerValue !== undefined && !isWellFormedChecksum(algorithm, headerValue)) {
        throw invalidRequest(`Value for ${checksumHeader(algorithm)} header is invalid.`);
    }
    const sdkAlgorithm = header(headers, "x-amz-sdk-checksum-algorithm");
    if (sdkAlgorithm !== undefined && algorithm && parseAlgorithm(sdkAlgorithm) !== algorithm) {
        throw invalidRequest(
            `Value for x-amz-sdk-checksum-algorithm header is invalid: ${sdkAlgorithm} does not match the checksum sent (${algorithm}).`,
        );
    }
    const contentMd5 = header(headers, "content-md5");
    if (contentMd5 !== undefined && Buffer.from(contentMd5, "base64").length !== 16) {
        throw new S3Error(400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
    }
    const decodedLength = header(headers, "x-amz-decoded-content-length");
    return {
        chunked,
        algorithm,
        headerValue,
        contentMd5,
        contentSha256Hex: contentSha256 && /^[0-9a-f]{64}$/.test(contentSha256) ? contentSha256 : undefined,
        decodedLength: chunked && decodedLength !== undefined ? Number(decodedLength) : undefined,
    };
}
