/**
 * Durability of the data directory: the CLI is killed with SIGKILL at a random moment while
 * publishes stream in, then restarted on the same directory, a few times over. Every acknowledged
 * version must be back, intact, no half-written version may appear, and numbering must go on
 * after the highest number ever handed out.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
    GetLayerVersionCommand,
    type LambdaClient,
    ListLayerVersionsCommand,
    PublishLayerVersionCommand,
} from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { download, lambdaClient, makeYazlZip, sha256Base64, startCli } from "../helpers/emulator";

const LAYER = "durable";
const KILL_ROUNDS = 4;
const CONCURRENT_PUBLISHERS = 3;

/** A version the emulator acknowledged, and the archive it was sent. */
interface Acknowledged {
    version: number;
    codeSha256: string;
    archive: Buffer;
}

describe("emulator: durability of the data directory across kill -9", () => {
    let dataDir: string;

    before(async () => {
        dataDir = await mkdtemp(join(tmpdir(), "emulator-durability-"));
    });
    after(() => rm(dataDir, { recursive: true, force: true }));

    it("keeps every acknowledged version, intact, and never reuses a number", async () => {
        const acknowledged: Acknowledged[] = [];
        /** sha256 of every archive sent, acknowledged or not: a listed version must be one of them. */
        const sent = new Set<string>();
        let highestSeen = 0;

        for (let round = 0; round < KILL_ROUNDS; round++) {
            const emulator = await startCli(["--data-dir", dataDir, "--port", "0"]);
            const lambda = lambdaClient(emulator.endpoint);
            highestSeen = Math.max(highestSeen, await verifyStore(lambda, acknowledged, sent));

            let killed = false;
            const publishers = Array.from({ length: CONCURRENT_PUBLISHERS }, async () => {
                while (!killed) {
                    const archive = await randomArchive();
                    sent.add(sha256Base64(archive));
                    const published = await lambda
                        .send(new PublishLayerVersionCommand({ LayerName: LAYER, Content: { ZipFile: archive } }))
                        .catch(() => undefined); // cut off by the kill
                    if (!published) continue;
                    // Numbering goes on after everything seen before this start, acknowledged or not.
                    expect(published.Version).to.be.above(highestSeen);
                    acknowledged.push({
                        version: published.Version as number,
                        codeSha256: published.Content?.CodeSha256 as string,
                        archive,
                    });
                }
            });
            await delay(100 + Math.random() * 300);
            emulator.child.kill("SIGKILL");
            killed = true;
            await Promise.all(publishers);
            expect(await emulator.exited).to.equal("SIGKILL");
        }

        const last = await startCli(["--data-dir", dataDir, "--port", "0"]);
        const lambda = lambdaClient(last.endpoint);
        highestSeen = Math.max(highestSeen, await verifyStore(lambda, acknowledged, sent));
        expect(acknowledged.length).to.be.above(KILL_ROUNDS);
        const next = await lambda.send(
            new PublishLayerVersionCommand({ LayerName: LAYER, Content: { ZipFile: await randomArchive() } }),
        );
        expect(next.Version).to.be.above(highestSeen);
        await expectNoLeftovers(join(dataDir, "us-west-2", LAYER));
        last.child.kill("SIGTERM");
        expect(await last.exited).to.equal(0);
    });
});

/**
 * Checks the restarted store: every acknowledged version is there with the same hash and bytes,
 * and every listed version is whole (its bytes hash to its CodeSha256, and it is an archive that
 * was sent). Resolves to the highest version number listed.
 */
async function verifyStore(lambda: LambdaClient, acknowledged: Acknowledged[], sent: Set<string>): Promise<number> {
    for (const expected of acknowledged) {
        const found = await lambda.send(
            new GetLayerVersionCommand({ LayerName: LAYER, VersionNumber: expected.version }),
        );
        expect(found.Content?.CodeSha256, `version ${expected.version}`).to.equal(expected.codeSha256);
        const { bytes } = await download(found.Content?.Location as string);
        expect(bytes.equals(expected.archive), `bytes of version ${expected.version}`).to.equal(true);
    }
    const listed = await listVersions(lambda);
    for (const version of listed) {
        const found = await lambda.send(new GetLayerVersionCommand({ LayerName: LAYER, VersionNumber: version }));
        const { bytes } = await download(found.Content?.Location as string);
        expect(sha256Base64(bytes), `bytes of listed version ${version}`).to.equal(found.Content?.CodeSha256);
        expect(bytes.length).to.equal(found.Content?.CodeSize);
        expect(sent.has(sha256Base64(bytes)), `listed version ${version} is an archive that was sent`).to.equal(true);
    }
    return Math.max(0, ...listed);
}

async function listVersions(lambda: LambdaClient): Promise<number[]> {
    const versions: number[] = [];
    let marker: string | undefined;
    do {
        const page = await lambda.send(new ListLayerVersionsCommand({ LayerName: LAYER, Marker: marker }));
        versions.push(...(page.LayerVersions ?? []).map((item) => item.Version as number));
        marker = page.NextMarker;
    } while (marker);
    return versions;
}

/** After a restart, no temporary file and no archive without its record is left in the layer's folder. */
async function expectNoLeftovers(folder: string): Promise<void> {
    const files = await readdir(folder);
    expect(files.filter((file) => file.endsWith(".tmp"))).to.deep.equal([]);
    const records = new Set(
        files.filter((file) => file.endsWith(".json") && /^\d/.test(file)).map((file) => file.split(".")[0]),
    );
    const archives = files.filter((file) => file.endsWith(".zip")).map((file) => file.split(".")[0]);
    expect(archives.filter((version) => !records.has(version))).to.deep.equal([]);
}

/** A stored zip of random bytes, from 1 KB to 400 KB, so that a kill can land mid-write. */
function randomArchive(): Promise<Buffer> {
    const size = 1024 + Math.floor(Math.random() * 400 * 1024);
    return makeYazlZip([{ name: "lib/blob.bin", content: randomBytes(size) }], false);
}

function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
