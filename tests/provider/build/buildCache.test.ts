import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { buildCacheDirectory, cachedBuild } from "../../../provider/build/buildCache";

describe("build/buildCache: built trees kept by fingerprint", () => {
    let saved: string | undefined;
    let root: string;
    beforeEach(() => {
        saved = process.env.PULUMI_LAMBDA_LAYER_BUILD_DIR;
        root = fs.mkdtempSync(path.join(os.tmpdir(), "build-cache-"));
        process.env.PULUMI_LAMBDA_LAYER_BUILD_DIR = root;
    });
    afterEach(() => {
        process.env.PULUMI_LAMBDA_LAYER_BUILD_DIR = saved;
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("builds once, then hands back the cached tree without building", async () => {
        let builds = 0;
        const build = async (dir: string) => {
            builds++;
            fs.writeFileSync(path.join(dir, "file"), "built");
        };
        const first = await cachedBuild("a1", build);
        const second = await cachedBuild("a1", build);
        expect([first.built, second.built, builds]).to.deep.equal([true, false, 1]);
        expect(second.treeDir).to.equal(path.join(buildCacheDirectory(), "a1"));
        expect(fs.readFileSync(path.join(second.treeDir, "file"), "utf8")).to.equal("built");
    });

    it("lets two concurrent builds of one fingerprint both succeed, keeping one whole tree and no temp folder", async () => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const build = (content: string) => async (dir: string) => {
            fs.writeFileSync(path.join(dir, "file"), content);
            await gate; // both are mid-build before either renames
        };
        const runs = [cachedBuild("b2", build("first")), cachedBuild("b2", build("second"))];
        release();
        const [one, two] = await Promise.all(runs);
        expect(one.treeDir).to.equal(two.treeDir);
        expect(["first", "second"]).to.include(fs.readFileSync(path.join(one.treeDir, "file"), "utf8"));
        expect(fs.readdirSync(root)).to.deep.equal(["b2"]);
    });

    it("caches nothing when the build fails", async () => {
        const failing = cachedBuild("c3", async (dir) => {
            fs.writeFileSync(path.join(dir, "half"), "x");
            throw new Error("scan refused it");
        });
        await failing.then(
            () => expect.fail("the build failed"),
            (error: Error) => expect(error.message).to.equal("scan refused it"),
        );
        expect(fs.readdirSync(root)).to.deep.equal([]);
    });
});
