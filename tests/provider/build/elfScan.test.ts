import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { elfProblem, packageOf, readElf, scanNativeCode } from "../../../provider/build/elfScan";
import type { BuildTarget } from "../../../provider/rules/buildInputs";
import { EM_AARCH64, EM_X86_64, elfFile } from "../../helpers/elfFiles";

const ARM64_AL2023: BuildTarget = { architecture: "arm64", elfMachine: 183, glibc: [2, 34] };

describe("build/elfScan: native code Lambda cannot load", () => {
    it("reads e_machine and the newest GLIBC_2.N from .gnu.version_r", () => {
        expect(readElf(elfFile(EM_X86_64))).to.deep.equal({ machine: 62, glibc: undefined });
        expect(readElf(elfFile(EM_AARCH64, ["GLIBC_2.17", "GLIBC_2.34", "GLIBC_2.28"]))).to.deep.equal({
            machine: 183,
            glibc: [2, 34],
        });
        expect(readElf(Buffer.from("not elf at all, just text"))).to.equal(undefined);
    });

    it("keeps the machine of a file whose section table points past its end", () => {
        const file = elfFile(EM_AARCH64, ["GLIBC_2.17"]);
        expect(readElf(file.subarray(0, 80))).to.deep.equal({ machine: 183 });
    });

    it("judges the CPU first, then glibc against the runtimes' baseline", () => {
        expect(elfProblem({ machine: 62 }, ARM64_AL2023))
            .to.include("x86-64")
            .and.include("arm64");
        expect(elfProblem({ machine: 183, glibc: [2, 35] }, ARM64_AL2023))
            .to.include("GLIBC_2.35")
            .and.include("2.34");
        expect(elfProblem({ machine: 183, glibc: [2, 34] }, ARM64_AL2023)).to.equal(undefined);
    });

    it("names the package of an entry", () => {
        expect(packageOf("nodejs/node_modules/sharp/build/Release/sharp.node")).to.equal("sharp");
        expect(packageOf("nodejs/node_modules/@img/sharp-linux-x64/lib/sharp.node")).to.equal("@img/sharp-linux-x64");
        expect(packageOf("nodejs/node_modules/a/node_modules/b/x.node")).to.equal("b");
        expect(packageOf("python/numpy/core/_multiarray.so")).to.equal("numpy");
        expect(packageOf("python/numpy.libs/libopenblas.so")).to.equal("numpy");
    });

    it("scans real files: finds ELF by its magic whatever the name, and skips the rest", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "elf-scan-"));
        try {
            fs.writeFileSync(path.join(dir, "ok.node"), elfFile(EM_AARCH64));
            fs.writeFileSync(path.join(dir, "renamed.bin"), elfFile(EM_X86_64));
            fs.writeFileSync(path.join(dir, "index.js"), "module.exports = 1;\n");
            fs.writeFileSync(path.join(dir, "tiny"), "x");
            const files = ["ok.node", "renamed.bin", "index.js", "tiny"].map((name) => ({
                zipPath: `nodejs/node_modules/pkg/${name}`,
                absolutePath: path.join(dir, name),
            }));
            const problems = await scanNativeCode(files, ARM64_AL2023);
            expect(problems.map((problem) => [problem.packageName, problem.zipPath])).to.deep.equal([
                ["pkg", "nodejs/node_modules/pkg/renamed.bin"],
            ]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
