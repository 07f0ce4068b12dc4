/**
 * The bench's results, and how they are printed: one markdown table (it pastes into the docs as it
 * is), or the same as JSON.
 */
import * as os from "node:os";
import type { CorpusName } from "./corpus";
import { megabytes } from "./steps";

/** Runs of one measure, in milliseconds, and their median. */
export interface Figures {
    median: number;
    runs: number[];
}

/** One side of a step that ran. */
export interface SideResult {
    /** The figure compared: in-process time for a node child, wall clock for a shell command. */
    ms: Figures;
    wallMs: Figures;
    /** Undefined when it could not be measured (no GNU time). */
    peakRssKb?: number;
}

/** One step, ours beside the reference. */
export interface StepResult {
    corpus: CorpusName;
    step: string;
    /** Absent when the step did not run. */
    ours?: SideResult;
    /** Why the step did not run or did not finish: "skipped: ..." or "failed: ...". */
    notRun?: string;
    reference: { name: string; detail: string } & (SideResult | { unavailable: string });
    /** Median of ours over median of the reference. */
    ratio?: number;
    /** No maxRatio: a reference shown for scale, with nothing to meet. */
    target: { maxRatio?: number; maxRssMb?: number };
    /** Whether the ratio (and peak RSS) meet the target; absent without both sides. */
    met?: boolean;
    notes: string[];
}

/**
 * Ours against the reference: the ratio of the medians (to a thousandth) and whether it meets the
 * target, peak RSS included when the target has one (an unmeasured RSS does not meet it). Pure.
 */
export function judge(
    ours: SideResult,
    reference: SideResult,
    target: StepResult["target"],
): { ratio: number; met?: boolean } {
    const ratio = Math.round((ours.ms.median / reference.ms.median) * 1000) / 1000;
    const rssMet =
        target.maxRssMb === undefined ||
        (ours.peakRssKb !== undefined && (ours.peakRssKb * 1024) / 1e6 <= target.maxRssMb);
    return target.maxRatio === undefined ? { ratio } : { ratio, met: ratio <= target.maxRatio && rssMet };
}

/** Where it ran. */
export interface Machine {
    cpus: number;
    cpuModel: string;
    memoryBytes: number;
    node: string;
    kernel: string;
    /** 1, 5 and 15 minute load averages when the bench started: others' work skews the figures. */
    loadAverage: number[];
}

export interface BenchReport {
    machine: Machine;
    runs: number;
    corpora: { name: CorpusName; description: string; root: string; files: number; bytes: number }[];
    steps: StepResult[];
    /** Load averages when the bench finished. */
    loadAverageAtEnd: number[];
    /** Set when the peak RSS of reference commands cannot be measured. */
    rssUnavailable?: string;
}

export function describeMachine(): Machine {
    return {
        cpus: os.availableParallelism(),
        cpuModel: os.cpus()[0]?.model ?? "unknown",
        memoryBytes: os.totalmem(),
        node: process.version,
        kernel: `${os.type()} ${os.release()}`,
        loadAverage: loadAverage(),
    };
}

/** 1, 5 and 15 minute load averages, to two decimals. */
export function loadAverage(): number[] {
    return os.loadavg().map((load) => Math.round(load * 100) / 100);
}

/** The report as text: machine, corpora, the table, and the references in full. Pure. */
export function formatReport(report: BenchReport): string {
    const { machine } = report;
    const lines = [
        `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${megabytes(machine.memoryBytes)} RAM, ${machine.kernel}, node ${machine.node}, load average ${loads(machine.loadAverage)} at start, ${loads(report.loadAverageAtEnd)} at end`,
        ...report.corpora.map(
            (corpus) =>
                `Corpus ${corpus.name}: ${corpus.files} files, ${megabytes(corpus.bytes)} (${corpus.description})`,
        ),
        `Medians of ${report.runs} run${report.runs === 1 ? "" : "s"}, ours and the references interleaved, each run a new process, page cache warm. ` +
            "Ours is the provider's check or create, timed in its process; a node reference (the CDK) is timed around its call, a shell reference by its wall clock; ratio = ours / reference.",
        "",
        tableRow([
            "corpus",
            "step",
            "ours",
            "reference",
            "reference time",
            "ratio",
            "target",
            "met",
            "peak RSS ours",
            "peak RSS reference",
            "notes",
        ]),
        tableRow(Array(11).fill("---")),
        ...report.steps.map((result) => tableRow(stepCells(result, report.rssUnavailable))),
        "",
        "References:",
        ...uniqueDetails(report.steps).map((detail) => `  ${detail}`),
    ];
    return `${lines.join("\n")}\n`;
}

function stepCells(result: StepResult, rssUnavailable: string | undefined): string[] {
    const { ours, reference, target } = result;
    const targetText =
        target.maxRatio === undefined
            ? "none (for scale)"
            : `≤ ${target.maxRatio.toFixed(1)}x` + (target.maxRssMb === undefined ? "" : `, ≤ ${target.maxRssMb} MB`);
    const referenceTime = "unavailable" in reference ? `n/a (${reference.unavailable})` : duration(reference.ms.median);
    const referenceRss =
        "unavailable" in reference
            ? "n/a"
            : reference.peakRssKb === undefined
              ? `n/a (${rssUnavailable})`
              : rss(reference.peakRssKb);
    return [
        result.corpus,
        result.step,
        ours ? duration(ours.ms.median) : (result.notRun ?? "n/a"),
        reference.name,
        referenceTime,
        result.ratio === undefined ? "n/a" : `${result.ratio.toFixed(2)}x`,
        targetText,
        result.met === undefined ? "n/a" : result.met ? "met" : "**missed**",
        ours?.peakRssKb === undefined ? "n/a" : rss(ours.peakRssKb),
        referenceRss,
        result.notes.join("; "),
    ];
}

function uniqueDetails(steps: readonly StepResult[]): string[] {
    return [...new Set(steps.map((step) => `${step.reference.name}: ${step.reference.detail}`))];
}

function tableRow(cells: readonly string[]): string {
    return `| ${cells.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`;
}

/** Milliseconds as `123 ms` or `1.23 s`. Pure. */
function duration(ms: number): string {
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function loads(averages: readonly number[]): string {
    return averages.map((load) => load.toFixed(2)).join(" ");
}

function rss(kib: number): string {
    return megabytes(kib * 1024);
}
