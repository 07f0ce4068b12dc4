/**
 * The child process that runs one measured step once and prints its figures as one JSON line. Each
 * measured run is a fresh process, as each `pulumi preview` / `up` starts a new provider host: the
 * digest cache is only what is on disk, and peak RSS belongs to this one step. The time is taken around
 * the provider's own method, called as the engine calls it, after node has started: the lifecycle that
 * the serialized provider loads on its first call is part of the time, as it is in a real host.
 *
 * Steps: `check` (what a preview runs), `create` (what `up` runs after its check: list, hash, zip,
 * stage when asked, publish), and the peer's `cdk fingerprint` (aws-cdk-lib's `FileSystem.fingerprint`,
 * cold with an empty cache, then again in the same process, cached).
 */
import type * as pulumi from "@pulumi/pulumi";
import { LayerVersionProvider } from "../provider/layerVersionProvider";
import type { LayerVersionInputs, LayerVersionOutputs } from "../provider/types";

/** What the parent asks for. The digest cache's folder and the AWS endpoint come in the environment. */
export type ChildRequest =
    | { step: "check"; inputs: Record<string, unknown>; olds: Record<string, unknown> }
    | { step: "create"; inputs: Record<string, unknown>; region: string }
    | { step: "cdk fingerprint"; root: string };

/** What the child prints. */
export interface ChildReply {
    /** Time spent in the measured call, in milliseconds. */
    inProcessMs: number;
    /** Peak resident set size of this process (worker threads included), in KiB. */
    maxRssKb: number;
    /** The sourceHash, the published codeSha256, or the CDK's fingerprint: equal across runs when deterministic. */
    digest: string;
    /** Check: of the time, what loading the provider's lifecycle took. */
    loadMs?: number;
    /** Create: the checked inputs' sourceHash, which the state records. */
    sourceHash?: string;
    /** Create: the published zip's size in bytes, as the Lambda API reports it. */
    zipBytes?: number;
    /** CDK: the second fingerprint in the same process, which its cache answers. */
    cachedMs?: number;
}

type Measured = Omit<ChildReply, "inProcessMs" | "maxRssKb">;

/** Runs `call` and returns its result with the milliseconds it took. */
async function timed<T>(call: () => Promise<T> | T): Promise<{ result: T; ms: number }> {
    const started = process.hrtime.bigint();
    const result = await call();
    return { result, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** The check's inputs, or an error naming each failure. */
function checked(result: pulumi.dynamic.CheckResult<LayerVersionInputs>): LayerVersionInputs {
    if (result.failures && result.failures.length > 0) {
        const reasons = result.failures.map((failure) => `${failure.property}: ${failure.reason}`).join("; ");
        throw new Error(`check failed: ${reasons}`);
    }
    return result.inputs as LayerVersionInputs;
}

async function check(request: Extract<ChildRequest, { step: "check" }>): Promise<Measured & { ms: number }> {
    const provider = new LayerVersionProvider();
    // The serialized provider loads the lifecycle by name on its first call; loaded here first, the same
    // way, to tell that fixed cost apart. The step's time is both.
    const load = await timed(() => require("pulumi-lambda-layer/provider"));
    const { result, ms } = await timed(() =>
        provider.check(request.olds as unknown as LayerVersionInputs, request.inputs as unknown as LayerVersionInputs),
    );
    return { ms: load.ms + ms, loadMs: load.ms, digest: checked(result).sourceHash ?? "" };
}

/**
 * `up` of a new layer version: configure, check (untimed; it warms the digest cache, as the check
 * just before create does in the same host), then create, timed. The version is deleted afterwards,
 * untimed, so the emulator's store does not grow from run to run.
 */
async function create(request: Extract<ChildRequest, { step: "create" }>): Promise<Measured & { ms: number }> {
    const provider = new LayerVersionProvider();
    const config = { get: (key: string) => (key === "aws:region" ? request.region : undefined) };
    await provider.configure({ config } as unknown as pulumi.dynamic.ConfigureRequest);
    const raw = request.inputs as unknown as LayerVersionInputs;
    const inputs = checked(await provider.check(raw, raw));
    const { result, ms } = await timed(() => provider.create(inputs));
    const outs = result.outs as LayerVersionOutputs;
    await provider.delete(result.id, outs);
    return { ms, digest: outs.codeSha256, sourceHash: inputs.sourceHash, zipBytes: outs.codeSize };
}

async function cdkFingerprint(request: Extract<ChildRequest, { step: "cdk fingerprint" }>) {
    // Loaded before the clock starts: a CDK app has aws-cdk-lib loaded long before it fingerprints assets.
    const { FileSystem } = await import("aws-cdk-lib");
    const cold = await timed(() => FileSystem.fingerprint(request.root));
    const cached = await timed(() => FileSystem.fingerprint(request.root));
    if (cached.result !== cold.result) {
        throw new Error(`the CDK's cached fingerprint ${cached.result} differs from its cold one ${cold.result}`);
    }
    return { ms: cold.ms, digest: cold.result, cachedMs: cached.ms };
}

function runStep(request: ChildRequest): Promise<Measured & { ms: number }> {
    switch (request.step) {
        case "check":
            return check(request);
        case "create":
            return create(request);
        case "cdk fingerprint":
            return cdkFingerprint(request);
    }
}

async function main(): Promise<void> {
    const request = JSON.parse(process.argv[2]) as ChildRequest;
    const { ms, ...measured } = await runStep(request);
    const reply: ChildReply = { inProcessMs: ms, maxRssKb: process.resourceUsage().maxRSS, ...measured };
    process.stdout.write(`${JSON.stringify(reply)}\n`);
}

if (require.main === module) {
    main().catch((error: unknown) => {
        process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exitCode = 1;
    });
}
