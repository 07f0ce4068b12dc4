/**
 * What the reliability tests share: an emulator with faults aimed at chosen requests, the AWS
 * environment pointed at it for one test, a private publish journal, stderr capture, and the provider
 * driven as `pulumi up` drives it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LambdaClient, ListLayerVersionsCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { createFaultInjector } from "../../emulator/http/faults";
import { LayerVersionProvider } from "../../provider";
import type { LayerVersionInputs, LayerVersionOutputs } from "../../provider/types";
import { emulatorEnvironment } from "./fixtures";
import { tempDir } from "./fileTrees";

export const provider = new LayerVersionProvider();

/** Sets `variables` in process.env (undefined deletes) and returns a function that puts the old values back. */
export function setEnvironment(variables: Record<string, string | undefined>): () => void {
    const saved = Object.fromEntries(Object.keys(variables).map((key) => [key, process.env[key]]));
    const apply = (values: Record<string, string | undefined>) => {
        for (const [key, value] of Object.entries(values)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
    };
    apply(variables);
    return () => apply(saved);
}

export { tempDir };

/** What the injected fault at one request must be: either kind, or one of them. */
export type FaultKind = "fault" | "TooManyRequestsException" | "ServiceException";

/**
 * A seed for the emulator's own fault injector (emulator/faults.ts) under which, among the first
 * `window` API requests it receives, exactly those at the 1-based positions in `faults` are faulted
 * (with the kind asked for) and every other one is served. The injector draws one decision per request
 * in arrival order, so with requests sent one at a time this aims a fault at a chosen call. The rate
 * is low so that a seed is found within a few thousand tries.
 */
export function faultPlan(faults: Record<number, FaultKind>, window: number): { faultRate: number; faultSeed: number } {
    const faultRate = Math.max(Object.keys(faults).length / window, 0.02);
    for (let faultSeed = 1; faultSeed < 5_000_000; faultSeed++) {
        const next = createFaultInjector(faultRate, faultSeed);
        let matches = true;
        for (let request = 1; request <= window && matches; request++) {
            const fault = next();
            const wanted = faults[request];
            matches =
                wanted === undefined
                    ? fault === undefined
                    : fault !== undefined && (wanted === "fault" || fault.type === wanted);
        }
        if (matches) return { faultRate, faultSeed };
    }
    throw new Error(`no seed below 5,000,000 faults exactly ${JSON.stringify(faults)} of ${window} requests`);
}

/** The number of requests, and of each kind of fault, the injector decides for the first `requests` requests. */
export function injectedFaults(
    faultRate: number,
    faultSeed: number,
    requests: number,
): { throttles: number; serviceErrors: number } {
    const next = createFaultInjector(faultRate, faultSeed);
    const tally = { throttles: 0, serviceErrors: 0 };
    for (let request = 0; request < requests; request++) {
        const type = next()?.type;
        if (type === "TooManyRequestsException") tally.throttles++;
        if (type === "ServiceException") tally.serviceErrors++;
    }
    return tally;
}

/** The total of an emulator's request counts. */
export function totalRequests(emulator: RunningEmulator): number {
    return Object.values(emulator.requestCounts()).reduce((sum, count) => sum + (count ?? 0), 0);
}

/**
 * An emulator for one test, with this process's AWS environment (and a private publish journal and
 * digest cache) pointed at it; `stop()` closes it and puts the environment back.
 */
export async function emulatorForTest(
    options: Parameters<typeof startEmulator>[0] = {},
    extraEnvironment: Record<string, string | undefined> = {},
): Promise<{ emulator: RunningEmulator; client: LambdaClient; journalDir: string; stop(): Promise<void> }> {
    const emulator = await startEmulator(options);
    const journalDir = tempDir("journal");
    const restore = setEnvironment({
        ...emulatorEnvironment(emulator.endpoint),
        PULUMI_LAMBDA_LAYER_JOURNAL_DIR: journalDir,
        PULUMI_LAMBDA_LAYER_CACHE: "off",
        AWS_MAX_ATTEMPTS: undefined,
        ...extraEnvironment,
    });
    // Looks behind the provider's back; explicit settings win over AWS_MAX_ATTEMPTS, so it never gives up on a fault.
    const client = new LambdaClient({
        endpoint: emulator.endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "AKIAEMULATOR0000TEST", secretAccessKey: "emulator-secret-not-real" },
        maxAttempts: 30,
    });
    return {
        emulator,
        client,
        journalDir,
        stop: async () => {
            restore();
            await emulator.close();
        },
    };
}

/** The version numbers AWS (the emulator) holds for a layer, ascending. */
export async function versionsInAws(client: LambdaClient, layerName: string): Promise<number[]> {
    const listed = await client.send(new ListLayerVersionsCommand({ LayerName: layerName }));
    return (listed.LayerVersions ?? []).map((version) => version.Version!).sort((a, b) => a - b);
}

/** check, then create: what `pulumi up` does for a new resource. Fails the test when check fails. */
export async function checkAndCreate(
    news: Record<string, unknown>,
): Promise<{ id: string; outs: LayerVersionOutputs; inputs: LayerVersionInputs }> {
    const checked = await provider.check({} as LayerVersionInputs, news as unknown as LayerVersionInputs);
    expect(checked.failures ?? []).to.deep.equal([]);
    const created = await provider.create(checked.inputs!);
    return { id: created.id, outs: created.outs!, inputs: checked.inputs! };
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<Error> {
    try {
        await promise;
    } catch (error) {
        return error as Error;
    }
    return expect.fail("expected a failure, but the call succeeded");
}

/** Runs `action` with console.error captured; returns what it wrote, one string per call. */
export async function capturingStderr<T>(action: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
    const lines: string[] = [];
    const original = console.error;
    console.error = (...parts: unknown[]) => lines.push(parts.map(String).join(" "));
    try {
        return { result: await action(), lines };
    } finally {
        console.error = original;
    }
}

/** The notes in a publish journal directory, each its JSON lines merged in order. */
export function journalNotes(journalDir: string): Array<Record<string, unknown>> {
    return fs
        .readdirSync(journalDir)
        .filter((name) => name.endsWith(".note"))
        .map((name) =>
            Object.assign(
                {},
                ...fs
                    .readFileSync(path.join(journalDir, name), "utf8")
                    .split("\n")
                    .filter((line) => line !== "")
                    .map((line) => JSON.parse(line)),
            ),
        );
}
