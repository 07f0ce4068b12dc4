/**
 * Runs one measured process and returns its figures: a reference shell command (wall clock, and peak
 * RSS through GNU time when it is installed) or a step in a fresh node child (bench/child.ts).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ChildReply, ChildRequest } from "./child";

/** GNU time: the only portable way to get the peak RSS of a process tree we did not write. */
export const GNU_TIME = "/usr/bin/time";

/** One run of one side of a step. */
export interface Sample {
    /** The figure compared: in-process time for a node child, wall clock for a shell command. */
    ms: number;
    /** From spawn to exit, measured by this process. */
    wallMs: number;
    /** Peak RSS in KiB: of a node child; of the largest process of a reference pipeline (GNU time). */
    maxRssKb?: number;
}

/** One run of a node child: its reply too, and what else it wrote (the provider's progress lines among it). */
export interface ChildSample extends Sample {
    reply: ChildReply;
    /** Its stdout before the reply, then its stderr. */
    output: string;
}

/** True when `tool` can be run (`command -v`). */
export function isInstalled(tool: string): boolean {
    return spawnSync("bash", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
}

/**
 * Runs `command` with `bash -c` and `env` added to ours, under GNU time when `rssFile` is given (it
 * writes the peak RSS there; for a pipeline, the largest of its processes). Throws when the command fails.
 */
export function timeShell(command: string, env: NodeJS.ProcessEnv, rssFile?: string): Sample {
    const [program, args] = rssFile
        ? [GNU_TIME, ["-o", rssFile, "-f", "%M", "bash", "-c", command]]
        : ["bash", ["-c", command]];
    const started = process.hrtime.bigint();
    const result = spawnSync(program, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    const wallMs = elapsedMs(started);
    if (result.status !== 0) {
        throw new Error(`reference command failed (exit ${result.status}): ${command}\n${result.stderr}`);
    }
    const maxRssKb = rssFile ? Number(fs.readFileSync(rssFile, "utf8").trim()) : undefined;
    return { ms: wallMs, wallMs, maxRssKb };
}

/** Runs one step in a fresh node process with `env` added to ours. Throws when it fails. */
export function timeChild(request: ChildRequest, env: NodeJS.ProcessEnv): ChildSample {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [path.join(__dirname, "child.js"), JSON.stringify(request)], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
        encoding: "utf8",
    });
    const wallMs = elapsedMs(started);
    if (result.status !== 0) {
        // The child's own error first: it is what a row that failed shows.
        const said = /^\w*Error: (.*)$/m.exec(result.stderr)?.[1] ?? `exit ${result.status}`;
        throw new Error(`${said}\n(bench child for ${JSON.stringify(request)})\n${result.stderr}`);
    }
    // The reply is the last line: what the provider logs outside an engine goes to stdout before it.
    const lines = result.stdout.trim().split("\n");
    const reply = JSON.parse(lines.pop() ?? "") as ChildReply;
    const output = [...lines, result.stderr].join("\n");
    return { ms: reply.inProcessMs, wallMs, maxRssKb: reply.maxRssKb, reply, output };
}

/** The median of `values` (the mean of the middle two for an even count); NaN for none. Pure. */
export function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function elapsedMs(started: bigint): number {
    return Number(process.hrtime.bigint() - started) / 1e6;
}
