/**
 * A local wheel index for pip build tests: a folder of wheels the test writes (`--no-index
 * --find-links DIR`). A wheel is a zip holding the package's files and its `.dist-info` (METADATA,
 * WHEEL, RECORD), named `<name>-<version>-<python tag>-<abi tag>-<platform tag>.whl`.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import JSZip from "jszip";

/** One wheel: its name, version, tags and files (relative paths inside the install target). */
export interface WheelSpec {
    name: string;
    version: string;
    /** e.g. `cp312-cp312-manylinux2014_aarch64` or `py3-none-any`. */
    tags: string;
    files: Record<string, string | Buffer>;
}

function recordHash(content: Buffer): string {
    return `sha256=${createHash("sha256").update(content).digest("base64url")}`;
}

/** Writes the wheel into `dir` and returns its path. */
export async function writeWheel(dir: string, spec: WheelSpec): Promise<string> {
    const distInfo = `${spec.name}-${spec.version}.dist-info`;
    const files: Record<string, Buffer> = Object.fromEntries(
        Object.entries(spec.files).map(([name, content]) => [name, Buffer.from(content)]),
    );
    files[`${distInfo}/METADATA`] = Buffer.from(
        `Metadata-Version: 2.1\nName: ${spec.name}\nVersion: ${spec.version}\n`,
    );
    const pure = spec.tags.endsWith("-any");
    files[`${distInfo}/WHEEL`] = Buffer.from(
        `Wheel-Version: 1.0\nGenerator: lambda-layer-tests\nRoot-Is-Purelib: ${pure}\nTag: ${spec.tags}\n`,
    );
    const record = Object.entries(files).map(([name, content]) => `${name},${recordHash(content)},${content.length}`);
    files[`${distInfo}/RECORD`] = Buffer.from([...record, `${distInfo}/RECORD,,`, ""].join("\n"));
    const zip = new JSZip();
    for (const [name, content] of Object.entries(files)) {
        zip.file(name, content, { date: new Date(Date.UTC(1980, 1, 1)) });
    }
    const wheelPath = path.join(dir, `${spec.name}-${spec.version}-${spec.tags}.whl`);
    await fs.promises.mkdir(dir, { recursive: true });
    await fs.promises.writeFile(wheelPath, await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" }));
    return wheelPath;
}
