/**
 * What is published is exactly what was hashed, however the source changes while `check` and `create`
 * run. A background process rewrites a file in place at the same size, or swaps a link between a
 * folder inside source.path and one outside it, in a tight loop, while check and create run round after
 * round against the emulator (the real SDK over HTTP). Every published zip is then downloaded through
 * GetLayerVersion's Content.Location and its content hashed as check hashes a tree: it must be the
 * recorded sourceHash, and nothing from outside source.path may be in it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { GetLayerVersionCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import JSZip from "jszip";
import { hashSourceFiles } from "../../provider/hashing/sourceHash";
import { parseLayerVersionArn } from "../../provider/rules/layerVersionRef";
import type { SourceFile } from "../../provider/listing/sourceFiles";
import type { LayerVersionInputs } from "../../provider/types";
import { ZIP_COMPRESSION } from "../../provider/zip/zipWriter";
import { emulatorForTest, provider, tempDir } from "../helpers/reliability";
import { removeTempDirs, writeTree } from "../helpers/fileTrees";

const ROUNDS = 40;

/** A node process running `script` (with `args` as process.argv[1..]) until it is stopped. */
function background(script: string, args: string[]): { stop(): Promise<void> } {
    const child: ChildProcess = spawn(process.execPath, ["-e", script, ...args], { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return {
        stop: async () => {
            child.kill("SIGKILL");
            await exited;
        },
    };
}

/** Rewrites argv[1] in place with the content of argv[2], then argv[3], and so on, pausing argv[4] ms between; same size each time. */
const FLIPPER = `
const fs = require("node:fs");
const [file, first, second, pause] = process.argv.slice(1);
const contents = [fs.readFileSync(first), fs.readFileSync(second)];
const fd = fs.openSync(file, "r+");
const sleeper = new Int32Array(new SharedArrayBuffer(4));
for (let turn = 0; ; turn ^= 1) {
    fs.writeSync(fd, contents[turn], 0, contents[turn].length, 0);
    if (Number(pause) > 0) Atomics.wait(sleeper, 0, 0, Number(pause));
}
`;

/**
 * Points the link argv[1] at argv[2], then argv[3], and so on: each time a new link, made outside the
 * link's folder (so that no listing sees it), renamed over it (atomic).
 */
const LINK_SWAPPER = `
const fs = require("node:fs");
const path = require("node:path");
const [link, first, second] = process.argv.slice(1);
const targets = [first, second];
const next = path.join(path.dirname(path.dirname(link)), "next-link");
for (let turn = 0; ; turn ^= 1) {
    try { fs.symlinkSync(targets[turn], next); fs.renameSync(next, link); } catch {}
}
`;

/** The published version's zip, downloaded through GetLayerVersion (LayerName = the layer ARN) and Content.Location. */
async function downloadPublished(client: LambdaClient, arn: string): Promise<JSZip> {
    const ref = parseLayerVersionArn(arn);
    const version = await client.send(
        new GetLayerVersionCommand({ LayerName: ref.layerArn, VersionNumber: ref.version }),
    );
    const response = await fetch(version.Content!.Location!);
    return JSZip.loadAsync(Buffer.from(await response.arrayBuffer()));
}

/** The sourceHash of what a zip holds, computed as check computes it for a tree with these entries. */
async function hashOfZip(zip: JSZip): Promise<{ hash: string; contents: Map<string, Buffer> }> {
    const entries = Object.values(zip.files).filter((entry) => !entry.dir);
    const contents = new Map<string, Buffer>();
    const files: SourceFile[] = [];
    const digests: Buffer[] = [];
    for (const entry of entries) {
        const content = await entry.async("nodebuffer");
        contents.set(entry.name, content);
        files.push({
            zipPath: entry.name,
            relativePath: entry.name,
            absolutePath: entry.name,
            executable: ((entry.unixPermissions as number) & 0o100) !== 0,
            size: content.length,
        });
        digests.push(createHash("sha256").update(content).digest());
    }
    return {
        hash: hashSourceFiles(files, { prefix: "", compression: ZIP_COMPRESSION }, Buffer.concat(digests)),
        contents,
    };
}

/** check then create, as `pulumi up` runs them; the outcome of each. */
async function checkAndCreateOnce(
    news: Record<string, unknown>,
): Promise<
    | { stage: "check"; failure: string }
    | { stage: "create"; failure: string }
    | { stage: "published"; arn: string; sourceHash: string }
> {
    const checked = await provider.check({} as LayerVersionInputs, news as unknown as LayerVersionInputs);
    if (checked.failures?.length) {
        return { stage: "check", failure: checked.failures.map((failure) => failure.reason).join("; ") };
    }
    try {
        const created = await provider.create(checked.inputs!);
        return { stage: "published", arn: created.id, sourceHash: checked.inputs!.sourceHash! };
    } catch (error) {
        return { stage: "create", failure: (error as Error).message };
    }
}

describe("reliability: the content published is the content hashed, under races", function () {
    this.timeout(600_000);
    after(removeTempDirs);

    // A small file rewritten without pause; a big one (streamed, stored) with pauses, so that some rounds do not race.
    for (const [label, size, pauseMs] of [
        ["4 KiB", 4096, 0],
        ["3 MiB", 3 << 20, 150],
    ] as const) {
        it(`publishes 0 versions whose zip differs from their sourceHash while a ${label} file is rewritten in place at the same size (${ROUNDS} rounds)`, async () => {
            const test = await emulatorForTest();
            const contents = tempDir("flip-contents-");
            fs.writeFileSync(path.join(contents, "a"), randomBytes(size));
            fs.writeFileSync(path.join(contents, "b"), randomBytes(size));
            const root = writeTree(tempDir("flip-src-"), {
                "index.js": "exports.handler = async () => 'ok';\n",
                "lib/util.js": "module.exports = 1;\n",
                "data/flipping.bin": fs.readFileSync(path.join(contents, "a")),
            });
            const flipper = background(FLIPPER, [
                path.join(root, "data/flipping.bin"),
                path.join(contents, "a"),
                path.join(contents, "b"),
                String(pauseMs),
            ]);
            const layerName = `flip-${size}`;
            let published = 0;
            let refused = 0;
            const mismatches: string[] = [];
            try {
                for (let round = 0; round < ROUNDS; round++) {
                    const outcome = await checkAndCreateOnce({ layerName, source: { path: root } });
                    if (outcome.stage === "published") {
                        published++;
                        const { hash } = await hashOfZip(await downloadPublished(test.client, outcome.arn));
                        if (hash !== outcome.sourceHash) mismatches.push(outcome.arn);
                    } else {
                        expect(outcome.stage).to.equal("create", `check hashes whatever it reads: ${outcome.failure}`);
                        expect(outcome.failure).to.match(
                            new RegExp(
                                `^the source of layer "${layerName}" changed while it was being published \\(.*\\): nothing was published; run \`pulumi up\` again$`,
                            ),
                        );
                        refused++;
                    }
                }
            } finally {
                await flipper.stop();
                await test.stop();
            }
            expect(mismatches).to.deep.equal([], `${published} published, ${refused} refused`);
            expect(published + refused).to.equal(ROUNDS);
        });
    }

    it(`publishes nothing from outside source.path, and hashes none of it, while a folder link is swapped between inside and outside (${ROUNDS} rounds)`, async () => {
        const test = await emulatorForTest();
        const parent = tempDir("swap-");
        const root = writeTree(path.join(parent, "source"), {
            "index.js": "exports.handler = async () => 'ok';\n",
            "real/data.txt": "inside content\n",
        });
        writeTree(path.join(parent, "secret"), { "data.txt": "OUTSIDE SECRET\n" });
        fs.symlinkSync("real", path.join(root, "lib"));
        // The tree as it should be published: lib/data.txt holds the inside content.
        const insideHash = (await checkAndCreateOnce({ layerName: "swap-reference", source: { path: root } })) as {
            sourceHash: string;
        };
        const swapper = background(LINK_SWAPPER, [path.join(root, "lib"), "real", "../secret"]);
        const outcomes = { published: 0, refusedAtCheck: 0, refusedAtCreate: 0 };
        const leaks: string[] = [];
        try {
            for (let round = 0; round < ROUNDS; round++) {
                const outcome = await checkAndCreateOnce({ layerName: "swap", source: { path: root } });
                if (outcome.stage === "published") {
                    outcomes.published++;
                    expect(outcome.sourceHash).to.equal(insideHash.sourceHash, "check hashed only inside content");
                    const { hash, contents } = await hashOfZip(await downloadPublished(test.client, outcome.arn));
                    if ([...contents.values()].some((content) => content.includes("OUTSIDE SECRET")))
                        leaks.push(outcome.arn);
                    expect(hash).to.equal(outcome.sourceHash);
                } else if (outcome.stage === "check") {
                    // Listed while the link pointed outside, or read after it was swapped: refused, naming the file.
                    expect(outcome.failure).to.match(/lib(\/data\.txt)?\b.*outside source\.path/);
                    outcomes.refusedAtCheck++;
                } else {
                    expect(outcome.failure).to.match(
                        /^(layer "swap": source\.path: |the source of layer "swap" changed)/,
                    );
                    outcomes.refusedAtCreate++;
                }
            }
        } finally {
            await swapper.stop();
            await test.stop();
        }
        expect(leaks).to.deep.equal([], JSON.stringify(outcomes));
    });

    it("names the file when a dangling link vanishes while check lists the tree (300 checks)", async () => {
        const root = writeTree(tempDir("vanishing-"), { "index.js": "1\n", "lib/a.js": "2\n" });
        // A lock file's link: made and removed again and again; it points nowhere.
        const toggler = background(
            `const fs = require("node:fs"); const link = process.argv[1];
             for (;;) { try { fs.symlinkSync("/nonexistent/lock-owner", link); fs.unlinkSync(link); } catch {} }`,
            [path.join(root, "lib", ".lock")],
        );
        const failures: string[] = [];
        let hashed = 0;
        try {
            for (let round = 0; round < 300; round++) {
                const checked = await provider.check(
                    {} as LayerVersionInputs,
                    {
                        layerName: "vanishing",
                        source: { path: root },
                    } as unknown as LayerVersionInputs,
                );
                if (checked.failures?.length) failures.push(...checked.failures.map((failure) => failure.reason));
                else hashed++;
            }
        } finally {
            await toggler.stop();
        }
        expect(hashed + failures.length).to.be.at.least(300);
        for (const failure of failures) {
            expect(failure).to.match(
                /^source\.path: lib\/\.lock (is a broken symlink|changed while the files were listed)/,
            );
        }
    });
});
