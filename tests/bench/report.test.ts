import { expect } from "chai";
import { formatReport, judge, type BenchReport, type SideResult, type StepResult } from "../../bench/report";

function sideOf(medianMs: number, peakRssKb?: number): SideResult {
    return { ms: { median: medianMs, runs: [medianMs] }, wallMs: { median: medianMs, runs: [medianMs] }, peakRssKb };
}

describe("bench report", () => {
    describe("judge", () => {
        it("gives the ratio of the medians to a thousandth, met at the target and missed above it", () => {
            expect(judge(sideOf(500), sideOf(1000), { maxRatio: 0.5 })).to.deep.equal({ ratio: 0.5, met: true });
            expect(judge(sideOf(501), sideOf(1000), { maxRatio: 0.5 })).to.deep.equal({ ratio: 0.501, met: false });
            expect(judge(sideOf(1), sideOf(3), { maxRatio: 1 })).to.deep.equal({ ratio: 0.333, met: true });
        });

        it("counts peak RSS (in decimal MB) only when the target has a limit, and an unmeasured RSS misses it", () => {
            const limit = { maxRatio: 1, maxRssMb: 250 };
            // 244,140 KiB is 249.999 MB; 244,141 KiB is 250.000384 MB.
            expect(judge(sideOf(100, 244_140), sideOf(200), limit).met).to.equal(true);
            expect(judge(sideOf(100, 244_141), sideOf(200), limit).met).to.equal(false);
            expect(judge(sideOf(100), sideOf(200), limit).met).to.equal(false);
            expect(judge(sideOf(100, 10_000_000), sideOf(200), { maxRatio: 1 }).met).to.equal(true);
        });

        it("gives only the ratio for a reference shown for scale", () => {
            expect(judge(sideOf(300), sideOf(100), {})).to.deep.equal({ ratio: 3 });
        });
    });

    describe("formatReport", () => {
        const measured: StepResult = {
            corpus: "node_modules",
            step: "check cold",
            ours: sideOf(700, 120_000),
            reference: { name: "find | xargs openssl", detail: "find -L DIR | xargs openssl", ...sideOf(1400, 6000) },
            ratio: 0.5,
            met: true,
            target: { maxRatio: 0.5 },
            notes: ["same sourceHash every run: yes"],
        };
        const skipped: StepResult = {
            corpus: "node_modules",
            step: "create, staged",
            notRun: "skipped: staging not available: the AWS CLI (aws) is not installed",
            reference: { name: "zip -X -r, aws s3 cp", detail: "zip ... && aws s3 cp ...", unavailable: "not run" },
            target: { maxRatio: 1, maxRssMb: 250 },
            notes: [],
        };
        const report: BenchReport = {
            machine: {
                cpus: 2,
                cpuModel: "CPU",
                memoryBytes: 1e9,
                node: "v20",
                kernel: "Linux",
                loadAverage: [0, 0, 0],
            },
            runs: 3,
            corpora: [{ name: "node_modules", description: "npm install x", root: "/tmp/x", files: 10, bytes: 2e8 }],
            steps: [
                measured,
                { ...measured, step: "check no-op", ratio: 0.31, met: false },
                skipped,
                { ...measured, step: "check no-op", ratio: 2.5, met: undefined, target: {} },
            ],
            loadAverageAtEnd: [1, 1, 1],
        };
        const rows = formatReport(report)
            .split("\n")
            .filter((line) => line.startsWith("| node_modules"));

        it("prints one row per step with ours, the reference, the ratio, the target and the verdict", () => {
            expect(rows).to.have.length(4);
            expect(rows[0]).to.equal(
                "| node_modules | check cold | 700 ms | find \\| xargs openssl | 1.40 s | 0.50x | ≤ 0.5x | met | 122.9 MB | 6.1 MB | same sourceHash every run: yes |",
            );
            expect(rows[1]).to.contain("| 0.31x | ≤ 0.5x | **missed** |");
        });

        it("says why a step did not run, with no figures", () => {
            expect(rows[2]).to.equal(
                "| node_modules | create, staged | skipped: staging not available: the AWS CLI (aws) is not installed | zip -X -r, aws s3 cp | n/a (not run) | n/a | ≤ 1.0x, ≤ 250 MB | n/a | n/a | n/a |  |",
            );
        });

        it("shows a reference for scale with its ratio and no target", () => {
            expect(rows[3]).to.contain("| 2.50x | none (for scale) | n/a |");
        });
    });
});
