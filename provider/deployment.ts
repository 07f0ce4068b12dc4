/**
 * The deployment steps of the lifecycle: create, read (`pulumi refresh`), update and delete, the ones
 * that call AWS. lifecycle.ts loads this module only when one of them runs, so a preview (check and
 * diff) loads no AWS client.
 */
import type * as pulumi from "@pulumi/pulumi";
import { DeleteLayerVersionCommand, GetLayerVersionCommand, PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import type { LayerPermission, LayerVersionInputs, LayerVersionOutputs } from "./types";
import type { ProviderSettings } from "./lifecycle";
import {
    outputsFromAws,
    inputsFromAws,
    outputsAfterUpdate,
    stripUndefined,
    LayerVersionPolicyResponse,
} from "./rules/outputs";
import { permissionsFromPolicy, permissionsToRestore, samePermissions } from "./rules/policy";
import {
    awsErrorCode,
    callLambda,
    callLambdaOrMissing,
    createLambdaClient,
    LambdaCallError,
    requestNeverSent,
    resolveRegion,
} from "./aws/lambdaClient";
import { parseLayerVersionArn, LayerVersionRef } from "./rules/layerVersionRef";
import { preparePublishContent, type PublishContent } from "./content/publishContent";
import { publishReadAdvice } from "./aws/s3Staging";
import { elapsed, logProgress } from "./local/progressLog";
import { grantPermissions, readPolicy, reconcilePermissions, PermissionTarget } from "./aws/permissionSync";
import {
    abandonPublish,
    beginPublish,
    finishPublish,
    recordVersion,
    recoverInterruptedPublishes,
    reportPossibleDuplicates,
} from "./aws/publishJournal";

/**
 * Publishes the version, then grants its permissions. Transactional: when anything after the publish
 * fails, the new version is deleted before the error is raised, so a failed create leaves nothing.
 * A create that never returns (the process killed) is covered by the publish journal: the next create
 * or delete of the same layer on this machine deletes the version it published (publishJournal.ts).
 */
export async function create(
    inputs: LayerVersionInputs,
    settings: ProviderSettings,
): Promise<pulumi.dynamic.CreateResult<LayerVersionOutputs>> {
    const region = await resolveRegion(inputs.region, settings.stackRegion);
    const client = createLambdaClient(region);
    await recoverInterruptedPublishes(inputs.layerName, region, client);
    const content = await preparePublishContent(inputs, region, {
        bucket: settings.stagingBucket,
        prefix: settings.stagingPrefix,
    });
    try {
        return await publish(inputs, region, client, content);
    } finally {
        await content.release();
    }
}

/** The publish itself, journaled, and the grants; `content` is already where Lambda reads it. */
async function publish(
    inputs: LayerVersionInputs,
    region: string,
    client: ReturnType<typeof createLambdaClient>,
    content: PublishContent,
): Promise<pulumi.dynamic.CreateResult<LayerVersionOutputs>> {
    const { codeSha256 } = content;
    const intent = await beginPublish({
        layerName: inputs.layerName,
        region,
        codeSha256,
        settings: {
            description: inputs.description,
            licenseInfo: inputs.licenseInfo,
            compatibleRuntimes: inputs.compatibleRuntimes,
            compatibleArchitectures: inputs.compatibleArchitectures,
        },
    });
    const startedAt = performance.now();
    logProgress(inputs.layerName, `publishing (${content.route})`);
    const published = await callLambda(inputs.layerName, "PublishLayerVersion", () =>
        client.send(
            new PublishLayerVersionCommand({
                LayerName: inputs.layerName,
                Content: content.content,
                Description: inputs.description,
                LicenseInfo: inputs.licenseInfo,
                CompatibleRuntimes:
                    inputs.compatibleRuntimes as PublishLayerVersionCommand["input"]["CompatibleRuntimes"],
                CompatibleArchitectures:
                    inputs.compatibleArchitectures as PublishLayerVersionCommand["input"]["CompatibleArchitectures"],
            }),
        ),
    ).catch(async (error: LambdaCallError) => {
        // Unless AWS refused the one and only attempt, or it never left this machine, an attempt may have published: the next create looks.
        await (publishMayHaveLanded(error) ? abandonPublish(intent) : finishPublish(intent));
        if (content.staged && error.httpStatus !== undefined && error.httpStatus < 500) {
            error.message += publishReadAdvice(content.staged);
        }
        throw error;
    });
    const arn = published.LayerVersionArn as string;
    // Recorded before anything else: the ARN reaches the disk the moment the answer is in.
    const journal = recordVersion(intent, arn);
    logProgress(inputs.layerName, `published ${arn} in ${elapsed(startedAt)}`);
    await reportPossibleDuplicates(journal, published, client);
    const target: PermissionTarget = { layerName: inputs.layerName, client, ref: parseLayerVersionArn(arn) };
    try {
        assertPublishedBytes(inputs.layerName, codeSha256, published.Content?.CodeSha256);
        const policy = await grantPermissions(target, inputs.permissions ?? [], undefined);
        await finishPublish(journal);
        return { id: arn, outs: stripUndefined(outputsFromAws(inputs, published, policy, "PublishLayerVersion")) };
    } catch (error) {
        await deleteVersion(inputs.layerName, target.ref).then(
            () => finishPublish(journal),
            async (cleanupError: Error) => {
                await abandonPublish(journal);
                (error as Error).message +=
                    `; the new version ${arn} could not be deleted either (${cleanupError.message}): ` +
                    "the next create or delete of this layer on this machine deletes it, or delete it by hand with aws lambda delete-layer-version";
            },
        );
        throw error;
    }
}

/** The version must hold the zip that was built: a different CodeSha256 means other bytes reached Lambda. */
function assertPublishedBytes(layerName: string, expected: string | undefined, actual: string | undefined): void {
    if (expected !== undefined && actual !== expected) {
        throw new Error(
            `layer "${layerName}": the published version's CodeSha256 is ${actual}, not the zip's ${expected}: ` +
                "other bytes reached Lambda (the staged object was replaced in between?); the version is deleted; run the command again",
        );
    }
}

/**
 * False when nothing was published: AWS refused the publish at its single attempt (a 4xx), or the single
 * attempt never left this machine (no credentials, the endpoint refused the connection or has no address).
 */
function publishMayHaveLanded(error: LambdaCallError): boolean {
    if ((error.attempts ?? 1) > 1) {
        return true;
    }
    const status = error.httpStatus;
    return status === undefined ? !requestNeverSent(error.cause) : status >= 500;
}

/**
 * `pulumi refresh`: the live version and its policy. A version that is gone returns no id, so Pulumi
 * drops it from the state and the next `up` publishes again.
 */
export async function read(
    id: string,
    props: LayerVersionOutputs | undefined,
): Promise<pulumi.dynamic.ReadResult<LayerVersionOutputs>> {
    if (!props) {
        throw new Error(
            `reading ${id} needs its recorded state: \`pulumi import\` does not work for dynamic resources`,
        );
    }
    const ref = parseLayerVersionArn(id);
    const client = createLambdaClient(ref.region);
    const live = await callLambdaOrMissing(props.layerName, "GetLayerVersion", () =>
        client.send(new GetLayerVersionCommand({ LayerName: ref.layerArn, VersionNumber: ref.version })),
    );
    if (!live) {
        return {};
    }
    const policy = await readPolicy({ layerName: props.layerName, client, ref });
    const inputs = inputsFromAws(props, live, policy);
    // ReadResult types `inputs` as the outputs type; what the engine needs there is the inputs.
    const readInputs = stripUndefined(inputs) as LayerVersionOutputs;
    return { id, props: stripUndefined(outputsFromAws(inputs, live, policy, "GetLayerVersion")), inputs: readInputs };
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
        policy = await changePermissions(target, current, desired, olds.revisionId, true);
    }
    return { outs: outputsAfterUpdate(olds, news, policy) };
}

