/**
 * The measured steps, each ours beside its reference command, with its target. Ours is always the path
 * users take: the provider's `check` as a preview calls it, and its `create` as `up` calls it, against
 * the emulator.
 *
 * - check cold: the first preview on a machine (digest cache in a new, empty folder), against the AWS
 *   CDK's `FileSystem.fingerprint` with its cache cleared, and against `find | xargs openssl dgst`.
 * - check no-op: a preview with nothing changed (new process, digest cache filled), against the CDK's
 *   fingerprint cached (its second call in the same process), and against one stat per file (`find
 *   -printf`), the floor of any cache keyed on stat.
 * - check of a prebuilt zipFile (the tree zipped by `zip -X -r`): every preview reads and hashes it,
 *   shown beside `openssl dgst -sha256` of the same zip, which is all that a tool that only hashes the
 *   file pays (Terraform's `filebase64sha256`).
 * - create: publishing the tree. A tree whose zip is over the direct-upload limit goes through S3
 *   staging, against `zip -X -r` then `aws s3 cp`; one that fits goes inline, against `zip -X -r`
 *   then `aws lambda publish-layer-version`.
 */
import { execSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ChildReply, ChildRequest } from "./child";
import type { Corpus } from "./corpus";
import type { BenchEmulator } from "./emulator";
import { BENCH_REGION } from "./emulator";
import { median, timeChild, timeShell, type ChildSample, type Sample } from "./measure";

/** Time zones the create runs alternate between: the zip's bytes must not depend on them. */
export const ZIP_TIME_ZONES = ["UTC", "Asia/Kolkata"];

/** The bucket that staged publishing and the staged reference upload to. */
export const STAGING_BUCKET = "pulumi-lambda-layer-bench";

/** One step on one corpus. */
export interface Step {
    corpus: Corpus;
    name: string;
    /** Ours over the reference must be at most this; none for a reference shown for scale. */
    targetRatio?: number;
    /** Our peak RSS must be at most this many MB, when set. */
    targetRssMb?: number;
    /** What the reference is, short, for the table. */
    referenceName: string;
    /** The reference in full (its command), for the list under the table. */
    referenceDetail: string;
    /** Runs the reference once (`run` is 1-based), or why it cannot run on this machine. */
    reference: ((run: number) => Sample) | { unavailable: string };
    /** Runs ours once, or why the whole step is skipped. */
    ours: ((run: number) => ChildSample) | { skipped: string };
    /** Untimed, once before the runs. */
    prepare(): void;
    /** What to say about our runs afterwards (determinism, sizes, phases). */
    notes(samples: readonly ChildSample[]): string[];
}

/** What the steps need from the machine. */
export interface Tools {
    openssl: boolean;
    zip: boolean;
    aws: boolean;
    /** Whether the AWS CDK's aws-cdk-lib can be loaded. */
    cdk: boolean;
    /** GNU time's output file for the references' peak RSS, when GNU time is installed. */
    rssFile?: string;
    /** Why publishing through S3 staging cannot be measured here, when it cannot. */
    stagingUnavailable?: string;
}

/** The steps on `corpus`; scratch files (digest caches, zips, CDK homes) go under `scratch`. */
export function stepsFor(corpus: Corpus, scratch: string, tools: Tools, emulator: BenchEmulator): Step[] {
    const where = (name: string) => path.join(scratch, `${corpus.name}-${name}`);
    // A layer this big needs a staging bucket: a user sets it, and every step then sees it, check included.
    const staging = corpus.publish === "staged" && tools.stagingUnavailable === undefined;
    const inputs = {
        layerName: `bench-${corpus.name.replace(/_/g, "-")}`,
        source: { path: corpus.root },
        ...(staging ? { staging: { bucket: STAGING_BUCKET } } : {}),
    };
    const coldCheck = once((run) =>
        timeChild({ step: "check", inputs, olds: {} }, { PULUMI_LAMBDA_LAYER_CACHE_DIR: where(`cold-cache-${run}`) }),
    );
    const cdk = once((run) =>
        timeChild({ step: "cdk fingerprint", root: corpus.root }, { HOME: where(`cdk-home-${run}`) }),
    );
    const noOp = noOpCheck(inputs, where("noop-cache"));
    const peerSteps = [
        checkCold(corpus, tools, coldCheck, cdk),
        checkNoop(corpus, tools, noOp, cdk),
        checkNoopFloor(corpus, tools, noOp),
    ];
    return [
        ...(corpus.peer ? peerSteps : []),
        checkColdHashing(corpus, tools, coldCheck),
        checkZipFile(corpus, tools, inputs, where("prebuilt.zip")),
        create(corpus, tools, emulator, inputs, where),
    ];
}

/** `sample` run at most once per run number: two steps that share a side share its runs. */
function once<T>(sample: (run: number) => T): (run: number) => T {
    const samples = new Map<number, T>();
    return (run) => {
        if (!samples.has(run)) {
            samples.set(run, sample(run));
        }
        return samples.get(run)!;
    };
}

const CDK_NAME = "AWS CDK FileSystem.fingerprint";

