import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { buildLayerContent } from "../../../provider/zip/layerContent";
import { computeSourceHash } from "../../../provider/hashing/contentDigests";
import { removeTempDirs, tempDir, writeTree } from "../../helpers/fileTrees";

const sha256 = (bytes: Uint8Array, encoding: "hex" | "base64") => createHash("sha256").update(bytes).digest(encoding);

describe("buildLayerContent", () => {
    after(removeTempDirs);

    it("zips a source tree and reports the CodeSha256 of the very bytes it returns", async () => {
        const root = writeTree(tempDir("content-"), { "a.js": "a", "lib/b.js": "b".repeat(10_000) });
        const { sourceHash } = await computeSourceHash({ path: root }, "/");
        const built = await buildLayerContent({ layerName: "l", source: { path: root }, sourceHash });
        expect(built.content.ZipFile).to.be.instanceOf(Uint8Array);
        expect(built.codeSha256).to.equal(sha256(built.content.ZipFile!, "base64"));
    });

    it("sends a prebuilt zip byte for byte, with its CodeSha256, when it is the one check hashed", async () => {
        const zipFile = path.join(tempDir("content-"), "layer.zip");
        fs.writeFileSync(zipFile, "PK\u0005\u0006" + "\0".repeat(18));
        const bytes = fs.readFileSync(zipFile);
        const built = await buildLayerContent({ layerName: "l", zipFile, sourceHash: sha256(bytes, "hex") });
        expect(Buffer.from(built.content.ZipFile!).equals(bytes)).to.equal(true);
        expect(built.codeSha256).to.equal(sha256(bytes, "base64"));

        fs.appendFileSync(zipFile, "changed");
        const error = await buildLayerContent({ layerName: "l", zipFile, sourceHash: sha256(bytes, "hex") }).then(
            () => undefined,
            (rejection: Error) => rejection,
        );
        expect(error?.message).to.include("changed while the deployment ran").and.include("nothing was published");
    });

    it("passes an S3 location on, with no CodeSha256 to compute", async () => {
        const built = await buildLayerContent({ layerName: "l", s3: { bucket: "b", key: "k", objectVersion: "3" } });
        expect(built).to.deep.equal({ content: { S3Bucket: "b", S3Key: "k", S3ObjectVersion: "3" } });
    });
});
