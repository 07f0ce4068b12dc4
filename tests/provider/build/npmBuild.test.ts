/**
 * npm builds through the provider (check, then create) against the emulator with the real SDK and the
 * real npm, installing from a local Verdaccio registry that holds test packages with per-platform
 * optional dependencies. No network beyond 127.0.0.1.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { LayerVersionProvider } from "../../../provider";
import type { LayerVersionInputs } from "../../../provider/types";
import { buildCacheDirectory } from "../../../provider/build/buildCache";
import { downloadLayerZip, useEmulator } from "../../helpers/fixtures";
import { startNpmRegistry, type NpmRegistry } from "../../helpers/npmRegistry";
import { nodeDepsExamplePackages } from "../../helpers/demoPackages";
import { REPO_ROOT } from "../../helpers/installedExample";
import { EM_X86_64, elfFile } from "../../helpers/elfFiles";
import { runCommand } from "../../../engine/runCommand";

const provider = new LayerVersionProvider();
const EXAMPLE_DEPS = path.join(REPO_ROOT, "examples", "node-deps", "deps");

describe("build: npm (real npm, local registry, emulator)", function () {
    this.timeout(300_000);
    const emulator = useEmulator();
    let registry: NpmRegistry;
    const dirs: string[] = [];

    before(async () => {
        registry = await startNpmRegistry();
        await registry.publish(...nodeDepsExamplePackages());
    });
    after(async () => {
        await registry?.close();
        dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
    });

    /** A copy of the node-deps example's package.json and lockfile. */
    function depsFolder(): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "npm-build-"));
        dirs.push(dir);
        for (const name of ["package.json", "package-lock.json"]) {
            fs.copyFileSync(path.join(EXAMPLE_DEPS, name), path.join(dir, name));
        }
        return dir;
    }

    function inputs(layerName: string, dir: string, architecture = "arm64"): Record<string, unknown> {
        return {
            layerName,
            build: { tool: "npm", path: dir, args: [`--registry=${registry.url}`] },
            compatibleRuntimes: ["nodejs20.x"],
            compatibleArchitectures: [architecture],
        };
    }

    async function checked(news: Record<string, unknown>): Promise<LayerVersionInputs> {
        const result = await provider.check({} as LayerVersionInputs, news as unknown as LayerVersionInputs);
        expect(result.failures ?? []).to.deep.equal([]);
        return result.inputs!;
    }

    it("publishes the linux-arm64 variant, not the x64 one, under nodejs/node_modules/, the same bytes each build", async () => {
        const dir = depsFolder();
        const first = await checked(inputs("npm-arm64", dir));
        const created = await provider.create(first);
        const { zip } = await downloadLayerZip(emulator.client, created.id);
        const names = Object.keys(zip.files);
        expect(names).to.include("nodejs/node_modules/lambda-layer-demo-native-linux-arm64/native.node");
        expect(names).to.include("nodejs/node_modules/lambda-layer-demo-greeting/index.js");
        expect(names.filter((name) => name.includes("linux-x64"))).to.deep.equal([]);
        expect(names.every((name) => name.startsWith("nodejs/node_modules/"))).to.equal(true);
        const native = await zip
            .file("nodejs/node_modules/lambda-layer-demo-native-linux-arm64/native.node")!
            .async("nodebuffer");
        expect(native.readUInt16LE(18), "e_machine").to.equal(183);

        // A fresh build of the same inputs elsewhere (cache emptied) gives the same zip.
        fs.rmSync(buildCacheDirectory(), { recursive: true, force: true });
        const again = await checked(inputs("npm-arm64", depsFolder()));
        expect(again.sourceHash).to.equal(first.sourceHash);
        const rebuilt = await provider.create(again);
        expect(rebuilt.outs!.codeSha256).to.equal(created.outs!.codeSha256);
    });

    it("fingerprints the inputs in check: the architecture, a dependency, args, rebuildTrigger and allowed env values count", async () => {
        const dir = depsFolder();
        const base = (await checked(inputs("npm-hash", dir))).sourceHash;
        expect((await checked(inputs("npm-hash", dir))).sourceHash).to.equal(base);
        expect((await checked(inputs("npm-hash", dir, "x86_64"))).sourceHash).to.not.equal(base);
        const withTrigger = {
            ...inputs("npm-hash", dir),
            build: { tool: "npm", path: dir, args: [`--registry=${registry.url}`], rebuildTrigger: "1" },
        };
        expect((await checked(withTrigger)).sourceHash).to.not.equal(base);
        const withEnv = {
            ...inputs("npm-hash", dir),
            build: { tool: "npm", path: dir, args: [`--registry=${registry.url}`], env: ["LAMBDA_LAYER_TEST_VALUE"] },
        };
        process.env.LAMBDA_LAYER_TEST_VALUE = "a";
        const envA = (await checked(withEnv)).sourceHash;
        process.env.LAMBDA_LAYER_TEST_VALUE = "b";
        const envB = (await checked(withEnv)).sourceHash;
        delete process.env.LAMBDA_LAYER_TEST_VALUE;
        expect(envA).to.not.equal(envB);
        const checkedEnv = await checked(withEnv);
        expect(JSON.stringify(checkedEnv)).to.not.include('"b"');

        const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8"));
        lock.packages["node_modules/lambda-layer-demo-greeting"].version = "1.1.0";
        fs.writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify(lock, null, 2));
        expect((await checked(inputs("npm-hash", dir))).sourceHash).to.not.equal(base);
    });

    it("refuses in check a folder without package-lock.json, naming build.path and the fix", async () => {
        const dir = depsFolder();
        fs.rmSync(path.join(dir, "package-lock.json"));
        const result = await provider.check(
            {} as LayerVersionInputs,
            inputs("npm-nolock", dir) as unknown as LayerVersionInputs,
        );
        expect(result.failures).to.have.length(1);
        expect(result.failures![0].property).to.equal("build.path");
        expect(result.failures![0].reason).to.include("package-lock.json").and.include("npm install");
    });

    it("fails a build whose native binary is for another CPU, naming the package, and caches nothing", async () => {
        // A package that ships an x86-64 binary whatever the platform, as a lockfile missing the arm64 variant would.
        const wrong = {
            manifest: { name: "lambda-layer-demo-x64-only", version: "1.0.0", license: "Apache-2.0" },
            files: { "prebuilt/addon.node": elfFile(EM_X86_64) },
        };
        await registry.publish(wrong);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "npm-build-"));
        dirs.push(dir);
        fs.writeFileSync(
            path.join(dir, "package.json"),
            JSON.stringify({ name: "x", private: true, dependencies: { "lambda-layer-demo-x64-only": "1.0.0" } }),
        );

        await runCommand("npm", ["install", "--package-lock-only", `--registry=${registry.url}`], {
            cwd: dir,
            timeoutMs: 120_000,
            label: "npm install --package-lock-only",
        });
        const news = await checked(inputs("npm-wrong-cpu", dir));
        const error = await provider.create(news).then(
            () => expect.fail("the build should fail"),
            (failure: Error) => failure,
        );
        expect(error.message)
            .to.include("lambda-layer-demo-x64-only")
            .and.include("prebuilt/addon.node")
            .and.include("e_machine 62")
            .and.include("arm64");
        expect(fs.existsSync(path.join(buildCacheDirectory(), news.sourceHash!))).to.equal(false);
    });

    it("keeps a native package's own variant for x86_64", async () => {
        const created = await provider.create(await checked(inputs("npm-x64", depsFolder(), "x86_64")));
        const { zip } = await downloadLayerZip(emulator.client, created.id);
        const names = Object.keys(zip.files);
        expect(names).to.include("nodejs/node_modules/lambda-layer-demo-native-linux-x64/native.node");
        expect(names.filter((name) => name.includes("linux-arm64"))).to.deep.equal([]);
    });
});
