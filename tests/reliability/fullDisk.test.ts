/**
 * A full disk (a 64 KiB tmpfs, mounted for the test) under the publish journal or the temporary
 * directory: the journal leaves no stray file and the create goes on; a zip that cannot be written fails
 * naming the layer and the directory.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { skipUnlessFound, TMPFS_MOUNT } from "../helpers/externalTools";
import { abandonedEntries, beginPublish, finishPublish, recordVersion } from "../../provider/aws/publishJournal";
import { makeTree } from "../helpers/fixtures";
import { capturingStderr, emulatorForTest, failureOf, provider, tempDir } from "../helpers/reliability";
import type { LayerVersionInputs } from "../../provider/types";

/** Mounts a 64 KiB tmpfs on a new folder; the reason when that is not possible (not root, no mount). */
function mountSmallTmpfs(): { directory: string } | { reason: string } {
    const directory = tempDir("tiny-tmpfs-");
    try {
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", directory], { stdio: "pipe" });
        return { directory };
    } catch (error) {
        return { reason: (error as Error).message.split("\n")[0] };
    }
}

/** Writes into `directory` until the filesystem is full. */
function fill(directory: string): void {
    const fd = fs.openSync(path.join(directory, "filler"), "w");
    try {
        for (;;) fs.writeSync(fd, Buffer.alloc(4096, 1));
    } catch (error) {
        expect((error as NodeJS.ErrnoException).code).to.equal("ENOSPC");
    } finally {
        fs.closeSync(fd);
    }
}

/** Whether a tmpfs can be mounted here: tried once, and unmounted at once. */
const probe = mountSmallTmpfs();
if ("directory" in probe) execFileSync("umount", [probe.directory]);

describe("reliability: a full disk", function () {
    this.timeout(60_000);

    if ("reason" in probe) {
        it(`a full disk [needs mount -t tmpfs, as root]: ${probe.reason}`, function () {
            skipUnlessFound(this, TMPFS_MOUNT, false);
        });
        return;
    }
    let disk: string;
    before(() => {
        const mounted = mountSmallTmpfs();
        if ("reason" in mounted) throw new Error(mounted.reason);
        disk = mounted.directory;
    });
    afterEach(() => {
        for (const name of fs.readdirSync(disk)) fs.rmSync(path.join(disk, name), { recursive: true, force: true });
    });
    after(() => execFileSync("umount", [disk]));

    it("under the journal: a note that cannot be begun leaves no file, and says so", async () => {
        const journal = path.join(disk, "journal");
        fs.mkdirSync(journal);
        fill(disk);
        const { result, lines } = await capturingStderr(() =>
            beginPublish({ layerName: "full-journal", region: "us-east-1", codeSha256: "abc=" }, journal),
        );
        expect(result).to.equal(undefined);
        expect(lines.join("\n")).to.include('layer "full-journal": the publish journal').and.include("ENOSPC");
        expect(fs.readdirSync(journal)).to.deep.equal([]);
    });

    it("under the journal: a note that cannot take its ARN keeps what it said before, and still parses", async () => {
        const journal = path.join(disk, "journal");
        const entry = await beginPublish({ layerName: "filling", region: "us-east-1", codeSha256: "abc=" }, journal);
        expect(entry).to.not.equal(undefined);
        fill(disk);
        // Longer than any ARN, so that it cannot fit in what is left of the note's last page.
        const arn = `arn:aws:lambda:us-east-1:123456789012:layer:filling:1${"0".repeat(8192)}`;
        const { lines } = await capturingStderr(async () => recordVersion(entry, arn));
        expect(lines.join("\n")).to.include("cannot be updated").and.include("ENOSPC");
        expect(fs.readdirSync(journal).filter((name) => !/\.(note|sock)$/.test(name))).to.deep.equal([]);
        // Once its process lets go (as a kill would), the note is read back: the intent, without the ARN.
        await entry!.lock?.release();
        const [abandoned] = await abandonedEntries("filling", "us-east-1", journal);
        expect(abandoned.record).to.include({ layerName: "filling", codeSha256: "abc=" });
        expect(abandoned.record).to.not.have.property("versionArn");
        await finishPublish(abandoned);
        expect(fs.readdirSync(journal)).to.deep.equal([]);
    });

    it("under TMPDIR: the zip fails naming the layer and the directory, and nothing is published", async () => {
        const source = makeTree({ "big.bin": randomBytes(200_000), "index.js": "1\n" });
        const test = await emulatorForTest({}, { TMPDIR: disk });
        try {
            const checked = await provider.check(
                {} as LayerVersionInputs,
                {
                    layerName: "full-tmp",
                    source: { path: source },
                } as unknown as LayerVersionInputs,
            );
            const failure = await failureOf(provider.create(checked.inputs!));
            expect(failure.message)
                .to.match(/^layer "full-tmp": the zip cannot be written in /)
                .and.include(disk)
                .and.include("ENOSPC")
                .and.include("TMPDIR");
            expect(test.emulator.requestCounts()).to.not.have.property("PublishLayerVersion");
            expect(fs.readdirSync(disk), "the work folder is removed").to.deep.equal([]);
        } finally {
            await test.stop();
        }
    });
});