/**
 * reconcilePermissions, made safe to fail part-way: Pulumi keeps the old state when update throws, so
 * whatever this update changed is put back before the error is raised. A stale RevisionId whose policy
 * still grants what the state records (as after such a rollback) guards nothing: the change goes on
 * from the live revision, once. A policy changed by someone else is a conflict: it fails loudly, and
 * nothing is put back, since what is live is not surely this update's doing.
 */
async function changePermissions(
    target: PermissionTarget,
    current: LayerPermission[],
    desired: LayerPermission[],
    revisionId: string | undefined,
    mayRebase: boolean,
): Promise<LayerVersionPolicyResponse> {
    try {
        return await reconcilePermissions(target, current, desired, revisionId);
    } catch (error) {
        const live = await readPolicy(target).catch(() => undefined);
        const unchanged = live !== undefined && samePermissions(permissionsFromPolicy(live.Policy), current);
        const conflict = awsErrorCode(error) === "PreconditionFailedException";
        if (conflict && unchanged && mayRebase) {
            return changePermissions(target, current, desired, live.RevisionId, false);
        }
        if (conflict || unchanged) {
            throw error;
        }
        throw await rolledBack(target, current, desired, live, error as Error);
    }
}

/** Puts back what a failed update changed, and says in `error` whether the state still matches AWS. */
async function rolledBack(
    target: PermissionTarget,
    current: LayerPermission[],
    desired: LayerPermission[],
    live: LayerVersionPolicyResponse | undefined,
    error: Error,
): Promise<Error> {
    try {
        if (!live) {
            throw new Error("the policy could not be read back");
        }
        const livePermissions = permissionsFromPolicy(live.Policy);
        await reconcilePermissions(
            target,
            livePermissions,
            permissionsToRestore(current, desired, livePermissions),
            live.RevisionId,
        );
        error.message +=
            "; the permissions this update had changed were put back, so the stack's state still matches AWS";
    } catch (rollbackError) {
        error.message +=
            `; putting back the permissions it had changed failed too (${(rollbackError as Error).message}): ` +
            "run `pulumi refresh` to record the permissions as they are, then `pulumi up`";
    }
    return error;
}

/** DeleteLayerVersion, unless the version is retained; a version already gone counts as deleted. */
export async function remove(id: string, props: LayerVersionOutputs): Promise<void> {
    const ref = parseLayerVersionArn(id);
    // `pulumi destroy` may be the last run that touches this layer: it recovers interrupted publishes too.
    await recoverInterruptedPublishes(props.layerName, ref.region, createLambdaClient(ref.region));
    if (props.retainOnDelete) {
        return;
    }
    await deleteVersion(props.layerName, ref);
}

async function deleteVersion(layerName: string, ref: LayerVersionRef): Promise<void> {
    const client = createLambdaClient(ref.region);
    await callLambdaOrMissing(layerName, "DeleteLayerVersion", () =>
        client.send(new DeleteLayerVersionCommand({ LayerName: ref.layerArn, VersionNumber: ref.version })),
    );
}
