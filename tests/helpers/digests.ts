/** Content digests computed the plain way, to check the provider's fast and cached ones against. */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { DIGEST_BYTES, digestFileInto, READ_BUFFER_BYTES } from "../../provider/hashing/fileDigest";
import type { SourceFile } from "../../provider/listing/sourceFiles";

/** The sha256 of each file through the provider's reader (digestFileInto), in order; throws the system's error. */
export function digestFiles(filePaths: readonly string[]): Buffer {
    const digests = Buffer.alloc(filePaths.length * DIGEST_BYTES);
    const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    filePaths.forEach((filePath, index) => digestFileInto(filePath, buffer, digests, index * DIGEST_BYTES));
    return digests;
}

/** The simplest content digests: each file read whole, DIGEST_BYTES per file. */
export function readContentDigests(files: readonly SourceFile[]): Buffer {
    return Buffer.concat(files.map((file) => createHash("sha256").update(fs.readFileSync(file.absolutePath)).digest()));
}
