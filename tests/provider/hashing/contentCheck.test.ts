/**
 * `check` judges a source tree's size from stat sizes alone: a tree over the unzipped limit is refused
 * before any file is opened for reading, and a tree whose zip would be over the direct-upload limit is
 * no longer zipped to find out (create decides that, knowing the staging).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { LayerVersionProvider } from "../../../provider";
import type { LayerVersionInputs } from "../../../provider/types";
import { DIRECT_UPLOAD_MAX_ZIP_BYTES, UNZIPPED_MAX_BYTES } from "../../../provider/rules/limits";
import { removeTempDirs, tempDir, writeTree } from "../../helpers/fileTrees";

const GIGABYTE = 1024 * 1024 * 1024;

/** Runs `action` while recording every path opened through fs.openSync (how the provider opens files to read them). */
async function recordingOpens<T>(action: () => Promise<T>): Promise<{ result: T; opened: string[] }> {
    const nodeFs = require("node:fs") as typeof fs;
    const original = nodeFs.openSync;
    const opened: string[] = [];
    nodeFs.openSync = ((file: fs.PathLike, ...rest: unknown[]) => {
        opened.push(String(file));
        return (original as (...args: unknown[]) => number)(file, ...rest);
    }) as typeof fs.openSync;
    try {
        return { result: await action(), opened };
    } finally {
        nodeFs.openSync = original;
    }
}

/** Bytes this process (all its threads) has read through read(2) so far, from /proc/self/io. */
function bytesReadByThisProcess(): number {
    return Number(/^rchar: (\d+)$/m.exec(fs.readFileSync("/proc/self/io", "utf8"))![1]);
}

describe("check's size limits, from stat sizes", () => {
    const provider = new LayerVersionProvider();
    after(removeTempDirs);

    it("refuses a tree with a 10 GB sparse file, naming source.path and the limit, without opening any file", async () => {
        const dir = writeTree(tempDir(), { "small.js": "module.exports = 1;\n" });
        const sparse = path.join(dir, "huge.bin");
        fs.closeSync(fs.openSync(sparse, "w"));
        fs.truncateSync(sparse, 10 * GIGABYTE); // sparse: 10 GB by stat, no data blocks
        const cacheDir = process.env.PULUMI_LAMBDA_LAYER_CACHE_DIR!;
        const cachedBefore = fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : [];

        const { result, opened } = await recordingOpens(() =>
            provider.check(
                {} as LayerVersionInputs,
                { layerName: "huge", source: { path: dir } } as LayerVersionInputs,
            ),
        );

        expect(result.failures).to.have.length(1);
        const [failure] = result.failures!;
        expect(failure.property).to.equal("source.path");
        expect(failure.reason).to.include(`holds ${10 * GIGABYTE + 20} bytes in 2 files`);
        expect(failure.reason).to.include(`at most ${UNZIPPED_MAX_BYTES} bytes unzipped`);
        expect(
            opened.filter((file) => file.startsWith(dir)),
            "no file of the tree was opened",
        ).to.deep.equal([]);
        const cachedAfter = fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : [];
        expect(cachedAfter, "no digest was cached for the tree").to.deep.equal(cachedBefore);
    });

    it("refuses a big tree (read in one pass, nothing cached) with a 10 GB sparse file without reading that file", async () => {
        // 4,000 files or more with an empty cache take the one-pass read, where each file is stat'ed once open.
        const files = Object.fromEntries(Array.from({ length: 4_100 }, (_, index) => [`f/${index}.js`, `${index}`]));
        const dir = writeTree(tempDir(), files);
        const sparse = path.join(dir, "huge.bin");
        fs.closeSync(fs.openSync(sparse, "w"));
        fs.truncateSync(sparse, 10 * GIGABYTE);
        const readBefore = bytesReadByThisProcess();

        const result = await provider.check(
            {} as LayerVersionInputs,
            { layerName: "huge", source: { path: dir } } as LayerVersionInputs,
        );

        expect(result.failures?.map((failure) => failure.property)).to.deep.equal(["source.path"]);
        expect(result.failures![0].reason).to.include(`at most ${UNZIPPED_MAX_BYTES} bytes unzipped`);
        expect(bytesReadByThisProcess() - readBefore, "bytes read while checking").to.be.below(GIGABYTE / 4);
    });

    it("accepts a tree whose zip would be over the direct-upload limit, and zips nothing to know it", async () => {
        const dir = writeTree(tempDir(), {
            "a.bin": randomBytes(DIRECT_UPLOAD_MAX_ZIP_BYTES / 2),
            "b.bin": randomBytes(DIRECT_UPLOAD_MAX_ZIP_BYTES / 2 + 1024),
        });
        const { result, opened } = await recordingOpens(() =>
            provider.check({} as LayerVersionInputs, { layerName: "big", source: { path: dir } } as LayerVersionInputs),
        );
        expect(result.failures ?? []).to.deep.equal([]);
        expect(result.inputs?.sourceHash).to.match(/^[0-9a-f]{64}$/);
        expect(
            opened.filter(
                (file) => !file.startsWith(dir) && !file.startsWith(process.env.PULUMI_LAMBDA_LAYER_CACHE_DIR!),
            ),
            "nothing but the tree and the digest cache was opened: no zip was written",
        ).to.deep.equal([]);
    });
});
