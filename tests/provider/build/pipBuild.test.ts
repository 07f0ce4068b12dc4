/**
 * pip builds through the provider (check, then create) against the emulator with the real SDK and the
 * real pip, installing from a local wheel index of wheels the test writes. Pending when `python3 -m pip`
 * does not run (Debian: python3-pip).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { LayerVersionProvider } from "../../../provider";
import type { LayerVersionInputs } from "../../../provider/types";
import { downloadLayerZip, useEmulator } from "../../helpers/fixtures";
import { writeWheel } from "../../helpers/wheelIndex";
import { pythonDepsExampleWheels } from "../../helpers/demoPackages";
import { EM_AARCH64, elfFile } from "../../helpers/elfFiles";

const provider = new LayerVersionProvider();
const PIP_RUNS = spawnSync("python3", ["-m", "pip", "--version"]).status === 0;

(PIP_RUNS ? describe : describe.skip)(
    "build: pip (real pip, local wheel index, emulator; needs python3-pip)",
    function () {
        this.timeout(300_000);
        const emulator = useEmulator();
        let index: string;
        const dirs: string[] = [];

        before(async () => {
            index = fs.mkdtempSync(path.join(os.tmpdir(), "wheel-index-"));
            dirs.push(index);
            for (const wheel of pythonDepsExampleWheels()) await writeWheel(index, wheel);
        });
        after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

        function requirements(text: string): string {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pip-build-"));
            dirs.push(dir);
            fs.writeFileSync(path.join(dir, "requirements.txt"), text);
            return dir;
        }

        function inputs(layerName: string, dir: string, runtime = "python3.12"): Record<string, unknown> {
            return {
                layerName,
                build: { tool: "pip", path: dir, args: ["--no-index", "--find-links", index] },
                compatibleRuntimes: [runtime],
                compatibleArchitectures: ["arm64"],
            };
        }

        async function check(news: Record<string, unknown>) {
            return provider.check({} as LayerVersionInputs, news as unknown as LayerVersionInputs);
        }

        it("publishes the aarch64 wheel's files under python/, with its dist-info and no byte-code", async () => {
            const dir = requirements("lambda_layer_demo_native==1.0.0\nlambda_layer_demo_greeting==1.0.0\n");
            const checked = await check(inputs("pip-arm64", dir));
            expect(checked.failures ?? []).to.deep.equal([]);
            const created = await provider.create(checked.inputs!);
            const { zip } = await downloadLayerZip(emulator.client, created.id);
            const names = Object.keys(zip.files);
            expect(names).to.include("python/lambda_layer_demo_native/_native.cpython-312-aarch64-linux-gnu.so");
            expect(names).to.include("python/lambda_layer_demo_greeting/__init__.py");
            expect(names).to.include("python/lambda_layer_demo_native-1.0.0.dist-info/METADATA");
            expect(names.filter((name) => name.includes("x86_64"))).to.deep.equal([]);
            expect(names.filter((name) => name.endsWith(".pyc"))).to.deep.equal([]);
            expect(names.every((name) => name.startsWith("python/"))).to.equal(true);
        });

        it("names the package and the platform tags tried when no wheel fits", async () => {
            const dir = requirements("lambda_layer_demo_native==1.0.0\n");
            const checked = await check(inputs("pip-py311", dir, "python3.11"));
            expect(checked.failures ?? []).to.deep.equal([]);
            const error = await provider.create(checked.inputs!).then(
                () => expect.fail("no cp311 wheel exists"),
                (failure: Error) => failure,
            );
            expect(error.message)
                .to.include("lambda_layer_demo_native")
                .and.include("manylinux2014_aarch64")
                .and.include("manylinux_2_26_aarch64")
                .and.include("CPython 3.11");
        });

        it("fails a wheel whose binary needs a newer glibc than the runtime's Amazon Linux, naming the package", async () => {
            const wheels = fs.mkdtempSync(path.join(os.tmpdir(), "wheel-index-"));
            dirs.push(wheels);
            await writeWheel(wheels, {
                name: "lambda_layer_demo_newglibc",
                version: "1.0.0",
                tags: "cp312-cp312-manylinux_2_28_aarch64",
                files: { "newglibc/_core.so": elfFile(EM_AARCH64, ["GLIBC_2.17", "GLIBC_2.38"]) },
            });
            const dir = requirements("lambda_layer_demo_newglibc==1.0.0\n");
            const news = {
                ...inputs("pip-glibc", dir),
                build: { tool: "pip", path: dir, args: ["--no-index", "--find-links", wheels] },
            };
            const checked = await check(news);
            const error = await provider.create(checked.inputs!).then(
                () => expect.fail("GLIBC_2.38 is newer than AL2023's 2.34"),
                (failure: Error) => failure,
            );
            expect(error.message).to.include("newglibc").and.include("GLIBC_2.38").and.include("2.34");
        });

        it("warns in check about requirements not pinned with ==, and does not fail", async () => {
            const dir = requirements("lambda_layer_demo_native==1.0.0\nlambda_layer_demo_greeting>=1.0\n");
            const { fingerprintBuild } = await import("../../../provider/build/buildFingerprint");
            const { normalizeInputs } = await import("../../../provider/rules/validation");
            const verdict = await fingerprintBuild(normalizeInputs(inputs("pip-unpinned", dir)), "/");
            expect(verdict).to.have.property("warnings").that.has.length(1);
            const [warning] = (verdict as { warnings: string[] }).warnings;
            expect(warning).to.include("lambda_layer_demo_greeting").and.not.include("lambda_layer_demo_native");
            expect((await check(inputs("pip-unpinned", dir))).failures ?? []).to.deep.equal([]);
        });
    },
);
