/** Writing the provider's cache files (digests, zip sizes): whole or not at all, and never an error. */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Writes `content` to a temporary file beside `file` and renames it into place: a reader sees the old
 * file or the new one, never a mix, and concurrent writers each replace the whole file. A cache is an
 * optimization, so failing to write (a read-only home, a full disk) is ignored: the next run redoes the work.
 */
export function replaceCacheFile(file: string, content: string | Buffer): void {
    const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        fs.writeFileSync(temporary, content, { mode: 0o600 });
        fs.renameSync(temporary, file);
    } catch {
        fs.rmSync(temporary, { force: true });
    }
}
