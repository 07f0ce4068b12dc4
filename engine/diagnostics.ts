/**
 * What the engine would show the user while a dynamic-provider host runs: its stdout and stderr lines
 * (the engine turns each line after the port into an info / info-on-stderr diagnostic) and the Log RPCs
 * it receives on its own gRPC service.
 */

/** Where a diagnostic came from. */
export type DiagnosticSource = "stdout" | "stderr" | "engine-log";

/** Severity as the engine would display it (stdout and stderr lines are shown as info). */
export type DiagnosticSeverity = "debug" | "info" | "warning" | "error";

/** One line of output or one logged message. */
export interface Diagnostic {
    source: DiagnosticSource;
    severity: DiagnosticSeverity;
    message: string;
    /** The resource the message is about, when a Log RPC names one. */
    urn?: string;
}

/** Default wait for `DiagnosticLog.waitFor`: output crosses a pipe, so it may trail the RPC answer. */
const DEFAULT_WAIT_MS = 10_000;

/** An append-only list of diagnostics that tests can read or wait on. */
export class DiagnosticLog {
    private readonly items: Diagnostic[] = [];
    private readonly waiters = new Set<(diagnostic: Diagnostic) => void>();

    /** Everything recorded so far, oldest first. */
    get entries(): readonly Diagnostic[] {
        return this.items;
    }

    /** Records a diagnostic and wakes the waiters. */
    add(diagnostic: Diagnostic): void {
        this.items.push(diagnostic);
        for (const waiter of [...this.waiters]) {
            waiter(diagnostic);
        }
    }

    /**
     * Resolves with the first diagnostic, recorded or yet to come, that matches `predicate`.
     * Output written by the provider just before it answers can reach us after the answer does.
     *
     * @throws (rejects) when nothing matches within `timeoutMs`
     */
    waitFor(predicate: (diagnostic: Diagnostic) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<Diagnostic> {
        const found = this.items.find(predicate);
        if (found !== undefined) {
            return Promise.resolve(found);
        }
        return new Promise((resolve, reject) => {
            const waiter = (diagnostic: Diagnostic): void => {
                if (predicate(diagnostic)) {
                    settle();
                    resolve(diagnostic);
                }
            };
            const timer = setTimeout(() => {
                settle();
                reject(
                    new Error(`no matching diagnostic within ${timeoutMs} ms; recorded: ` + JSON.stringify(this.items)),
                );
            }, timeoutMs);
            const settle = (): void => {
                clearTimeout(timer);
                this.waiters.delete(waiter);
            };
            this.waiters.add(waiter);
        });
    }
}
