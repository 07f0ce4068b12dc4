/** Runs a helper command (npm, a capture child) to completion, for the harness's slow setup steps. */
import { execFile } from "node:child_process";

/** Options of `runCommand`. */
export interface RunCommandOptions {
    cwd: string;
    /** The whole environment (default: this process's). */
    env?: NodeJS.ProcessEnv;
    /** The command is killed, and the promise rejected, after this long. */
    timeoutMs: number;
    /** Names what ran in the error, e.g. `npm install in /tmp/x`. */
    label: string;
}

/**
 * Resolves with the command's stdout once it exits with status 0.
 *
 * @throws (rejects) naming `label`, the exit status or the timeout, and the command's stderr
 */
export function runCommand(file: string, args: readonly string[], options: RunCommandOptions): Promise<string> {
    const settings = { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024 };
    return new Promise((resolve, reject) => {
        execFile(file, args, settings, (error, stdout, stderr) => {
            if (error) {
                const how = error.killed ? `was stopped after ${options.timeoutMs} ms` : `exited with ${error.code}`;
                reject(new Error(`${options.label} ${how}:\n${stderr}`));
            } else {
                resolve(stdout);
            }
        });
    });
}
