/**
 * `npm run bench`: issue #7's figures. Builds (or reuses) the corpora, runs every step N times with
 * ours and the reference interleaved (reference, ours, reference, ours, ...), each run in a new
 * process, and prints one table of medians and ratios (or JSON with `--json`).
 *
 *   node dist/bench/run.js [--runs N] [--json] [--fresh] [--corpus node_modules|random|all]
 *
 * Needs npm (registry access the first time), find, xargs, openssl and zip for the references, and
 * GNU time (/usr/bin/time, Debian package `time`) for their peak RSS; what is missing is said in the table.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CORPUS_NAMES, prepareCorpus, type Corpus, type CorpusName } from "./corpus";
import { GNU_TIME, isInstalled, median, timeChild, timeShell, type ChildSample, type Sample } from "./measure";
import { describeMachine, formatReport, loadAverage, type BenchReport, type Figures, type StepResult } from "./report";
import { stepsFor, type Step, type Tools } from "./steps";

interface Options {
    runs: number;
    json: boolean;
    fresh: boolean;
    corpora: CorpusName[];
}

function parseOptions(argv: string[]): Options {
    const { values } = parseArgs({
        args: argv,
        options: {
            runs: { type: "string", default: "5" },
            json: { type: "boolean", default: false },
            fresh: { type: "boolean", default: false },
            corpus: { type: "string", default: "all" },
        },
    });
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) {
        throw new Error(`--runs must be a whole number of at least 1, not ${JSON.stringify(values.runs)}`);
    }
    const corpus = values.corpus ?? "all";
    if (corpus !== "all" && !(CORPUS_NAMES as readonly string[]).includes(corpus)) {
        throw new Error(
            `--corpus must be one of ${[...CORPUS_NAMES, "all"].join(", ")}, not ${JSON.stringify(corpus)}`,
        );
    }
    return {
        runs,
        json: values.json === true,
        fresh: values.fresh === true,
        corpora: corpus === "all" ? [...CORPUS_NAMES] : [corpus as CorpusName],
    };
}

async function main(): Promise<void> {
    const options = parseOptions(process.argv.slice(2));
    const machine = describeMachine();
    const tools: Tools = { openssl: isInstalled("openssl"), zip: isInstalled("zip") };
    const gnuTime = isInstalled(GNU_TIME);
    const corpora = options.corpora.map((name) => prepareCorpus(name, options.fresh));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lambda-layer-bench-run-"));
    try {
        const rssFile = gnuTime ? path.join(scratch, "rss") : undefined;
        const steps: StepResult[] = [];
        for (const corpus of corpora) {
            warmPageCache(corpus);
            for (const step of stepsFor(corpus, scratch, tools)) {
                steps.push(runStep(step, options.runs, rssFile));
            }
        }
        const report: BenchReport = {
            machine,
            runs: options.runs,
            corpora: corpora.map(({ name, description, root, files, bytes }) => ({
                name,
                description,
                root,
                files,
                bytes,
            })),
            steps,
            loadAverageAtEnd: loadAverage(),
            rssUnavailable: gnuTime ? undefined : `${GNU_TIME} is not installed`,
        };
        process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

/** The figures are on a warm page cache: read the whole tree once, untimed. */
function warmPageCache(corpus: Corpus): void {
    progress(`warming the page cache with ${corpus.name}`);
    timeChild({ step: "hash", root: corpus.root }, { PULUMI_LAMBDA_LAYER_CACHE: "off" });
}

/** Runs `step` `runs` times, reference then ours each time, and sums it up. */
function runStep(step: Step, runs: number, rssFile: string | undefined): StepResult {
    step.prepare();
    const references: Sample[] = [];
    const ours: ChildSample[] = [];
    for (let run = 1; run <= runs; run++) {
        if (typeof step.reference === "function") {
            references.push(timeShell(step.reference(run), rssFile));
        }
        const { request, env } = step.ours(run);
        ours.push(timeChild(request, env));
        progress(
            `${step.corpus.name} ${step.name} run ${run}/${runs}: ${sampleText(references[run - 1], ours[run - 1])}`,
        );
    }
    return summarize(step, references, ours);
}

/** Medians, peaks, the ratio and whether the target is met. */
function summarize(step: Step, references: readonly Sample[], ours: readonly ChildSample[]): StepResult {
    const replies = ours.map((sample) => sample.reply);
    const oursResult = {
        inProcessMs: figures(replies.map((reply) => reply.inProcessMs)),
        wallMs: figures(ours.map((sample) => sample.wallMs)),
        peakRssKb: Math.max(...replies.map((reply) => reply.maxRssKb)),
    };
    const common = {
        corpus: step.corpus.name,
        step: step.name,
        ours: oursResult,
        target: { maxRatio: step.targetRatio, maxRssMb: step.targetRssMb },
        notes: step.notes(replies),
    };
    if (typeof step.reference !== "function") {
        return { ...common, reference: { name: step.referenceName, unavailable: step.reference.unavailable } };
    }
    const wallMs = figures(references.map((sample) => sample.wallMs));
    const ratio = Math.round((oursResult.inProcessMs.median / wallMs.median) * 1000) / 1000;
    const rssMet = step.targetRssMb === undefined || (oursResult.peakRssKb * 1024) / 1e6 <= step.targetRssMb;
    return {
        ...common,
        reference: { name: step.referenceName, command: step.reference(1), wallMs, peakRssKb: peak(references) },
        ratio,
        met: ratio <= step.targetRatio && rssMet,
    };
}

/** Milliseconds, to a tenth: finer is noise. */
function figures(runs: number[]): Figures {
    const tenth = (value: number) => Math.round(value * 10) / 10;
    return { median: tenth(median(runs)), runs: runs.map(tenth) };
}

/** The largest peak RSS of the runs, or `undefined` when it was not measured. */
function peak(samples: readonly Sample[]): number | undefined {
    const measured = samples.flatMap((sample) => (sample.maxRssKb === undefined ? [] : [sample.maxRssKb]));
    return measured.length > 0 ? Math.max(...measured) : undefined;
}

function sampleText(reference: Sample | undefined, ours: ChildSample): string {
    const referenceText = reference ? `reference ${Math.round(reference.wallMs)} ms, ` : "";
    return `${referenceText}ours ${Math.round(ours.reply.inProcessMs)} ms in-process, ${Math.round(ours.wallMs)} ms wall`;
}

/** Progress goes to stderr, so that `--json` output on stdout stays clean. */
function progress(message: string): void {
    process.stderr.write(`bench: ${message}\n`);
}

main().catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
});
