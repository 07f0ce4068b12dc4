/**
 * Small ELF64 files for scan tests and test packages: a real header with the chosen `e_machine`, and,
 * when glibc versions are given, a `.gnu.version_r` section needing them from libc.so.6 (with the
 * `.dynstr` it names them in), laid out as a linker would.
 */

/** e_machine values: x86-64 and aarch64. */
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

/** An ELF64 little-endian shared object for `machine`, needing each of `glibcVersions` (e.g. `GLIBC_2.35`). */
export function elfFile(machine: number, glibcVersions: string[] = []): Buffer {
    const header = Buffer.alloc(64);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(header); // ELF, 64-bit, little-endian, version 1
    header.writeUInt16LE(3, 16); // ET_DYN
    header.writeUInt16LE(machine, 18);
    header.writeUInt32LE(1, 20);
    header.writeUInt16LE(64, 0x34); // e_ehsize
    if (glibcVersions.length === 0) {
        return header;
    }
    const names = ["libc.so.6", ...glibcVersions];
    const offsets: number[] = [];
    let strings = "\0";
    for (const name of names) {
        offsets.push(strings.length);
        strings += `${name}\0`;
    }
    const dynstr = Buffer.from(strings, "latin1");
    const dynstrAt = 64;
    const verneedAt = align(dynstrAt + dynstr.length, 8);
    const verneed = Buffer.alloc(16 + 16 * glibcVersions.length);
    verneed.writeUInt16LE(1, 0);
    verneed.writeUInt16LE(glibcVersions.length, 2);
    verneed.writeUInt32LE(offsets[0], 4);
    verneed.writeUInt32LE(16, 8);
    glibcVersions.forEach((_, index) => {
        const at = 16 + index * 16;
        verneed.writeUInt16LE(index + 2, at + 6);
        verneed.writeUInt32LE(offsets[index + 1], at + 8);
        verneed.writeUInt32LE(index === glibcVersions.length - 1 ? 0 : 16, at + 12);
    });
    const sectionsAt = align(verneedAt + verneed.length, 8);
    const sections = Buffer.alloc(64 * 3); // null, .dynstr, .gnu.version_r
    sections.writeUInt32LE(3, 64 + 4); // SHT_STRTAB
    sections.writeBigUInt64LE(BigInt(dynstrAt), 64 + 0x18);
    sections.writeBigUInt64LE(BigInt(dynstr.length), 64 + 0x20);
    sections.writeUInt32LE(0x6ffffffe, 128 + 4); // SHT_GNU_verneed
    sections.writeBigUInt64LE(BigInt(verneedAt), 128 + 0x18);
    sections.writeBigUInt64LE(BigInt(verneed.length), 128 + 0x20);
    sections.writeUInt32LE(1, 128 + 0x28); // sh_link: .dynstr
    sections.writeUInt32LE(1, 128 + 0x2c); // sh_info: one Verneed entry
    header.writeBigUInt64LE(BigInt(sectionsAt), 0x28);
    header.writeUInt16LE(64, 0x3a);
    header.writeUInt16LE(3, 0x3c);
    const file = Buffer.alloc(sectionsAt + sections.length);
    header.copy(file, 0);
    dynstr.copy(file, dynstrAt);
    verneed.copy(file, verneedAt);
    sections.copy(file, sectionsAt);
    return file;
}

function align(value: number, to: number): number {
    return Math.ceil(value / to) * to;
}
