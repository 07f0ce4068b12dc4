/**
 * A cache location that cannot hold the cache (a regular file, a FIFO, a device, a read-only folder)
 * means no cache and one clear warning, never a crash or a hang; a digest cache file that is a FIFO, or
 * a link to /dev/zero, is not read. Driven through the provider's check, as `pulumi preview` runs it.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { makeTree } from "../../helpers/fixtures";
import { removeTempDirs, setTimes } from "../../helpers/fileTrees";
import { capturingStderr, provider, setEnvironment, tempDir } from "../../helpers/reliability";
import { skipUnlessFound, TMPFS_MOUNT } from "../../helpers/externalTools";
import type { LayerVersionInputs } from "../../../provider/types";

const TREE = { "index.js": "exports.handler = async () => 'ok';\n", "lib/a.js": "1\n" };

/** check of a layer from `root`: its sourceHash (failing the test on a failure) and what it wrote to stderr. */
async function checkedHash(root: string): Promise<{ sourceHash: string; warnings: string[] }> {
    const { result, lines } = await capturingStderr(() =>
        provider.check(
            {} as LayerVersionInputs,
            {
                layerName: "cache-location",
                source: { path: root },
            } as unknown as LayerVersionInputs,
        ),
    );
    expect(result.failures ?? []).to.deep.equal([]);
    return { sourceHash: result.inputs!.sourceHash!, warnings: lines };
}

function makeFifo(file: string): void {
    execFileSync("mkfifo", [file]);
}

describe("local state: an unusable cache location", function () {
    this.timeout(60_000);
    let root: string;
    let expected: string;
    after(() => removeTempDirs());

    before(async () => {
        root = makeTree(TREE);
        // Files changed long ago, so that their digests are cached (a file changed just now is not trusted).
        setTimes(root, new Date("2020-01-01T00:00:00Z"));
        const restore = setEnvironment({ PULUMI_LAMBDA_LAYER_CACHE: "off" });
        try {
            expected = (await checkedHash(root)).sourceHash;
        } finally {
            restore();
        }
    });

    const locations: Array<[string, () => string]> = [
        [
            "a regular file",
            () => {
                const file = path.join(tempDir("cache-file-"), "not-a-folder");
                fs.writeFileSync(file, "x");
                return file;
            },
        ],
        [
            "a FIFO",
            () => {
                const fifo = path.join(tempDir("cache-fifo-"), "fifo");
                makeFifo(fifo);
                return fifo;
            },
        ],
        ["a device", () => "/dev/null"],
        [
            "below a regular file",
            () => {
                const file = path.join(tempDir("cache-below-"), "file");
                fs.writeFileSync(file, "x");
                return path.join(file, "cache");
            },
        ],
    ];
    for (const variable of ["PULUMI_LAMBDA_LAYER_CACHE_DIR", "XDG_CACHE_HOME"]) {
        for (const [what, make] of locations) {
            it(`${variable} naming ${what}: check hashes without a cache and warns once, naming the folder`, async () => {
                const location = make();
                const restore = setEnvironment({
                    PULUMI_LAMBDA_LAYER_CACHE: undefined,
                    PULUMI_LAMBDA_LAYER_CACHE_DIR: variable === "PULUMI_LAMBDA_LAYER_CACHE_DIR" ? location : undefined,
                    XDG_CACHE_HOME: variable === "XDG_CACHE_HOME" ? location : undefined,
                });
                try {
                    const { sourceHash, warnings } = await checkedHash(root);
                    expect(sourceHash).to.equal(expected);
                    expect(warnings).to.have.length(1);
                    expect(warnings[0]).to.match(/^pulumi-lambda-layer: warning: the cache folder .* cannot be used/);
                    expect(warnings[0]).to.include(location).and.include("PULUMI_LAMBDA_LAYER_CACHE_DIR");
                } finally {
                    restore();
                }
            });
        }
    }

    it("a read-only folder: check hashes without a cache and warns once [needs mount -t tmpfs, as root]", async function () {
        const folder = tempDir("cache-ro-");
        let mounted = true;
        try {
            execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", folder], { stdio: "pipe" });
        } catch {
            mounted = false;
        }
        skipUnlessFound(this, TMPFS_MOUNT, mounted);
        const restore = setEnvironment({ PULUMI_LAMBDA_LAYER_CACHE: undefined, PULUMI_LAMBDA_LAYER_CACHE_DIR: folder });
        try {
            const { sourceHash, warnings } = await checkedHash(root);
            expect(sourceHash).to.equal(expected);
            expect(warnings).to.have.length(1);
            expect(warnings[0]).to.include(folder).and.include("EROFS");
        } finally {
            restore();
            execFileSync("umount", [folder]);
        }
    });

    for (const [what, replace] of [
        ["a FIFO", (file: string) => makeFifo(file)],
        ["a link to /dev/zero", (file: string) => fs.symlinkSync("/dev/zero", file)],
    ] as const) {
        it(`a digest cache file replaced by ${what} is not read: check neither hangs nor fills memory`, async () => {
            const folder = tempDir("cache-damaged-");
            const restore = setEnvironment({
                PULUMI_LAMBDA_LAYER_CACHE: undefined,
                PULUMI_LAMBDA_LAYER_CACHE_DIR: folder,
            });
            try {
                await checkedHash(root);
                const [cacheFile] = fs.readdirSync(folder).filter((name) => name.endsWith(".digests"));
                expect(cacheFile, "the first check wrote its cache").to.be.a("string");
                fs.rmSync(path.join(folder, cacheFile));
                replace(path.join(folder, cacheFile));
                const { sourceHash } = await checkedHash(root);
                expect(sourceHash).to.equal(expected);
            } finally {
                restore();
            }
        });
    }
});
