/**
 * Dependency layers on the engine's path: examples/node-deps and examples/python-deps installed from
 * the packed package, their LayerVersion serialized by the program's @pulumi/pulumi and driven through
 * the real dynamic-provider host against the emulator, building from a local npm registry (Verdaccio)
 * and a local wheel index. Offline: nothing leaves 127.0.0.1.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { ListLayerVersionsCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { EngineStack } from "../../engine";
import { runCommand } from "../../engine/runCommand";
import { useInstalledExample } from "../helpers/installedExample";
import { downloadLayerZip } from "../helpers/fixtures";
import { startNpmRegistry, type NpmRegistry } from "../helpers/npmRegistry";
import { nodeDepsExamplePackages, pythonDepsExampleWheels } from "../helpers/demoPackages";
import { writeWheel } from "../helpers/wheelIndex";

async function versionsOf(lambda: LambdaClient, layerName: string): Promise<number[]> {
    const listed = await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName }));
    return (listed.LayerVersions ?? []).map((version) => version.Version!).sort();
}

/** The build cache's entries: one per fingerprint ever built. */
function builtTrees(): string[] {
    const root = process.env.PULUMI_LAMBDA_LAYER_BUILD_DIR!;
    return fs.existsSync(root) ? fs.readdirSync(root).filter((name) => !name.startsWith(".")) : [];
}

describe("examples/node-deps through the dynamic-provider host (engine path, local npm registry)", function () {
    this.timeout(600_000);
    const PROJECT = "lambda-layer-node-deps";
    let registry: NpmRegistry;
    before(async () => {
        registry = await startNpmRegistry();
        await registry.publish(...nodeDepsExamplePackages());
    });
    after(async () => registry?.close());
    const example = useInstalledExample("node-deps", { project: PROJECT });

    it("publishes the linux-arm64 variant only; an unchanged lockfile builds and calls nothing; one changed dependency publishes one version", async () => {
        const layerName = "engine-node-deps";
        const stack = new EngineStack(example.host, {
            dir: example.program.dir,
            entry: "index.js",
            capture: {
                project: PROJECT,
                config: { [`${PROJECT}:layerName`]: layerName, [`${PROJECT}:npmRegistry`]: registry.url },
            },
        });

        example.emulator.resetRequestCounts();
        const [created] = await stack.up();
        expect(created.op).to.equal("create");
        expect(example.emulator.requestCounts()).to.deep.equal({ PublishLayerVersion: 1 });
        const { zip } = await downloadLayerZip(example.lambda, created.id!);
        const names = Object.keys(zip.files);
        expect(names).to.include("nodejs/node_modules/lambda-layer-demo-native-linux-arm64/native.node");
        expect(names).to.include("nodejs/node_modules/lambda-layer-demo-greeting/index.js");
        expect(names.filter((name) => name.includes("linux-x64"))).to.deep.equal([]);
        const trees = builtTrees();

        example.emulator.resetRequestCounts();
        expect((await stack.up()).map((event) => event.op)).to.deep.equal(["same"]);
        expect(example.emulator.requestCounts(), "a no-op up makes no API call").to.deep.equal({});
        expect(builtTrees(), "and builds nothing").to.deep.equal(trees);

        await runCommand(
            "npm",
            ["install", "lambda-layer-demo-greeting@1.1.0", "--package-lock-only", `--registry=${registry.url}`],
            {
                cwd: path.join(example.program.dir, "deps"),
                timeoutMs: 120_000,
                label: "npm install --package-lock-only",
            },
        );
        example.emulator.resetRequestCounts();
        const [replaced] = await stack.up();
        expect(replaced.op).to.equal("replace");
        expect(replaced.properties).to.deep.equal(["sourceHash"]);
        expect(example.emulator.requestCounts()).to.deep.equal({ PublishLayerVersion: 1, DeleteLayerVersion: 1 });
        expect(await versionsOf(example.lambda, layerName)).to.deep.equal([2]);
        const greeting = await (
            await downloadLayerZip(example.lambda, replaced.id!)
        ).zip
            .file("nodejs/node_modules/lambda-layer-demo-greeting/index.js")!
            .async("string");
        expect(greeting).to.include("greeting 1.1.0");

        expect((await stack.destroy()).map((event) => event.op)).to.deep.equal(["delete"]);
        expect(await versionsOf(example.lambda, layerName)).to.deep.equal([]);
    });
});

const PIP_RUNS = spawnSync("python3", ["-m", "pip", "--version"]).status === 0;

(PIP_RUNS ? describe : describe.skip)(
    "examples/python-deps through the dynamic-provider host (engine path, local wheel index; needs python3-pip)",
    function () {
        this.timeout(600_000);
        const PROJECT = "lambda-layer-python-deps";
        let wheelIndex: string;
        before(async () => {
            wheelIndex = fs.mkdtempSync(path.join(os.tmpdir(), "wheel-index-"));
            for (const wheel of pythonDepsExampleWheels()) await writeWheel(wheelIndex, wheel);
        });
        after(() => fs.rmSync(wheelIndex, { recursive: true, force: true }));
        const example = useInstalledExample("python-deps", { project: PROJECT });

        it("publishes the aarch64 wheel's files under python/, and a second up calls nothing", async () => {
            const layerName = "engine-python-deps";
            const stack = new EngineStack(example.host, {
                dir: example.program.dir,
                entry: "index.js",
                capture: {
                    project: PROJECT,
                    config: { [`${PROJECT}:layerName`]: layerName, [`${PROJECT}:wheelIndex`]: wheelIndex },
                },
            });
            const [created] = await stack.up();
            expect(created.op).to.equal("create");
            const names = Object.keys((await downloadLayerZip(example.lambda, created.id!)).zip.files);
            expect(names).to.include("python/lambda_layer_demo_native/_native.cpython-312-aarch64-linux-gnu.so");
            expect(names).to.include("python/lambda_layer_demo_greeting/__init__.py");
            expect(names.filter((name) => name.includes("x86_64"))).to.deep.equal([]);

            example.emulator.resetRequestCounts();
            expect((await stack.up()).map((event) => event.op)).to.deep.equal(["same"]);
            expect(example.emulator.requestCounts()).to.deep.equal({});
            await stack.destroy();
        });
    },
);
