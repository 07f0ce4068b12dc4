/**
 * The Lambda calls that grant, revoke and read a layer version's permissions. Every change passes the
 * policy's RevisionId, so a change made by someone else since it was read fails loudly
 * (PreconditionFailedException) instead of being overwritten.
 */
import {
    AddLayerVersionPermissionCommand,
    GetLayerVersionPolicyCommand,
    LambdaClient,
    RemoveLayerVersionPermissionCommand,
} from "@aws-sdk/client-lambda";
import type { LayerPermission } from "../types";
import type { LayerVersionPolicyResponse } from "../rules/outputs";
import type { LayerVersionRef } from "../rules/layerVersionRef";
import { callLambda, callLambdaOrMissing } from "./lambdaClient";
import { planPermissionChanges, policyFromStatements } from "../rules/policy";

/** The calls' shared context: who the errors name, which client and which version. */
export interface PermissionTarget {
    layerName: string;
    client: LambdaClient;
    ref: LayerVersionRef;
}

/** GetLayerVersionPolicy; a version with no policy (404) has none. */
export async function readPolicy(target: PermissionTarget): Promise<LayerVersionPolicyResponse> {
    const answer = await callLambdaOrMissing(target.layerName, "GetLayerVersionPolicy", () =>
        target.client.send(
            new GetLayerVersionPolicyCommand({ LayerName: target.ref.layerArn, VersionNumber: target.ref.version }),
        ),
    );
    return { Policy: answer?.Policy, RevisionId: answer?.RevisionId };
}

/**
 * Adds each permission in turn (one call each, the RevisionId chained from answer to answer) and
 * returns the resulting policy, assembled from the statements AWS returned: no extra read needed.
 */
export async function grantPermissions(
    target: PermissionTarget,
    permissions: LayerPermission[],
    revisionId: string | undefined,
): Promise<LayerVersionPolicyResponse> {
    const statements: string[] = [];
    let revision = revisionId;
    for (const permission of permissions) {
        const answer = await callLambda(target.layerName, `AddLayerVersionPermission "${permission.statementId}"`, () =>
            target.client.send(
                new AddLayerVersionPermissionCommand({
                    LayerName: target.ref.layerArn,
                    VersionNumber: target.ref.version,
                    StatementId: permission.statementId,
                    Action: "lambda:GetLayerVersion",
                    Principal: permission.principal,
                    OrganizationId: permission.organizationId,
                    RevisionId: revision,
                }),
            ),
        );
        statements.push(answer.Statement as string);
        revision = answer.RevisionId;
    }
    return statements.length ? { Policy: policyFromStatements(statements), RevisionId: revision } : {};
}

/**
 * Brings the version's permissions from `current` to `desired`: removes what is no longer wanted
 * (or changed), then adds what is missing, and reads the final policy back for the state.
 */
export async function reconcilePermissions(
    target: PermissionTarget,
    current: LayerPermission[],
    desired: LayerPermission[],
    revisionId: string | undefined,
): Promise<LayerVersionPolicyResponse> {
    const plan = planPermissionChanges(current, desired);
    let revision = revisionId;
    for (const statementId of plan.remove) {
        await callLambda(target.layerName, `RemoveLayerVersionPermission "${statementId}"`, () =>
            target.client.send(
                new RemoveLayerVersionPermissionCommand({
                    LayerName: target.ref.layerArn,
                    VersionNumber: target.ref.version,
                    StatementId: statementId,
                    RevisionId: revision,
                }),
            ),
        );
        // A removal answers with no body, so the next guarded call needs the revision it left behind.
        revision = (await readPolicy(target)).RevisionId;
    }
    await grantPermissions(target, plan.add, revision);
    return readPolicy(target);
}