function cdkDetail(state: string): string {
    return `aws-cdk-lib FileSystem.fingerprint(DIR) in a node process, ${state}, timed around the call`;
}

function checkCold(
    corpus: Corpus,
    tools: Tools,
    ours: (run: number) => ChildSample,
    cdk: (run: number) => ChildSample,
): Step {
    return {
        corpus,
        name: "check cold",
        targetRatio: 0.5,
        referenceName: `${CDK_NAME}, cache cleared`,
        referenceDetail: cdkDetail("HOME in a new folder (its cache, ~/.cdk/cache, empty)"),
        reference: tools.cdk ? cdk : { unavailable: "aws-cdk-lib is not installed (npm install)" },
        ours,
        prepare: () => undefined,
        notes: checkNotes,
    };
}

/** A no-op check per run: a new process, the digest cache filled by an earlier check, the state's inputs as `olds`. */
interface NoOpCheck {
    /** The preview before the runs: it reads everything and fills the cache. Untimed; once however many steps call it. */
    prepare(): void;
    run: (run: number) => ChildSample;
}

function noOpCheck(inputs: Record<string, unknown>, cacheDir: string): NoOpCheck {
    const env = { PULUMI_LAMBDA_LAYER_CACHE_DIR: cacheDir };
    // The state's inputs, as the engine passes them to the check of a preview after an `up`.
    let olds: Record<string, unknown> | undefined;
    return {
        prepare() {
            olds ??= { ...inputs, sourceHash: timeChild({ step: "check", inputs, olds: {} }, env).reply.digest };
        },
        run: once(() => timeChild({ step: "check", inputs, olds: olds ?? {} }, env)),
    };
}

function checkNoop(corpus: Corpus, tools: Tools, noOp: NoOpCheck, cdk: (run: number) => ChildSample): Step {
    return {
        corpus,
        name: "check no-op",
        targetRatio: 0.3,
        referenceName: `${CDK_NAME}, cached`,
        referenceDetail: cdkDetail("called a second time in the same process (its cache filled by the first)"),
        // The CDK's cached figure is its second call, in the same process as the cold one.
        reference: tools.cdk
            ? (run) => {
                  const sample = cdk(run);
                  const cachedMs = sample.reply.cachedMs as number;
                  return { ...sample, ms: cachedMs };
              }
            : { unavailable: "aws-cdk-lib is not installed (npm install)" },
        ours: noOp.run,
        prepare: noOp.prepare,
        notes: checkNotes,
    };
}

/**
 * The no-op against the floor of any cache keyed on stat: one stat per file (find's, relative to each
 * folder it reads, with nothing else done), which every no-op must at least pay.
 */
function checkNoopFloor(corpus: Corpus, tools: Tools, noOp: NoOpCheck): Step {
    const command = `find -L ${shellQuote(corpus.root)} -type f -printf '%s %T@ %C@ %i\\n' >/dev/null`;
    return {
        corpus,
        name: "check no-op",
        referenceName: "find -printf, a stat per file",
        referenceDetail: command,
        reference: () => timeShell(command, {}, tools.rssFile),
        ours: noOp.run,
        prepare: noOp.prepare,
        notes: checkNotes,
    };
}

function checkColdHashing(corpus: Corpus, tools: Tools, ours: (run: number) => ChildSample): Step {
    // -L: the same files as ours, which follows symlinks that stay inside the tree (node_modules/.bin).
    const command = `find -L ${shellQuote(corpus.root)} -type f -print0 | xargs -0 openssl dgst -sha256 >/dev/null`;
    return {
        corpus,
        name: "check cold",
        targetRatio: 1.0,
        referenceName: "find | xargs openssl dgst -sha256",
        referenceDetail: command,
        reference: tools.openssl
            ? () => timeShell(command, {}, tools.rssFile)
            : { unavailable: "openssl is not installed" },
        ours,
        prepare: () => undefined,
        notes: checkNotes,
    };
}

/** The check of the tree as a prebuilt zip: the central directory judged, the whole file hashed, with nothing cached. */
function checkZipFile(corpus: Corpus, tools: Tools, treeInputs: Record<string, unknown>, zipPath: string): Step {
    const { source: _tree, ...settings } = treeInputs;
    const inputs = { ...settings, zipFile: zipPath };
    const command = `openssl dgst -sha256 ${shellQuote(zipPath)} >/dev/null`;
    return {
        corpus,
        name: "check, zipFile",
        referenceName: "openssl dgst -sha256 of the zip",
        referenceDetail: command.replace(zipPath, "OUT.zip"),
        reference: tools.openssl
            ? () => timeShell(command, {}, tools.rssFile)
            : { unavailable: "openssl is not installed" },
        ours: tools.zip
            ? () => timeChild({ step: "check", inputs, olds: {} }, {})
            : { skipped: "zip is not installed" },
        prepare() {
            fs.rmSync(zipPath, { force: true });
            if (tools.zip) execSync(`cd ${shellQuote(corpus.root)} && zip -X -r -q ${shellQuote(zipPath)} .`);
        },
        notes: (samples) => [...checkNotes(samples), `zip ${megabytes(fs.statSync(zipPath).size)}`],
    };
}

