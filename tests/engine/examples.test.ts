/**
 * Every program under examples/ as a user runs it: installed with its own package.json (this package
 * from its packed tarball), compiled with its own tsconfig.json by the TypeScript it installs, as
 * Pulumi's Node.js runtime compiles it, and by the current TypeScript 6 as well; then driven through
 * Pulumi's dynamic-provider host: up, a no-op up, destroy.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { startEmulator } from "../../emulator";
import { EngineStack, installExample, startProviderHost } from "../../engine";
import { runCommand } from "../../engine/runCommand";
import { REPO_ROOT } from "../helpers/installedExample";
import { emulatorEnvironment } from "../helpers/fixtures";

/** The examples: each folder of examples/ with a Pulumi.yaml. */
const EXAMPLES = fs
    .readdirSync(path.join(REPO_ROOT, "examples"), { withFileTypes: true })
    .filter(
        (entry) => entry.isDirectory() && fs.existsSync(path.join(REPO_ROOT, "examples", entry.name, "Pulumi.yaml")),
    )
    .map((entry) => entry.name)
    .sort();

/**
 * Examples whose layers are built from a registry: dependencyLayers.test.ts runs them through the engine
 * path against a local npm registry and wheel index, so here they are compiled only.
 */
const RUN_WITH_LOCAL_REGISTRIES = new Set(["node-deps", "python-deps"]);

/** The TypeScript major that a program may install besides the one it pins. */
const OTHER_TYPESCRIPT = "typescript@6";

describe("examples/*: compiled as Pulumi compiles them, and run through the engine path", function () {
    this.timeout(600_000);

    it("finds the examples", () => {
        expect(EXAMPLES).to.include.members(["basic", "manifest", ...RUN_WITH_LOCAL_REGISTRIES]);
    });

    for (const name of EXAMPLES) {
        describe(`examples/${name}`, () => {
            it("has a README", () => {
                expect(fs.existsSync(path.join(REPO_ROOT, "examples", name, "README.md"))).to.equal(true);
            });

            const runsHere = !RUN_WITH_LOCAL_REGISTRIES.has(name);
            const title = runsHere
                ? "compiles with its own tsconfig under the TypeScript it installs and under TypeScript 6, then publishes, stays the same, and destroys"
                : "compiles with its own tsconfig under the TypeScript it installs and under TypeScript 6 (dependencyLayers.test.ts publishes it)";
            it(title, async () => {
                const emulator = await startEmulator({});
                const program = await installExample(REPO_ROOT, name);
                try {
                    const installed = JSON.parse(
                        fs.readFileSync(path.join(program.dir, "node_modules", "typescript", "package.json"), "utf8"),
                    ).version as string;
                    await runCommand(
                        "npm",
                        [
                            "exec",
                            "--yes",
                            "--prefer-offline",
                            `--package=${OTHER_TYPESCRIPT}`,
                            "--",
                            "tsc",
                            "-p",
                            ".",
                            "--noEmit",
                        ],
                        {
                            cwd: program.dir,
                            timeoutMs: 300_000,
                            label: `${OTHER_TYPESCRIPT} tsc -p . --noEmit (installed: ${installed})`,
                        },
                    );
                    if (!runsHere) return;
                    const host = await startProviderHost(program.dir, { env: emulatorEnvironment(emulator.endpoint) });
                    try {
                        await host.configure();
                        const stack = new EngineStack(host, { dir: program.dir, entry: "index.js" });
                        const created = await stack.up();
                        expect(created.length, "the example declares resources").to.be.greaterThan(0);
                        expect(created.map((event) => event.op)).to.deep.equal(created.map(() => "create"));
                        expect(Object.keys(emulator.requestCounts())).to.include("PublishLayerVersion");
                        emulator.resetRequestCounts();
                        expect((await stack.up()).map((event) => event.op)).to.deep.equal(created.map(() => "same"));
                        expect(emulator.requestCounts(), "a no-op up makes no API call").to.deep.equal({});
                        expect((await stack.destroy()).map((event) => event.op)).to.deep.equal(
                            created.map(() => "delete"),
                        );
                    } finally {
                        await host.close();
                    }
                } finally {
                    await program.cleanup();
                    await emulator.close();
                }
            });
        });
    }
});
