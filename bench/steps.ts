/**
 * The measured steps of issue #7, each ours beside its reference command, with its target:
 * cold hash, first hash and no-op hash (`check`) against `find | xargs openssl dgst -sha256`, and the
 * zip (`create`) against `zip -X -r -q`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ChildReply, ChildRequest } from "./child";
import type { Corpus } from "./corpus";
import { timeChild } from "./measure";

/** Time zones the zip runs alternate between: its bytes must not depend on them. */
export const ZIP_TIME_ZONES = ["UTC", "Asia/Kolkata"];

export type StepName = "cold hash" | "first hash" | "no-op hash" | "zip";

/** One step on one corpus. */
export interface Step {
    corpus: Corpus;
    name: StepName;
    /** Ours (in-process) over the reference (wall) must be at most this. */
    targetRatio: number;
    /** Our peak RSS must be at most this many MB, when set. */
    targetRssMb?: number;
    /** What the reference is, short, for the table. */
    referenceName: string;
    /** The reference shell command for run `run` (1-based), or why it cannot run on this machine. */
    reference: ((run: number) => string) | { unavailable: string };
    /** Our side of run `run`: what the child does, and its environment. */
    ours(run: number): { request: ChildRequest; env: NodeJS.ProcessEnv };
    /** Untimed, once before the runs. */
    prepare(): void;
    /** What to say about the outputs after the runs (determinism, files read, sizes). */
    notes(replies: readonly ChildReply[]): string[];
}

/** The commands the references need, and whether each is installed. */
export interface Tools {
    openssl: boolean;
    zip: boolean;
}

/** The four steps on `corpus`; scratch files (digest caches, zips) go under `scratch`. */
export function stepsFor(corpus: Corpus, scratch: string, tools: Tools): Step[] {
    return [
        coldHash(corpus, tools),
        firstHash(corpus, scratch, tools),
        noopHash(corpus, scratch, tools),
        zip(corpus, scratch, tools),
    ];
}

const HASH_REFERENCE_NAME = "find | xargs openssl dgst -sha256";

function hashReference(corpus: Corpus, tools: Tools): Step["reference"] {
    if (!tools.openssl) {
        return { unavailable: "openssl is not installed" };
    }
    // -L: the same files as ours, which follows symlinks that stay inside the tree (node_modules/.bin).
    return () => `find -L ${shellQuote(corpus.root)} -type f -print0 | xargs -0 openssl dgst -sha256 >/dev/null`;
}

function coldHash(corpus: Corpus, tools: Tools): Step {
    return {
        corpus,
        name: "cold hash",
        targetRatio: 1.0,
        referenceName: HASH_REFERENCE_NAME,
        reference: hashReference(corpus, tools),
        ours: () => ({ request: { step: "hash", root: corpus.root }, env: { PULUMI_LAMBDA_LAYER_CACHE: "off" } }),
        prepare: () => undefined,
        notes: hashNotes,
    };
}

/** The first `check` of a tree on a machine: the cache is on but empty (a new folder per run), and gets written. */
function firstHash(corpus: Corpus, scratch: string, tools: Tools): Step {
    return {
        corpus,
        name: "first hash",
        targetRatio: 1.0,
        referenceName: HASH_REFERENCE_NAME,
        reference: hashReference(corpus, tools),
        ours: (run) => ({
            request: { step: "hash", root: corpus.root },
            env: {
                PULUMI_LAMBDA_LAYER_CACHE: "on",
                PULUMI_LAMBDA_LAYER_CACHE_DIR: path.join(scratch, `first-cache-${corpus.name}-${run}`),
            },
        }),
        prepare: () => undefined,
        notes: hashNotes,
    };
}

function noopHash(corpus: Corpus, scratch: string, tools: Tools): Step {
    const env = {
        PULUMI_LAMBDA_LAYER_CACHE: "on",
        PULUMI_LAMBDA_LAYER_CACHE_DIR: path.join(scratch, `digest-cache-${corpus.name}`),
    };
    const request: ChildRequest = { step: "hash", root: corpus.root };
    return {
        corpus,
        name: "no-op hash",
        targetRatio: 0.5,
        referenceName: HASH_REFERENCE_NAME,
        reference: hashReference(corpus, tools),
        ours: () => ({ request, env }),
        // The `check` before this one: it reads everything and fills the cache.
        prepare: () => void timeChild(request, env),
        notes: hashNotes,
    };
}

function zip(corpus: Corpus, scratch: string, tools: Tools): Step {
    // A new file per run: zip(1) would update an existing archive instead of writing a new one.
    const output = (side: string, run: number) => path.join(scratch, `${corpus.name}-${side}-${run}.zip`);
    return {
        corpus,
        name: "zip",
        targetRatio: 1.0,
        targetRssMb: 200,
        referenceName: "zip -X -r -q",
        reference: tools.zip
            ? (run) => `cd ${shellQuote(corpus.root)} && zip -X -r -q ${shellQuote(output("reference", run))} .`
            : { unavailable: "zip is not installed" },
        ours: (run) => ({
            request: { step: "zip", root: corpus.root, destination: output("ours", run) },
            env: { TZ: ZIP_TIME_ZONES[(run - 1) % ZIP_TIME_ZONES.length] },
        }),
        prepare: () => undefined,
        notes(replies) {
            const zoneCount = Math.min(replies.length, ZIP_TIME_ZONES.length);
            const zones = `TZ=${ZIP_TIME_ZONES.slice(0, zoneCount).join(", ")}`;
            const identical =
                zoneCount > 1
                    ? `byte-identical in ${zones}: ${allEqual(replies) ? "yes" : "NO"}`
                    : `one run (${zones}): TZ check needs --runs 2`;
            const referenceZip = output("reference", 1);
            const referenceSize = fs.existsSync(referenceZip)
                ? ` vs zip(1) ${megabytes(fs.statSync(referenceZip).size)}`
                : "";
            return [identical, `size ${megabytes(replies[0].zipBytes ?? 0)}${referenceSize}`];
        },
    };
}

function hashNotes(replies: readonly ChildReply[]): string[] {
    const reused = replies.filter((reply) => reply.listingReused).length;
    return [
        `same sourceHash every run: ${allEqual(replies) ? "yes" : "NO"}`,
        `files read: ${replies[0].filesRead}`,
        `listing reused: ${reused} of ${replies.length} runs`,
    ];
}

function allEqual(replies: readonly ChildReply[]): boolean {
    return replies.every((reply) => reply.digest === replies[0].digest);
}

/** Bytes as decimal megabytes, one decimal. Pure. */
export function megabytes(bytes: number): string {
    return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** `text` as one bash word. Pure. */
function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}
