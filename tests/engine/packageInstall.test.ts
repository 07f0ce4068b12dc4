/**
 * The package installed the ways a user can today (it is not on the npm registry): from a git URL, which
 * npm clones, installs with dev dependencies and builds through `prepare`; and from the tarball that
 * `npm pack` makes of an unbuilt clone, built through `prepack`. Both start from a copy of this checkout
 * without `dist/` or `node_modules/`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { startEmulator } from "../../emulator";
import { EngineStack, InstalledProgram, installProgram, resolvePulumiVersion, startProviderHost } from "../../engine";
import { runCommand } from "../../engine/runCommand";
import { runs, skipUnlessFound } from "../helpers/externalTools";
import { emulatorEnvironment } from "../helpers/fixtures";
import { removeTempDirs, tempDir } from "../helpers/fileTrees";
import { REPO_ROOT } from "../helpers/installedExample";

const GIT = { name: "git", install: "apt-get install git" };

/** A program that uses the package as its README shows, in plain JavaScript. */
const PROGRAM = {
    "index.js": `const { LayerVersion } = require("pulumi-lambda-layer");
const layer = new LayerVersion("installed", {
    layerName: "installed-package",
    source: { path: "./layer", prefix: "nodejs/" },
});
exports.arn = layer.arn;
`,
    "layer/node_modules/hello/index.js": "exports.hello = () => 'hello';\n",
};

/** What a build makes or an install brings: left out of the copy, as a fresh clone has none of them. */
const NOT_IN_A_CLONE = new Set(["node_modules", "dist", ".git"]);

/** Copies the checkout's sources into a new temp folder, without dist/, node_modules/ or .git/. */
function copyOfSources(): string {
    const copy = path.join(tempDir("package-sources-"), "pulumi-lambda-layer");
    fs.cpSync(REPO_ROOT, copy, {
        recursive: true,
        filter: (source) => {
            const parts = path.relative(REPO_ROOT, source).split(path.sep);
            return (
                !parts.some((part) => NOT_IN_A_CLONE.has(part) || part.startsWith("dist-")) && !source.endsWith(".tgz")
            );
        },
    });
    return copy;
}

function run(file: string, args: string[], cwd: string): Promise<string> {
    return runCommand(file, args, { cwd, timeoutMs: 600_000, label: `${file} ${args.join(" ")} in ${cwd}` });
}

/** What `require` gives in the program: the names each entry point exports. */
async function exportsOf(programDir: string): Promise<Record<string, string[]>> {
    const script = `const names = (m) => Object.keys(require(m)).sort();
console.log(JSON.stringify({ sdk: names("pulumi-lambda-layer"), provider: names("pulumi-lambda-layer/provider"),
    emulator: names("pulumi-lambda-layer/emulator") }));`;
    return JSON.parse(await run(process.execPath, ["-e", script], programDir));
}

describe("installing the package from git, or from npm pack of an unbuilt clone", function () {
    this.timeout(900_000);
    after(removeTempDirs);

    const pulumiVersion = resolvePulumiVersion(REPO_ROOT);

    it("installs from a git+file:// URL into an empty program, which then runs through the engine path [needs git]", async function () {
        skipUnlessFound(this, GIT, runs("git"));
        const repo = copyOfSources();
        const git = (...args: string[]) =>
            run("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], repo);
        await git("init", "--quiet");
        await git("add", "--all");
        await git("commit", "--quiet", "--message", "sources");

        const program = await installProgram({
            packages: [`git+file://${repo}`, `@pulumi/pulumi@${pulumiVersion}`],
            programFiles: PROGRAM,
        });
        const emulator = await startEmulator({});
        try {
            expect(await exportsOf(program.dir)).to.deep.include({
                sdk: ["LayerVersion", "ManifestError", "layersFromManifest", "parseLayerManifest"],
            });
            await upAndDestroy(program, emulator);
        } finally {
            await program.cleanup();
            await emulator.close();
        }
    });

    it("packs an unbuilt clone into a package that works, whose source maps carry their sources", async () => {
        const clone = copyOfSources();
        // The clone's dev dependencies (TypeScript): the checkout's own, as `npm install` would give them.
        fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(clone, "node_modules"));
        const destination = tempDir("packed-");
        const [packed] = JSON.parse(await run("npm", ["pack", "--json", "--pack-destination", destination], clone)) as {
            filename: string;
            files: { path: string }[];
        }[];
        const shipped = new Set(packed.files.map((file) => file.path));
        for (const entry of [
            "dist/sdk/index.js",
            "dist/provider/index.js",
            "dist/emulator/index.js",
            "dist/emulator/cli.js",
        ]) {
            expect(shipped, entry).to.include(entry);
        }
        expect(
            [...shipped].filter((file) => file.startsWith("dist/tests/")),
            "no tests shipped",
        ).to.deep.equal([]);
        for (const file of shipped) {
            if (file.endsWith(".js")) {
                const mapUrl = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(
                    fs.readFileSync(path.join(clone, file), "utf8"),
                )?.[1];
                if (mapUrl)
                    expect(shipped, `${file}'s source map`).to.include(
                        path.posix.join(path.posix.dirname(file), mapUrl),
                    );
            }
            if (file.endsWith(".map")) {
                const map = JSON.parse(fs.readFileSync(path.join(clone, file), "utf8")) as {
                    sources: string[];
                    sourcesContent?: string[];
                };
                expect(map.sourcesContent?.length, `${file} carries its sources`).to.equal(map.sources.length);
            }
        }

        const program = await installProgram({
            packages: [path.join(destination, path.basename(packed.filename)), `@pulumi/pulumi@${pulumiVersion}`],
            programFiles: PROGRAM,
        });
        try {
            const exported = await exportsOf(program.dir);
            expect(exported.sdk).to.include("LayerVersion");
            expect(exported.provider).to.include("LayerVersionProvider");
            expect(exported.emulator).to.include("startEmulator");
        } finally {
            await program.cleanup();
        }
    });
});

/** up, then destroy, of the program's one layer through Pulumi's dynamic-provider host. */
async function upAndDestroy(
    program: InstalledProgram,
    emulator: Awaited<ReturnType<typeof startEmulator>>,
): Promise<void> {
    const host = await startProviderHost(program.dir, { env: emulatorEnvironment(emulator.endpoint) });
    try {
        await host.configure();
        const stack = new EngineStack(host, { dir: program.dir, entry: "index.js" });
        expect((await stack.up()).map((event) => event.op)).to.deep.equal(["create"]);
        expect(stack.state.get("installed")!.outputs.arn).to.equal(
            "arn:aws:lambda:us-east-1:123456789012:layer:installed-package:1",
        );
        expect((await stack.destroy()).map((event) => event.op)).to.deep.equal(["delete"]);
    } finally {
        await host.close();
    }
}
