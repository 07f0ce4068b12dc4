/**
 * A data directory with damaged files (a record truncated by a full disk, a record of the wrong shape,
 * a damaged counter): the emulator starts, names each damaged file and why on stderr, skips it on
 * purpose, and never serves or hands out a version number that is not a number or was used before.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ListLayerVersionsCommand, PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startEmulator } from "../../emulator";
import { lambdaClient, makeZip } from "../helpers/emulator";
import { removeTempDirs, tempDir } from "../helpers/fileTrees";
import { capturingStderr } from "../helpers/reliability";

describe("emulator: damaged records in --data-dir", function () {
    this.timeout(60_000);
    after(() => removeTempDirs());

    it("skips each damaged file on purpose, naming it, and numbers the next version after every number used", async () => {
        const dataDir = tempDir("emulator-damaged-");
        const first = await startEmulator({ dataDir });
        const client = lambdaClient(first.endpoint);
        const zip = await makeZip({ "index.js": "1\n" });
        for (let round = 0; round < 3; round++) {
            await client.send(new PublishLayerVersionCommand({ LayerName: "damaged", Content: { ZipFile: zip } }));
        }
        await first.close();

        const folder = path.join(dataDir, "us-west-2", "damaged");
        const truncated = path.join(folder, "2.json");
        fs.writeFileSync(truncated, fs.readFileSync(truncated, "utf8").slice(0, 10));
        const wrongShape = path.join(folder, "3.json");
        fs.writeFileSync(
            wrongShape,
            JSON.stringify({ ...JSON.parse(fs.readFileSync(wrongShape, "utf8")), version: "three" }),
        );
        const counter = path.join(folder, "last-version.json");
        fs.writeFileSync(counter, '{"lastVersion": "');

        const { result: second, lines } = await capturingStderr(() => startEmulator({ dataDir }));
        try {
            const log = lines.join("\n");
            expect(log).to.include(`skipping the damaged file ${truncated} (`);
            expect(log).to.include(`skipping the damaged file ${wrongShape} (its version is "three", not 3)`);
            expect(log).to.include(`skipping the damaged file ${counter} (`);
            const again = lambdaClient(second.endpoint);
            const listed = await again.send(new ListLayerVersionsCommand({ LayerName: "damaged" }));
            expect(listed.LayerVersions!.map((version) => version.Version)).to.deep.equal([1]);
            const next = await again.send(
                new PublishLayerVersionCommand({ LayerName: "damaged", Content: { ZipFile: zip } }),
            );
            expect(next.Version).to.equal(4);
            expect(fs.existsSync(path.join(folder, "2.zip")), "a damaged record's archive is kept").to.equal(true);
        } finally {
            await second.close();
        }
    });
});
