/**
 * Finds native code in a built tree that Lambda could not load: an ELF file built for another CPU
 * (its `e_machine`), or one that needs a newer glibc than the runtime's Amazon Linux has (the highest
 * `GLIBC_2.N` among the versions its `.gnu.version_r` section needs). Reads 4 bytes of every file, and
 * the whole of the ELF ones.
 */
import * as fs from "node:fs";
import { compareVersions, type BuildTarget } from "../rules/buildInputs";

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const SHT_GNU_VERNEED = 0x6ffffffe;

/** CPU names for the e_machine values a layer most likely meets. */
const MACHINE_NAMES: Record<number, string> = { 3: "x86 (32-bit)", 40: "ARM (32-bit)", 62: "x86-64", 183: "aarch64" };

/** What the ELF header and version-needs section say about one binary. */
export interface ElfFacts {
    machine: number;
    /** The newest `GLIBC_2.N` it needs, as [2, N]; absent when it needs none (or has no section table). */
    glibc?: [number, number];
}

/** Reads `bytes` as ELF; undefined when they are not ELF. Tolerates a truncated or section-less file. */
export function readElf(bytes: Buffer): ElfFacts | undefined {
    if (bytes.length < 20 || !bytes.subarray(0, 4).equals(ELF_MAGIC)) return undefined;
    const is64 = bytes[4] === 2;
    const little = bytes[5] !== 2;
    const u16 = (at: number) => (little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
    const u32 = (at: number) => (little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
    const word = (at: number) =>
        is64 ? Number(little ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at)) : u32(at);
    const machine = u16(18);
    try {
        return { machine, glibc: newestGlibc(bytes, is64, u16, u32, word) };
    } catch {
        // A section table that points outside the file: what matters, the machine, is known.
        return { machine };
    }
}

function newestGlibc(
    bytes: Buffer,
    is64: boolean,
    u16: (at: number) => number,
    u32: (at: number) => number,
    word: (at: number) => number,
): [number, number] | undefined {
    const sectionOffset = word(is64 ? 0x28 : 0x20);
    const sectionSize = u16(is64 ? 0x3a : 0x2e);
    const sectionCount = u16(is64 ? 0x3c : 0x30);
    if (sectionOffset === 0 || sectionCount === 0) return undefined;
    const section = (index: number) => {
        const at = sectionOffset + index * sectionSize;
        return {
            type: u32(at + 4),
            offset: word(at + (is64 ? 0x18 : 0x10)),
            link: u32(at + (is64 ? 0x28 : 0x18)),
            info: u32(at + (is64 ? 0x2c : 0x1c)),
        };
    };
    let newest: [number, number] | undefined;
    for (let index = 0; index < sectionCount; index++) {
        const needs = section(index);
        if (needs.type !== SHT_GNU_VERNEED) continue;
        const strings = section(needs.link).offset;
        let entry = needs.offset;
        for (let count = 0; count < needs.info; count++) {
            let aux = entry + u32(entry + 8);
            for (let auxCount = 0; auxCount < u16(entry + 2); auxCount++) {
                const version = /^GLIBC_(\d+)\.(\d+)/.exec(cString(bytes, strings + u32(aux + 8)));
                if (version) {
                    const found: [number, number] = [Number(version[1]), Number(version[2])];
                    if (!newest || compareVersions(found, newest) > 0) newest = found;
                }
                aux += u32(aux + 12);
            }
            entry += u32(entry + 12);
        }
    }
    return newest;
}

function cString(bytes: Buffer, at: number): string {
    const end = bytes.indexOf(0, at);
    return bytes.toString("latin1", at, end === -1 ? bytes.length : end);
}

/** A file in the built tree: its name in the zip and where to read it. */
export interface ScannedFile {
    zipPath: string;
    absolutePath: string;
}

/** One binary Lambda could not load, with why. */
export interface NativeProblem {
    zipPath: string;
    /** The package it belongs to, e.g. `sharp` or `@img/sharp-linux-x64` (npm), `numpy` (pip). */
    packageName: string;
    reason: string;
}

/** The problems of every ELF file among `files`, for `target`. */
export async function scanNativeCode(files: readonly ScannedFile[], target: BuildTarget): Promise<NativeProblem[]> {
    const problems: NativeProblem[] = [];
    const head = Buffer.alloc(4);
    for (const file of files) {
        const handle = await fs.promises.open(file.absolutePath, "r");
        let isElf: boolean;
        try {
            const { bytesRead } = await handle.read(head, 0, 4, 0);
            isElf = bytesRead === 4 && head.equals(ELF_MAGIC);
        } finally {
            await handle.close();
        }
        if (!isElf) continue;
        const facts = readElf(await fs.promises.readFile(file.absolutePath));
        const reason = facts && elfProblem(facts, target);
        if (reason) problems.push({ zipPath: file.zipPath, packageName: packageOf(file.zipPath), reason });
    }
    return problems;
}

/** Why Lambda on `target` cannot load a binary with these facts, or undefined. Pure. */
export function elfProblem(facts: ElfFacts, target: BuildTarget): string | undefined {
    if (facts.machine !== target.elfMachine) {
        const name = MACHINE_NAMES[facts.machine] ?? "another CPU";
        return `it is built for ${name} (ELF e_machine ${facts.machine}), and the layer targets ${target.architecture} (e_machine ${target.elfMachine})`;
    }
    if (facts.glibc && compareVersions(facts.glibc, target.glibc) > 0) {
        return `it needs GLIBC_${facts.glibc.join(".")}, newer than the glibc ${target.glibc.join(".")} of the declared runtimes' Amazon Linux`;
    }
    return undefined;
}

/**
 * The package a zip entry belongs to: the innermost `node_modules/<name>` (or `@scope/name`), else the
 * folder under `python/`.
 */
export function packageOf(zipPath: string): string {
    const segments = zipPath.split("/");
    const last = segments.lastIndexOf("node_modules");
    if (last !== -1 && last + 1 < segments.length - 1) {
        const name = segments[last + 1];
        return name.startsWith("@") && last + 2 < segments.length ? `${name}/${segments[last + 2]}` : name;
    }
    const topLevel = segments[0] === "python" && segments.length > 2 ? segments[1] : segments[segments.length - 1];
    return topLevel.replace(/(\.libs|-[\d.]+\.dist-info)$/, "");
}
