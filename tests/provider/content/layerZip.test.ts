import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { buildLayerZip } from "../../../provider/content/layerZip";
import { computeSourceHash } from "../../../provider/hashing/contentDigests";
import { removeTempDirs, tempDir, writeTree } from "../../helpers/fileTrees";

const sha256 = (bytes: Uint8Array, encoding: "hex" | "base64") => createHash("sha256").update(bytes).digest(encoding);

describe("buildLayerZip", () => {
    after(removeTempDirs);

    it("zips a source tree and reports the CodeSha256 of the very bytes it wrote, then removes its temp zip", async () => {
        const root = writeTree(tempDir("content-"), { "a.js": "a", "lib/b.js": "b".repeat(10_000) });
        const { sourceHash } = await computeSourceHash({ path: root }, "/");
        const built = await buildLayerZip({ layerName: "l", source: { path: root }, sourceHash });
        const bytes = fs.readFileSync(built.path);
        expect(built.bytes).to.equal(bytes.length);
        expect(built.sha256Base64).to.equal(sha256(bytes, "base64"));
        await built.dispose();
        expect(fs.existsSync(built.path)).to.equal(false);
    });

    it("uses a prebuilt zip in place, with its CodeSha256, when it is the one check hashed, and never removes it", async () => {
        const zipFile = path.join(tempDir("content-"), "layer.zip");
        fs.writeFileSync(zipFile, "PK\u0005\u0006" + "\0".repeat(18));
        const bytes = fs.readFileSync(zipFile);
        const built = await buildLayerZip({ layerName: "l", zipFile, sourceHash: sha256(bytes, "hex") });
        expect(built.path).to.equal(path.resolve(zipFile));
        expect(built.sha256Base64).to.equal(sha256(bytes, "base64"));
        await built.dispose();
        expect(fs.existsSync(zipFile)).to.equal(true);

        fs.appendFileSync(zipFile, "changed");
        const error = await buildLayerZip({ layerName: "l", zipFile, sourceHash: sha256(bytes, "hex") }).then(
            () => undefined,
            (rejection: Error) => rejection,
        );
        expect(error?.message)
            .to.include(`the source of layer "l" changed while it was being published`)
            .and.include("nothing was published; run `pulumi up` again");
    });
});
