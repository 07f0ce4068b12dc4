/**
 * The resource's lifecycle: what each of Pulumi's calls (check, diff, create, read, update, delete)
 * does for a layer version. This module is loaded from the installed package at call time by the small
 * serialized provider (layerVersionProvider.ts), so upgrading the package upgrades this behaviour even for
 * stacks whose state holds an old provider. Check and diff run here with no network call; the steps that
 * call AWS live in deployment.ts, loaded on first use, so that a preview loads no AWS client.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { LayerVersionInputs, LayerVersionOutputs } from "./types";
import { validateInputs, normalizeInputs } from "./rules/validation";
import { containsUnknown, UNKNOWN } from "./rules/unknowns";
import { diffLayerVersion } from "./rules/diff";
import { stripUndefined } from "./rules/outputs";
import { hashContent } from "./hashing/contentCheck";
import { fingerprintBuild } from "./build/buildFingerprint";

/**
 * What the provider learned in `configure`: the stack's `aws:region`, the region chain's last resort,
 * and the stack's staging bucket and prefix (`pulumi-lambda-layer:stagingBucket` / `stagingPrefix`).
 */
export interface ProviderSettings {
    stackRegion?: string;
    stagingBucket?: string;
    stagingPrefix?: string;
}

/**
 * Validates every input (no API call) and fingerprints the content into `sourceHash`. Unknown values
 * (during preview) are neither validated nor hashed: the hash becomes unknown too, so the diff shows
 * the version may be replaced.
 */
export async function check(
    _olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.CheckResult<LayerVersionInputs>> {
    const failures = validateInputs(news);
    if (failures.length) {
        return { inputs: news as unknown as LayerVersionInputs, failures };
    }
    const inputs = normalizeInputs(news);
    if (inputs.s3) {
        return { inputs: stripUndefined(inputs) };
    }
    // A build's target comes from the runtimes and architectures: unknown ones leave its fingerprint unknown.
    const buildTargetUnknown =
        inputs.build !== undefined &&
        (containsUnknown(inputs.compatibleRuntimes) || containsUnknown(inputs.compatibleArchitectures));
    if (
        containsUnknown(inputs.source) ||
        containsUnknown(inputs.zipFile) ||
        containsUnknown(inputs.build) ||
        buildTargetUnknown
    ) {
        return { inputs: stripUndefined({ ...inputs, sourceHash: UNKNOWN }) };
    }
    if (inputs.build) {
        const built = await fingerprintBuild(inputs, process.cwd());
        if ("failure" in built) return { inputs, failures: [built.failure] };
        const { log } = require("@pulumi/pulumi") as typeof pulumi;
        built.warnings.forEach((warning) => log.warn(warning));
        return { inputs: stripUndefined({ ...inputs, sourceHash: built.sourceHash }) };
    }
    const hashed = await hashContent(inputs, process.cwd());
    return "failure" in hashed
        ? { inputs, failures: [hashed.failure] }
        : { inputs: stripUndefined({ ...inputs, sourceHash: hashed.sourceHash }) };
}

/** Decides replace / update / nothing from the recorded state and the checked inputs; no network call. */
export async function diff(
    _id: string,
    olds: LayerVersionOutputs,
    news: LayerVersionInputs,
): Promise<pulumi.dynamic.DiffResult> {
    return diffLayerVersion(olds, news);
}

/**
 * Publishes the version, then grants its permissions; a failed create leaves nothing behind
 * (deployment.ts).
 */
export async function create(
    inputs: LayerVersionInputs,
    settings: ProviderSettings,
): Promise<pulumi.dynamic.CreateResult<LayerVersionOutputs>> {
    return (await import("./deployment")).create(inputs, settings);
}

/** `pulumi refresh`: the live version and its policy; a version that is gone returns no id. */
export async function read(
    id: string,
    props: LayerVersionOutputs | undefined,
): Promise<pulumi.dynamic.ReadResult<LayerVersionOutputs>> {
    return (await import("./deployment")).read(id, props);
}

/** Reconciles permissions in place; a `retainOnDelete` or `staging` change alone makes no call. */
export async function update(
    id: string,
    olds: LayerVersionOutputs,
    news: LayerVersionInputs,
): Promise<pulumi.dynamic.UpdateResult<LayerVersionOutputs>> {
    return (await import("./deployment")).update(id, olds, news);
}

/** DeleteLayerVersion, unless the version is retained. */
export async function remove(id: string, props: LayerVersionOutputs): Promise<void> {
    return (await import("./deployment")).remove(id, props);
}
