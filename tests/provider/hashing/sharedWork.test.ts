import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { expect } from "chai";
import { fileStatsFor, STAT_ROW_BYTES, statSize } from "../../../provider/listing/fileStats";
import { DIGEST_BYTES } from "../../../provider/hashing/fileDigest";
import { UnreadableFileError } from "../../../provider/listing/sourceError";
import { digestFiles } from "../../helpers/digests";
import {
    helperMessage,
    helperProgress,
    newControl,
    runAsCaller,
    type DigestJob,
    type StatJob,
} from "../../../provider/hashing/sharedWork";
import { PROVIDER_DIR, removeTempDirs, tempDir, writeTree } from "../../helpers/fileTrees";

/** A started helper thread, online. */
async function onlineHelper(): Promise<Worker> {
    const worker = new Worker(path.join(PROVIDER_DIR, "hashing", "digestWorker.js"));
    await new Promise((resolve) => worker.once("online", resolve));
    return worker;
}

/** Waits (without a time limit of its own) until `done` says the helper has finished or stopped. */
async function untilHelper(
    control: Int32Array,
    finished: (progress: ReturnType<typeof helperProgress>) => boolean,
): Promise<void> {
    while (!finished(helperProgress(control))) {
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
}

function statJob(paths: string[]): StatJob {
    return { task: "stat", control: newControl(), stats: fileStatsFor(paths.length) };
}

describe("sharedWork", function () {
    this.timeout(60_000);
    after(removeTempDirs);

    const names = Array.from({ length: 100 }, (_, index) => `f${index}.txt`);
    const tree = () => writeTree(tempDir(), Object.fromEntries(names.map((name, index) => [name, "x".repeat(index)])));

    it("uses what the helper stat'ed, and finishes alone what no helper takes", async () => {
        const root = tree();
        const paths = names.map((name) => path.join(root, name));
        const helper = await onlineHelper();
        try {
            const helped = statJob(paths);
            helper.postMessage(helperMessage(helped, paths));
            await untilHelper(helped.control, (progress) => progress.done === paths.length);
            runAsCaller(helped, paths); // nothing left to do here
            const alone = statJob(paths);
            runAsCaller(alone, paths);
            expect(names.map((_, index) => statSize(helped.stats, index))).to.deep.equal(
                names.map((_, index) => index),
            );
            expect(Buffer.from(helped.stats.rows)).to.deep.equal(Buffer.from(alone.stats.rows));
            const inode = new DataView(helped.stats.rows.buffer).getBigUint64(7 * STAT_ROW_BYTES + 24, true);
            expect(inode).to.equal(fs.statSync(paths[7], { bigint: true }).ino);
        } finally {
            await helper.terminate();
        }
    });

    it("fails on the calling thread, with the file's own error, when the helper stops on it", async () => {
        const root = tree();
        const paths = [
            path.join(root, names[0]),
            path.join(root, "missing.txt"),
            ...names.slice(1).map((name) => path.join(root, name)),
        ];
        const helper = await onlineHelper();
        try {
            const job = statJob(paths);
            helper.postMessage(helperMessage(job, paths));
            await untilHelper(job.control, (progress) => progress.stopped);
            expect(() => runAsCaller(job, paths, (index) => `name-${index}`))
                .to.throw(UnreadableFileError)
                .that.satisfies(
                    (error: UnreadableFileError) => error.relativePath === "name-1" && /ENOENT/.test(error.reason),
                );
        } finally {
            await helper.terminate();
        }
    });

    it("stats each file as it reads it when asked, into the slots given, as a stat pass and a read pass would", async () => {
        const root = tree();
        const paths = names.map((name) => path.join(root, name));
        const slots = Int32Array.from(paths.map((_, index) => paths.length - 1 - index)); // reversed, to tell slots from indices
        const helper = await onlineHelper();
        try {
            const job: DigestJob = {
                task: "digest",
                control: newControl(),
                digests: new Uint8Array(new SharedArrayBuffer(paths.length * DIGEST_BYTES)),
                slots,
                stats: fileStatsFor(paths.length),
            };
            helper.postMessage(helperMessage(job, paths));
            runAsCaller(job, paths);
            const inSlotOrder = [...paths].reverse();
            const statPass = statJob(inSlotOrder);
            runAsCaller(statPass, inSlotOrder);
            expect(Buffer.from(job.stats!.rows)).to.deep.equal(Buffer.from(statPass.stats.rows));
            expect(Buffer.from(job.digests)).to.deep.equal(digestFiles(inSlotOrder));
        } finally {
            await helper.terminate();
        }
    });
});