function create(
    corpus: Corpus,
    tools: Tools,
    emulator: BenchEmulator,
    inputs: Record<string, unknown>,
    where: (name: string) => string,
): Step {
    const staged = corpus.publish === "staged";
    const cacheEnv = { PULUMI_LAMBDA_LAYER_CACHE_DIR: where("create-cache") };
    const request: ChildRequest = {
        step: "create",
        inputs,
        region: BENCH_REGION,
    };
    // A new file per run: zip(1) would update an existing archive instead of writing a new one.
    const referenceZip = (run: number) => where(`reference-${run}.zip`);
    const publish = staged
        ? `aws s3 cp ZIP s3://${STAGING_BUCKET}/reference/${corpus.name}.zip --endpoint-url ENDPOINT --only-show-errors`
        : `aws lambda publish-layer-version --layer-name bench-reference-${corpus.name.replace(/_/g, "-")} --zip-file fileb://ZIP --endpoint-url ENDPOINT >/dev/null`;
    const command = (zip: string) =>
        `cd ${shellQuote(corpus.root)} && zip -X -r -q ${shellQuote(zip)} . && ` +
        publish.replace("ZIP", shellQuote(zip)).replace("ENDPOINT", emulator.endpoint);
    const missing = [tools.zip ? [] : ["zip"], tools.aws ? [] : ["the AWS CLI (aws)"]].flat();
    const skipped = staged ? tools.stagingUnavailable : undefined;
    return {
        corpus,
        name: staged ? "create, staged" : "create, inline",
        targetRatio: 1.0,
        targetRssMb: 250,
        referenceName: staged ? "zip -X -r, aws s3 cp" : "zip -X -r, aws lambda publish-layer-version",
        referenceDetail: command("OUT.zip"),
        reference:
            missing.length > 0
                ? { unavailable: `${missing.join(" and ")} not installed` }
                : (run) => {
                      try {
                          return timeShell(command(referenceZip(run)), emulator.env, tools.rssFile);
                      } finally {
                          fs.rmSync(referenceZip(run), { force: true });
                      }
                  },
        ours:
            skipped !== undefined
                ? { skipped: `staging not available: ${skipped}` }
                : (run) =>
                      timeChild(request, {
                          ...emulator.env,
                          ...cacheEnv,
                          PULUMI_LAMBDA_LAYER_JOURNAL_DIR: where("journal"),
                          TZ: ZIP_TIME_ZONES[(run - 1) % ZIP_TIME_ZONES.length],
                      }),
        // The check of the preview before `up`: create's own check of the tree finds the cache warm, as in a real `up`.
        prepare: () => void timeChild({ step: "check", inputs: request.inputs, olds: {} }, cacheEnv),
        notes(samples) {
            const replies = samples.map((sample) => sample.reply);
            const zoneCount = Math.min(replies.length, ZIP_TIME_ZONES.length);
            const zones = `TZ=${ZIP_TIME_ZONES.slice(0, zoneCount).join(", ")}`;
            const identical =
                zoneCount > 1
                    ? `same codeSha256 in ${zones}: ${allEqual(replies) ? "yes" : "NO"}`
                    : `one run (${zones}): TZ check needs --runs 2`;
            return [identical, `zip ${megabytes(replies[0].zipBytes ?? 0)}`, createPhases(samples)];
        },
    };
}

function checkNotes(samples: readonly ChildSample[]): string[] {
    const replies = samples.map((sample) => sample.reply);
    const load = median(replies.map((reply) => reply.loadMs ?? 0));
    return [
        `same sourceHash every run: ${allEqual(replies) ? "yes" : "NO"}`,
        `loading the provider's lifecycle (included): ${Math.round(load)} ms`,
    ];
}

/** The phases of `create` that the provider's progress lines time ("zipped and hashed to 75.5 MB in 9.8 s"). */
const PHASE_LINE = /layer "[^"]*": (listed|zipped and hashed|uploaded|published)\b.* in (\d+(?:\.\d+)?) s$/gm;

/** The median time of each phase the progress lines report, in the order they come. */
export function createPhases(samples: readonly ChildSample[]): string {
    const phases = new Map<string, number[]>();
    for (const sample of samples) {
        for (const [, phase, seconds] of sample.output.matchAll(PHASE_LINE)) {
            phases.set(phase, [...(phases.get(phase) ?? []), Number(seconds)]);
        }
    }
    const parts = [...phases].map(([phase, seconds]) => `${phase} ${median(seconds).toFixed(1)} s`);
    return parts.length > 0 ? `phases (medians, from the progress lines): ${parts.join(", ")}` : "no progress lines";
}

function allEqual(replies: readonly ChildReply[]): boolean {
    return replies.every((reply) => reply.digest === replies[0].digest);
}

/** Bytes as decimal megabytes, one decimal. Pure. */
export function megabytes(bytes: number): string {
    return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** `text` as one bash word. Pure. */
export function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}
