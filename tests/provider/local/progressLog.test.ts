/** Progress lines: sizes as people read them, and an upload's percentages throttled to one line per 10%. */
import { expect } from "chai";
import { formatBytes, logProgress, uploadPercentages } from "../../../provider/local/progressLog";

describe("progress lines", () => {
    it("names the layer on every line", () => {
        const lines: string[] = [];
        logProgress("deps", "zipped to 61.2 MB in 1.0 s", (line) => lines.push(line));
        expect(lines).to.deep.equal(['pulumi-lambda-layer: layer "deps": zipped to 61.2 MB in 1.0 s']);
    });

    it("writes sizes in decimal units", () => {
        expect([999, 1000, 61_234_567, 262_144_000, 2_500_000_000].map(formatBytes)).to.deep.equal([
            "999 B",
            "1.0 kB",
            "61.2 MB",
            "262.1 MB",
            "2.50 GB",
        ]);
    });

    it("reports an upload at each 10% crossed, once, whatever the events' rate and order, and not at 100%", () => {
        const lines: string[] = [];
        const report = uploadPercentages("deps", 1000, (line) => lines.push(line));
        for (const loaded of [1, 50, 99, 100, 101, 150, 90, 350, 349, 999, 1000, 1000]) {
            report(loaded);
        }
        const steps = lines.map((line) => /uploading: (\d+)%/.exec(line)![1]);
        expect(steps).to.deep.equal(["10", "30", "90"]);
        expect(lines[0]).to.match(/^pulumi-lambda-layer: layer "deps": uploading: 10% \(100 B of 1.0 kB, \d+\.\d s\)$/);
    });
});
