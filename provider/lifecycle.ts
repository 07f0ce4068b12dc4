/**
 * The resource's lifecycle: what each of Pulumi's calls (check, diff, create, read, update, delete)
 * does for a layer version. This module is loaded from the installed package at call time by the small
 * serialized provider (layerVersionProvider.ts), so upgrading the package upgrades this behaviour even for
 * stacks whose state holds an old provider.
 */
import type * as pulumi from "@pulumi/pulumi";
import { DeleteLayerVersionCommand, GetLayerVersionByArnCommand, PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import type { LayerVersionInputs, LayerVersionOutputs } from "./types";
import { validateInputs, normalizeInputs } from "./validation";
import { containsUnknown, UNKNOWN } from "./unknowns";
import { diffLayerVersion } from "./diff";
import { outputsFromAws, inputsFromAws, outputsAfterUpdate, stripUndefined, LayerVersionPolicyResponse } from "./outputs";
import { permissionsFromPolicy, samePermissions } from "./policy";
import { callLambda, callLambdaOrMissing, createLambdaClient, resolveRegion } from "./lambdaClient";
import { parseLayerVersionArn, LayerVersionRef } from "./layerVersionRef";
import { buildLayerContent } from "./layerContent";
import { grantPermissions, readPolicy, reconcilePermissions, PermissionTarget } from "./permissionSync";
import { hashContent } from "./contentCheck";

/** What the provider learned in `configure`: the stack's `aws:region`, the region chain's last resort. */
export interface ProviderSettings {
    stackRegion?: string;
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
    if (containsUnknown(inputs.source) || containsUnknown(inputs.zipFile)) {
        return { inputs: stripUndefined({ ...inputs, sourceHash: UNKNOWN }) };
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
 * Publishes the version, then grants its permissions. Transactional: when anything after the publish
 * fails, the new version is deleted before the error is raised, so a failed create leaves nothing.
 */
export async function create(
    inputs: LayerVersionInputs,
    settings: ProviderSettings,
): Promise<pulumi.dynamic.CreateResult<LayerVersionOutputs>> {
    const region = await resolveRegion(inputs.region, settings.stackRegion);
    const client = createLambdaClient(region);
    const content = await buildLayerContent(inputs);
    const published = await callLambda(inputs.layerName, "PublishLayerVersion", () =>
        client.send(
            new PublishLayerVersionCommand({
                LayerName: inputs.layerName,
                Content: content,
                Description: inputs.description,
                LicenseInfo: inputs.licenseInfo,
                CompatibleRuntimes: inputs.compatibleRuntimes as PublishLayerVersionCommand["input"]["CompatibleRuntimes"],
                CompatibleArchitectures:
                    inputs.compatibleArchitectures as PublishLayerVersionCommand["input"]["CompatibleArchitectures"],
            }),
        ),
    );
    const arn = published.LayerVersionArn as string;
    const target: PermissionTarget = { layerName: inputs.layerName, client, ref: parseLayerVersionArn(arn) };
    try {
        const policy = await grantPermissions(target, inputs.permissions ?? [], undefined);
        return { id: arn, outs: stripUndefined(outputsFromAws(inputs, published, policy)) };
    } catch (error) {
        await deleteVersion(inputs.layerName, target.ref).catch((cleanupError: Error) => {
            (error as Error).message += `; the new version ${arn} could not be deleted either (${cleanupError.message}): delete it by hand`;
        });
        throw error;
    }
}

/**
 * `pulumi refresh`: the live version and its policy. A version that is gone returns no id, so Pulumi
 * drops it from the state and the next `up` publishes again.
 */
export async function read(id: string, props: LayerVersionOutputs | undefined): Promise<pulumi.dynamic.ReadResult<LayerVersionOutputs>> {
    if (!props) {
        throw new Error(`reading ${id} needs its recorded state: \`pulumi import\` does not work for dynamic resources (pulumi/pulumi#16175)`);
    }
    const ref = parseLayerVersionArn(id);
    const client = createLambdaClient(ref.region);
    const live = await callLambdaOrMissing(props.layerName, "GetLayerVersionByArn", () =>
        client.send(new GetLayerVersionByArnCommand({ Arn: id })),
    );
    if (!live) {
        return {};
    }
    const policy = await readPolicy({ layerName: props.layerName, client, ref });
    const inputs = inputsFromAws(props, live, policy);
    // ReadResult types `inputs` as the outputs type; what the engine needs there is the inputs.
    const readInputs = stripUndefined(inputs) as LayerVersionOutputs;
    return { id, props: stripUndefined(outputsFromAws(inputs, live, policy)), inputs: readInputs };
}

/** Reconciles permissions in place; a `retainOnDelete` flip alone makes no call at all. */
export async function update(
    id: string,
    olds: LayerVersionOutputs,
    news: LayerVersionInputs,
): Promise<pulumi.dynamic.UpdateResult<LayerVersionOutputs>> {
    const current = permissionsFromPolicy(olds.policy);
    const desired = news.permissions ?? [];
    let policy: LayerVersionPolicyResponse = { Policy: olds.policy, RevisionId: olds.revisionId };
    if (!samePermissions(current, desired)) {
        const ref = parseLayerVersionArn(id);
        const target = { layerName: news.layerName, client: createLambdaClient(ref.region), ref };
        policy = await reconcilePermissions(target, current, desired, olds.revisionId);
    }
    return { outs: outputsAfterUpdate(olds, news, policy) };
}

/** DeleteLayerVersion, unless the version is retained; a version already gone counts as deleted. */
export async function remove(id: string, props: LayerVersionOutputs): Promise<void> {
    if (props.retainOnDelete) {
        return;
    }
    await deleteVersion(props.layerName, parseLayerVersionArn(id));
}

async function deleteVersion(layerName: string, ref: LayerVersionRef): Promise<void> {
    const client = createLambdaClient(ref.region);
    await callLambdaOrMissing(layerName, "DeleteLayerVersion", () =>
        client.send(new DeleteLayerVersionCommand({ LayerName: ref.layerArn, VersionNumber: ref.version })),
    );
}
