import { expect } from "chai";
import type { ChildSample } from "../../bench/measure";
import { createPhases } from "../../bench/steps";

function sampleWith(output: string): ChildSample {
    return { ms: 1, wallMs: 1, reply: { inProcessMs: 1, maxRssKb: 1, digest: "d" }, output };
}

describe("bench create phases", () => {
    it("takes the median of each phase the provider's progress lines time, in their order, and ignores other lines", () => {
        const run = (zip: number, upload: number) =>
            sampleWith(
                [
                    "(node:1) Warning: NodeVersionSupportWarning: ... in 2 s",
                    'pulumi-lambda-layer: layer "big": listed 14438 files (205.4 MB) in 0.3 s',
                    `pulumi-lambda-layer: layer "big": zipped and hashed to 75.5 MB in ${zip} s`,
                    'pulumi-lambda-layer: layer "big": uploading: 10% (8.4 MB of 75.5 MB, 1.0 s)',
                    `pulumi-lambda-layer: layer "big": uploaded 75.5 MB in ${upload} s`,
                    'pulumi-lambda-layer: layer "big": published arn:aws:lambda:us-east-1:123456789012:layer:big:1 in 1.5 s',
                ].join("\n"),
            );
        expect(createPhases([run(9.8, 4.0), run(10.2, 5.0), run(12.0, 4.5)])).to.equal(
            "phases (medians, from the progress lines): listed 0.3 s, zipped and hashed 10.2 s, uploaded 4.5 s, published 1.5 s",
        );
    });

    it("says so when there are no progress lines", () => {
        expect(createPhases([sampleWith("")])).to.equal("no progress lines");
    });
});
