/**
 * Nothing outside `source.path` is ever zipped, and no entry name can land outside the directory it is
 * extracted into. The refusals (a symlink that leaves source.path, a backslash in a file name, a
 * `zipFile` with `..` or absolute entries) are rows of badInput.test.ts; here a published zip of a tree
 * full of awkward but legal names is opened and every raw entry name is checked.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import JSZip from "jszip";
import { removeTempDirs } from "../helpers/fileTrees";
import { downloadLayerZip, makeTree } from "../helpers/fixtures";
import type { LayerVersionInputs } from "../../provider/types";
import { checkAndCreate, emulatorForTest, provider } from "../helpers/reliability";

/** The names exactly as stored in the archive (jszip's `name` resolves `..` away; `unsafeOriginalName` keeps it). */
function rawNames(zip: JSZip): string[] {
    return Object.values(zip.files).map(
        (entry) => (entry as JSZip.JSZipObject & { unsafeOriginalName?: string }).unsafeOriginalName ?? entry.name,
    );
}

describe("reliability: what gets zipped stays inside source.path", function () {
    after(removeTempDirs);
    this.timeout(60_000);

    it("writes only relative entry names without `..` segments, following only links that stay inside", async () => {
        const test = await emulatorForTest();
        try {
            const tree = makeTree({
                "..looks-like-parent.js": "1\n",
                "a..b/c.js": "2\n",
                ".hidden/config.json": "{}\n",
                "lib/real.js": "3\n",
                "dir with spaces/ünïcödé.js": "4\n",
            });
            fs.symlinkSync("../lib", path.join(tree, "dir with spaces", "linked-lib"));
            fs.symlinkSync("lib/real.js", path.join(tree, "alias.js"));
            const { id } = await checkAndCreate({ layerName: "zip-safety", source: { path: tree, prefix: "nodejs/" } });
            const names = rawNames((await downloadLayerZip(test.client, id)).zip);
            expect(names.sort()).to.deep.equal([
                "nodejs/..looks-like-parent.js",
                "nodejs/.hidden/config.json",
                "nodejs/a..b/c.js",
                "nodejs/alias.js",
                "nodejs/dir with spaces/linked-lib/real.js",
                "nodejs/dir with spaces/ünïcödé.js",
                "nodejs/lib/real.js",
            ]);
            for (const name of names) {
                expect(name.startsWith("/") || name.includes("\\") || name.split("/").includes(".."), name).to.equal(
                    false,
                );
            }
        } finally {
            await test.stop();
        }
    });

    it("refuses a link to a directory outside, even one the glob reaches only through it, and publishes nothing", async () => {
        const test = await emulatorForTest();
        try {
            const outside = makeTree({ credentials: "[default]\naws_secret_access_key = not-real\n" });
            const tree = makeTree({ "index.js": "1\n" });
            fs.symlinkSync(outside, path.join(tree, "home-aws"));
            const news = { layerName: "zip-escape", source: { path: tree, include: ["home-aws/**"] } };
            const checked = await provider.check({} as LayerVersionInputs, news as unknown as LayerVersionInputs);
            expect(checked.failures).to.have.length(1);
            expect(checked.failures![0].property).to.equal("source.path");
            expect(checked.failures![0].reason)
                .to.include(`home-aws/credentials resolves to ${fs.realpathSync(outside)}`)
                .and.include("outside source.path");
            expect(test.emulator.requestCounts(), "refused before any call").to.deep.equal({});
        } finally {
            await test.stop();
        }
    });

    it("packs what an outside link points at only when followSymlinks is true, under the link's own name", async () => {
        const test = await emulatorForTest();
        try {
            const shared = makeTree({ "util.js": "module.exports = 'shared';\n" });
            const tree = makeTree({ "index.js": "1\n" });
            fs.symlinkSync(shared, path.join(tree, "shared"));
            const { id } = await checkAndCreate({
                layerName: "zip-follow",
                source: { path: tree, followSymlinks: true },
            });
            const { zip } = await downloadLayerZip(test.client, id);
            expect(rawNames(zip).sort()).to.deep.equal(["index.js", "shared/util.js"]);
            expect(await zip.file("shared/util.js")!.async("string")).to.equal("module.exports = 'shared';\n");
        } finally {
            await test.stop();
        }
    });
});
