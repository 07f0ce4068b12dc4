/**
 * `npm run bench`: builds (or reuses) the corpora, starts the emulator, runs every step N times with
 * ours and the references interleaved (run 1 of every step, then run 2, ...), each run in a new
 * process, and prints one table of medians and ratios (or JSON with `--json`).
 *
 *   node dist/bench/run.js [--runs N] [--json] [--fresh] [--corpus node_modules|random|all]
 *
 * Needs npm (registry access, or npm's cache, the first time), find, xargs, openssl, zip and the AWS
 * CLI for the references, aws-cdk-lib (a devDependency) for the CDK's fingerprint, and GNU time
 * (/usr/bin/time, Debian package `time`) for the references' peak RSS; what is missing is said in the table.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CORPUS_NAMES, prepareCorpus, type Corpus, type CorpusName } from "./corpus";
import { createBucket, startBenchEmulator, type BenchEmulator } from "./emulator";
import { GNU_TIME, isInstalled, median, timeChild, timeShell, type ChildSample, type Sample } from "./measure";
import {
    describeMachine,
    formatReport,
    judge,
    loadAverage,
    type BenchReport,
    type Figures,
    type SideResult,
    type StepResult,
} from "./report";
import { shellQuote, STAGING_BUCKET, stepsFor, type Step, type Tools } from "./steps";

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
            runs: { type: "string", default: "3" },
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
    const gnuTime = isInstalled(GNU_TIME);
    const corpora = options.corpora.map((name) => prepareCorpus(name, options.fresh));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-lambda-layer-bench-run-"));
    let emulator: BenchEmulator | undefined;
    try {
        emulator = await startBenchEmulator(scratch);
        const tools: Tools = {
            openssl: isInstalled("openssl"),
            zip: isInstalled("zip"),
            aws: isInstalled("aws"),
            cdk: canLoad("aws-cdk-lib"),
            rssFile: gnuTime ? path.join(scratch, "rss") : undefined,
        };
        tools.stagingUnavailable = stagingProblem(tools, emulator, scratch);
        const steps: StepResult[] = [];
        for (const corpus of corpora) {
            steps.push(...runCorpus(corpus, stepsFor(corpus, scratch, tools, emulator), options.runs));
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
        emulator?.stop();
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

function canLoad(moduleName: string): boolean {
    try {
        require.resolve(moduleName);
        return true;
    } catch {
        return false;
    }
}

/**
 * Why publishing through S3 staging cannot be measured, or `undefined` when it can: it needs the AWS
 * CLI (which makes the bucket), an emulator that serves S3, and a provider that takes `staging`.
 */
function stagingProblem(tools: Tools, emulator: BenchEmulator, scratch: string): string | undefined {
    if (!tools.aws) {
        return "the AWS CLI (aws) is not installed";
    }
    const bucketProblem = createBucket(STAGING_BUCKET, emulator);
    if (bucketProblem !== undefined) {
        return bucketProblem;
    }
    const tree = path.join(scratch, "staging-probe");
    fs.mkdirSync(tree);
    fs.writeFileSync(path.join(tree, "probe.txt"), "probe\n");
    const inputs = { layerName: "bench-probe", source: { path: tree }, staging: { bucket: STAGING_BUCKET } };
    try {
        timeChild({ step: "check", inputs, olds: {} }, { PULUMI_LAMBDA_LAYER_CACHE: "off" });
        return undefined;
    } catch (error) {
        const said = /check failed: (.*)/.exec((error as Error).message)?.[1] ?? (error as Error).message;
        return `the provider's check refuses the staging input (${said})`;
    }
}

/** What was taken of one step: its samples, or why it stopped. */
interface Taken {
    references: Sample[];
    ours: ChildSample[];
    notRun?: string;
}

/**
 * Runs the steps of one corpus interleaved: run 1 of each step (reference, then ours), run 2, ... A step
 * that fails stops there and says why in its row; the others go on.
 */
function runCorpus(corpus: Corpus, steps: Step[], runs: number): StepResult[] {
    warmPageCache(corpus);
    const taken = new Map<Step, Taken>(steps.map((step) => [step, { references: [], ours: [] }]));
    const attempt = (step: Step, action: () => void) => {
        try {
            action();
        } catch (error) {
            taken.get(step)!.notRun = `failed: ${(error as Error).message.split("\n")[0]}`;
            progress(`${corpus.name} ${step.name} failed: ${(error as Error).message}`);
        }
    };
    for (const step of steps) {
        if (typeof step.ours !== "function") {
            taken.get(step)!.notRun = `skipped: ${step.ours.skipped}`;
        } else {
            attempt(step, () => step.prepare());
        }
    }
    for (let run = 1; run <= runs; run++) {
        for (const step of steps.filter((candidate) => taken.get(candidate)!.notRun === undefined)) {
            attempt(step, () => {
                const { references, ours } = taken.get(step)!;
                const reference = typeof step.reference === "function" ? step.reference(run) : undefined;
                const sample = (step.ours as (run: number) => ChildSample)(run);
                if (reference) {
                    references.push(reference);
                }
                ours.push(sample);
                const referenceText = reference ? `reference ${Math.round(reference.ms)} ms, ` : "";
                progress(
                    `${corpus.name} ${step.name} run ${run}/${runs}: ${referenceText}ours ${Math.round(sample.ms)} ms`,
                );
            });
        }
    }
    return steps.map((step) => summarize(step, taken.get(step)!));
}

/** Reads the whole tree once, untimed: every figure is on a warm page cache. */
function warmPageCache(corpus: Corpus): void {
    progress(`warming the page cache with ${corpus.name}`);
    timeShell(`find -L ${shellQuote(corpus.root)} -type f -print0 | xargs -0 cat >/dev/null`, {});
}

/** Medians, peaks, the ratio and whether the target is met. */
function summarize(step: Step, taken: Taken): StepResult {
    const reference = { name: step.referenceName, detail: step.referenceDetail };
    const target = { maxRatio: step.targetRatio, maxRssMb: step.targetRssMb };
    const common = { corpus: step.corpus.name, step: step.name, target };
    const unavailable = typeof step.reference === "function" ? undefined : step.reference;
    if (taken.notRun !== undefined) {
        const referenceSide = unavailable ?? { unavailable: "not run" };
        return { ...common, notRun: taken.notRun, reference: { ...reference, ...referenceSide }, notes: [] };
    }
    const ours = side(taken.ours);
    const notes = step.notes(taken.ours);
    if (unavailable !== undefined) {
        return { ...common, ours, reference: { ...reference, ...unavailable }, notes };
    }
    const referenceSide = side(taken.references);
    return {
        ...common,
        ours,
        reference: { ...reference, ...referenceSide },
        ...judge(ours, referenceSide, target),
        notes,
    };
}

function side(samples: readonly Sample[]): SideResult {
    const measured = samples.flatMap((sample) => (sample.maxRssKb === undefined ? [] : [sample.maxRssKb]));
    return {
        ms: figures(samples.map((sample) => sample.ms)),
        wallMs: figures(samples.map((sample) => sample.wallMs)),
        peakRssKb: measured.length > 0 ? Math.max(...measured) : undefined,
    };
}

/** Milliseconds, to a tenth: finer is noise. */
function figures(runs: number[]): Figures {
    const tenth = (value: number) => Math.round(value * 10) / 10;
    return { median: tenth(median(runs)), runs: runs.map(tenth) };
}

/** Progress goes to stderr, so that `--json` output on stdout stays clean. */
function progress(message: string): void {
    process.stderr.write(`bench: ${message}\n`);
}

main().catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
});
