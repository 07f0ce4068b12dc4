/**
 * Starts the dynamic-provider host process the way the engine does: `node <host entry> <engine address>`
 * in the program's directory, reads the gRPC port from the first stdout line, and turns every later
 * stdout / stderr line into a diagnostic, as the engine does for dynamic-provider plugins.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as readline from "node:readline";
import { DiagnosticLog, DiagnosticSource } from "./diagnostics";

/** How long the host may take to print its port (it loads the whole SDK first: about a second here). */
const PORT_TIMEOUT_MS = 30_000;

/** What `spawnHostProcess` needs. */
export interface HostProcessOptions {
    /** The dynamic-provider host's entry script. */
    hostEntry: string;
    /** The program directory: the host's working directory. */
    programDir: string;
    /** The engine address passed as the only argument. */
    engineAddress: string;
    /** The host's whole environment. */
    env: NodeJS.ProcessEnv;
    /** Receives the host's output lines. */
    diagnostics: DiagnosticLog;
}

/** A running host process. */
export interface HostProcess {
    /** The port its ResourceProvider gRPC service listens on (127.0.0.1). */
    readonly port: number;
    readonly pid: number;
    /** Stops the process and resolves once it has exited and all its output is recorded. */
    stop(): Promise<void>;
}

/**
 * Spawns the host and resolves once it has printed its port.
 *
 * @throws (rejects) when the host exits or prints something other than a port first, or is silent for
 *   30 s; the error carries what the host wrote to stderr
 */
export function spawnHostProcess(options: HostProcessOptions): Promise<HostProcess> {
    const child = spawn(process.execPath, [options.hostEntry, options.engineAddress], {
        cwd: options.programDir,
        env: options.env,
        stdio: ["ignore", "pipe", "pipe"],
    });
    const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    const stderrLines: string[] = [];
    forwardLines(child, "stderr", options.diagnostics, stderrLines);
    return readPort(child, options.diagnostics, stderrLines).then(
        (port) => ({ port, pid: child.pid ?? -1, stop: () => stop(child, closed) }),
        async (error: Error) => {
            await stop(child, closed);
            throw error;
        },
    );
}

function readPort(child: ChildProcess, diagnostics: DiagnosticLog, stderrLines: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
        const lines = readline.createInterface({ input: requireStream(child.stdout) });
        let port: number | undefined;
        const fail = (problem: string): void => {
            clearTimeout(timer);
            reject(new Error(`dynamic-provider host ${problem}; its stderr:\n${stderrLines.join("\n")}`));
        };
        const timer = setTimeout(() => fail(`printed no port within ${PORT_TIMEOUT_MS} ms`), PORT_TIMEOUT_MS);
        child.once("error", (error) => fail(`could not start: ${error.message}`));
        child.once("exit", (code, signal) => {
            if (port === undefined) {
                fail(`exited (code ${code}, signal ${signal}) before printing its port`);
            }
        });
        lines.on("line", (line) => {
            if (port !== undefined) {
                addLine(diagnostics, "stdout", line);
                return;
            }
            port = parsePort(line);
            if (port === undefined) {
                fail(`printed ${JSON.stringify(line)} instead of a port on its first stdout line`);
                return;
            }
            clearTimeout(timer);
            resolve(port);
        });
    });
}

/** The engine's rule: the first line, trimmed, is a decimal port in 1..65535. */
function parsePort(line: string): number | undefined {
    const text = line.trim();
    const port = Number(text);
    return /^\d+$/.test(text) && port > 0 && port <= 65535 ? port : undefined;
}

function forwardLines(child: ChildProcess, source: DiagnosticSource, diagnostics: DiagnosticLog, sink: string[]): void {
    const lines = readline.createInterface({ input: requireStream(child.stderr) });
    lines.on("line", (line) => {
        sink.push(line);
        addLine(diagnostics, source, line);
    });
}

/** The engine skips blank lines and shows the rest as info (stderr ones on the error stream). */
function addLine(diagnostics: DiagnosticLog, source: DiagnosticSource, line: string): void {
    if (line.trim() !== "") {
        diagnostics.add({ source, severity: "info", message: line });
    }
}

function requireStream<T>(stream: T | null): T {
    if (stream === null) {
        throw new Error("the host process was spawned without a pipe for its output");
    }
    return stream;
}

async function stop(child: ChildProcess, closed: Promise<void>): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
    }
    await closed;
}
