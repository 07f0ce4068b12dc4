/** The direct-upload limit for source trees, judged in check: a bound first, the real zip only when needed. */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { LayerVersionProvider } from "../../provider";
import type { LayerVersionInputs } from "../../provider/types";
import { listSourceFiles } from "../../provider/listing/sourceFiles";
import { writeLayerZip } from "../../provider/zip/zipWriter";
import { measuredZipSize, zipSizeBound } from "../../provider/zip/zipSize";
import { DIRECT_UPLOAD_MAX_ZIP_BYTES } from "../../provider/rules/limits";
import { removeTempDirs, tempDir, writeTree } from "../helpers/fileTrees";

const MEBIBYTE = 1024 * 1024;

describe("direct-upload limit of a source tree, at check", () => {
    const provider = new LayerVersionProvider();
    after(removeTempDirs);

    it("bounds the zip's size from above, for incompressible, text, empty and many small files", async () => {
        const dir = writeTree(tempDir(), {
            "random.bin": randomBytes(3 * MEBIBYTE),
            "text.js": "module.exports = 1;\n".repeat(5000),
            empty: "",
            ...Object.fromEntries(
                Array.from({ length: 300 }, (_, index) => [`many/file-${index}.txt`, randomBytes(index)]),
            ),
        });
        const files = listSourceFiles({ path: dir, prefix: "nodejs/" }, "/");
        const { bytes } = await writeLayerZip(files, path.join(tempDir(), "layer.zip"));
        const bound = zipSizeBound(files);
        expect(bound).to.be.at.least(bytes);
    });

    it("is exact for incompressible content but for the zip64 end records, written only past 65,534 files", async () => {
        const dir = writeTree(
            tempDir(),
            Object.fromEntries(
                Array.from({ length: 50 }, (_, index) => [`bin/${index}.bin`, randomBytes(1000 + index)]),
            ),
        );
        const files = listSourceFiles({ path: dir }, "/");
        const { bytes } = await writeLayerZip(files, path.join(tempDir(), "layer.zip"));
        expect(zipSizeBound(files) - bytes).to.equal(56 + 20);
    });

    it("measures the same content twice at once, as two layers built from one folder do, and remembers one size", async () => {
        const files = listSourceFiles(
            { path: writeTree(tempDir(), { "a.txt": "a".repeat(10_000), "b.bin": randomBytes(5000) }) },
            "/",
        );
        const sourceHash = `concurrent-${Date.now()}`;
        const sizes = await Promise.all([
            measuredZipSize(files, sourceHash),
            measuredZipSize(files, sourceHash),
            measuredZipSize(files, sourceHash),
        ]);
        const { bytes } = await writeLayerZip(files, path.join(tempDir(), "layer.zip"));
        expect(sizes).to.deep.equal([bytes, bytes, bytes]);
        const memoDirectory = path.join(process.env.PULUMI_LAMBDA_LAYER_CACHE_DIR!, "zip-sizes-v2");
        expect(fs.readdirSync(memoDirectory).filter((name) => name.startsWith(sourceHash))).to.deep.equal([sourceHash]);
    });

    it("refuses, naming source.path, the size, the limit and the s3 route, a tree whose zip is over 50 MB", async () => {
        const dir = writeTree(tempDir(), { "a.bin": randomBytes(26 * MEBIBYTE), "b.bin": randomBytes(26 * MEBIBYTE) });
        const checked = await provider.check(
            {} as LayerVersionInputs,
            { layerName: "too-big", source: { path: dir } } as LayerVersionInputs,
        );
        expect(checked.failures).to.have.length(1);
        const [failure] = checked.failures!;
        expect(failure.property).to.equal("source.path");
        expect(failure.reason).to.match(/zips to \d+ bytes/);
        expect(failure.reason).to.include(String(DIRECT_UPLOAD_MAX_ZIP_BYTES));
        expect(failure.reason).to.include("`s3`");
    });

    it("accepts a large tree that compresses under the limit, and remembers the zip's size for the next check", async () => {
        const dir = writeTree(tempDir(), { "zeros.bin": Buffer.alloc(60 * MEBIBYTE) });
        const news = { layerName: "compressible", source: { path: dir } } as LayerVersionInputs;
        const checked = await provider.check({} as LayerVersionInputs, news);
        expect(checked.failures ?? []).to.deep.equal([]);
        const memo = path.join(process.env.PULUMI_LAMBDA_LAYER_CACHE_DIR!, "zip-sizes-v2", checked.inputs!.sourceHash!);
        const remembered = Number(fs.readFileSync(memo, "utf8"));
        expect(remembered).to.be.above(0).and.below(DIRECT_UPLOAD_MAX_ZIP_BYTES);
        // A remembered size is trusted for the same content: mark it over the limit and check again.
        fs.writeFileSync(memo, String(DIRECT_UPLOAD_MAX_ZIP_BYTES + 1));
        const again = await provider.check({} as LayerVersionInputs, news);
        expect(again.failures!.map((failure) => failure.property)).to.deep.equal(["source.path"]);
    });
});
