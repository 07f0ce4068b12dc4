/** Runs a build tool (npm, pip) as a child process with the provider's environment, keeping its output for errors. */
import { execFile } from "node:child_process";

/** A tool's run that did not succeed: why, and the end of what it printed. */
export class ToolRunError extends Error {
    constructor(
        message: string,
        /** What the tool printed on stderr, whole: callers look in it for the tool's own diagnosis. */
        readonly stderr: string,
    ) {
        super(message);
        this.name = "ToolRunError";
    }
}

/** The last lines of a tool's output, enough to show its error without flooding the message. */
export function outputTail(text: string, lines = 20): string {
    return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Resolves with the tool's stdout once it exits with status 0. Rejects with ToolRunError naming
 * `label`, the exit status and the tail of stderr; when the tool is not installed, saying so.
 */
export function runTool(file: string, args: readonly string[], cwd: string, label: string): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(file, args, { cwd, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (!error) {
                resolve(stdout);
                return;
            }
            const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
            const how = missing ? `could not start: ${file} is not installed or not on PATH` : `failed (${error.code})`;
            reject(new ToolRunError(`${label} ${how}${stderr ? `:\n${outputTail(stderr)}` : ""}`, stderr));
        });
    });
}
