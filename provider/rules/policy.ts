/**
 * A layer version's resource policy <-> the `permissions` input. AWS writes a grant to account
 * `123456789012` back as `{"AWS":"arn:aws:iam::123456789012:root"}`, so principals are compared in a
 * canonical form: the account id. Pure: no I/O.
 */
import { LAYER_PERMISSION_ACTION, PRINCIPAL_PATTERN } from "./limits";
import { LayerPermission } from "../types";

/** An account's root principal in any partition (`aws`, `aws-cn`, `aws-us-gov`, ...). */
const ROOT_PRINCIPAL = /^arn:aws[a-zA-Z-]*:iam::(\d{12}):root$/;

/** The condition key AWS writes for AddLayerVersionPermission's `OrganizationId`. */
const ORGANIZATION_CONDITION_KEY = "aws:PrincipalOrgID";

/** The statements to remove (by statementId) and the permissions to add, in that order, to go from one set to another. */
export interface PermissionChanges {
    remove: string[];
    add: LayerPermission[];
}

/** `arn:aws:iam::123456789012:root` -> `123456789012`; any other principal (`*`, an account id) as it is. */
export function canonicalPrincipal(principal: string): string {
    return ROOT_PRINCIPAL.exec(principal)?.[1] ?? principal;
}

function byStatementId(a: LayerPermission, b: LayerPermission): number {
    return compareStrings(a.statementId, b.statementId);
}

/** Code-unit order: the same on every machine, whatever the locale. */
function compareStrings(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

function malformed(what: string): Error {
    return new Error(`The layer version's policy is malformed: ${what}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** IAM lets a single value stand alone or in a one-element array. */
function singleString(value: unknown): string | undefined {
    if (typeof value === "string") return value;
    return Array.isArray(value) && value.length === 1 && typeof value[0] === "string" ? value[0] : undefined;
}

function statementsOf(policyJson: string): unknown[] {
    let document: unknown;
    try {
        document = JSON.parse(policyJson);
    } catch (error) {
        throw malformed(`it is not JSON (${(error as Error).message})`);
    }
    if (!isObject(document)) throw malformed("it is not a JSON object");
    const { Statement } = document;
    // IAM allows one statement on its own as well as a list of them.
    if (isObject(Statement)) return [Statement];
    if (!Array.isArray(Statement)) throw malformed("it has no Statement list");
    return Statement;
}

function principalOf(principal: unknown, at: string): string {
    const value = principal === "*" ? "*" : isObject(principal) ? singleString(principal.AWS) : undefined;
    if (value === undefined || !PRINCIPAL_PATTERN.test(value)) {
        throw malformed(
            `${at}.Principal is ${JSON.stringify(principal)}; expected "*" or {"AWS": one account id, "*" or arn:aws:iam::<account id>:root}`,
        );
    }
    return canonicalPrincipal(value);
}

/** The organization of a `StringEquals` `aws:PrincipalOrgID` condition; no other condition can come from the Lambda API. */
function organizationOf(condition: unknown, at: string): string | undefined {
    if (condition === undefined) return undefined;
    const organizationId =
        isObject(condition) &&
        Object.keys(condition).length === 1 &&
        isObject(condition.StringEquals) &&
        Object.keys(condition.StringEquals).length === 1
            ? singleString(condition.StringEquals[ORGANIZATION_CONDITION_KEY])
            : undefined;
    if (organizationId === undefined) {
        throw malformed(
            `${at}.Condition is ${JSON.stringify(condition)}; expected {"StringEquals": {"${ORGANIZATION_CONDITION_KEY}": "o-..."}}`,
        );
    }
    return organizationId;
}

function permissionOf(statement: unknown, index: number): LayerPermission {
    const at = `Statement[${index}]`;
    if (!isObject(statement)) throw malformed(`${at} is not an object`);
    const { Sid, Effect, Action, Principal, Condition } = statement;
    if (typeof Sid !== "string" || Sid === "") throw malformed(`${at} has no Sid`);
    if (Effect !== "Allow")
        throw malformed(`${at}.Effect is ${JSON.stringify(Effect)}; a layer permission can only be "Allow"`);
    if (singleString(Action) !== LAYER_PERMISSION_ACTION) {
        throw malformed(
            `${at}.Action is ${JSON.stringify(Action)}; a layer permission grants only "${LAYER_PERMISSION_ACTION}"`,
        );
    }
    const organizationId = organizationOf(Condition, at);
    const principal = principalOf(Principal, at);
    return organizationId === undefined
        ? { statementId: Sid, principal }
        : { statementId: Sid, principal, organizationId };
}

/**
 * The permissions a GetLayerVersionPolicy document grants, sorted by statementId: principals in canonical
 * form, `organizationId` from the `aws:PrincipalOrgID` condition. No policy (`undefined` or `""`) grants
 * none. Throws an Error naming the statement and field when the document is not one the Lambda API writes.
 */
export function permissionsFromPolicy(policyJson: string | undefined): LayerPermission[] {
    if (policyJson === undefined || policyJson === "") return [];
    const permissions = statementsOf(policyJson).map(permissionOf).sort(byStatementId);
    const repeated = permissions.find(
        (permission, index) => index > 0 && permissions[index - 1].statementId === permission.statementId,
    );
    if (repeated) throw malformed(`the Sid ${JSON.stringify(repeated.statementId)} appears in more than one statement`);
    return permissions;
}

/**
 * The policy document AWS would return for these statements, each one as AddLayerVersionPermission
 * answers it (a JSON string), so create can record the policy without another call. Throws, like
 * `permissionsFromPolicy`, when a statement is not one the Lambda API writes.
 */
export function policyFromStatements(statements: readonly string[]): string {
    const parsed = statements.map((statement, index) => {
        try {
            return JSON.parse(statement) as unknown;
        } catch (error) {
            throw malformed(`Statement[${index}] is not JSON (${(error as Error).message})`);
        }
    });
    const policy = JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: parsed });
    permissionsFromPolicy(policy);
    return policy;
}

/** Two grants with the same statementId are the same when principal (canonically) and organization match. */
function sameGrant(a: LayerPermission, b: LayerPermission): boolean {
    return (
        canonicalPrincipal(a.principal) === canonicalPrincipal(b.principal) &&
        (a.organizationId ?? "") === (b.organizationId ?? "")
    );
}

/** The entries of `from` that `to` lacks or grants differently (same statementId, other principal or organization). */
function notIn(from: readonly LayerPermission[], to: readonly LayerPermission[]): LayerPermission[] {
    const toById = new Map(to.map((permission) => [permission.statementId, permission]));
    return from.filter((permission) => {
        const counterpart = toById.get(permission.statementId);
        return counterpart === undefined || !sameGrant(permission, counterpart);
    });
}

/**
 * What turns `current` into `desired`, keyed by statementId: statements no longer wanted are removed;
 * missing ones are added; one whose principal or organization changed is removed and added again (AWS
 * cannot edit a statement). Principals compare canonically. Absent lists count as empty.
 */
export function planPermissionChanges(
    current: readonly LayerPermission[] | undefined,
    desired: readonly LayerPermission[] | undefined,
): PermissionChanges {
    const currentList = current ?? [];
    const desiredList = desired ?? [];
    const remove = [...new Set(notIn(currentList, desiredList).map((permission) => permission.statementId))].sort(
        compareStrings,
    );
    const add = notIn(desiredList, currentList).sort(byStatementId);
    return { remove, add };
}

/** True when the two lists grant the same thing: the same statementIds, principals (canonically) and organizations; order and absent-vs-`[]` do not matter. */
export function samePermissions(
    a: readonly LayerPermission[] | undefined,
    b: readonly LayerPermission[] | undefined,
): boolean {
    const { remove, add } = planPermissionChanges(a, b);
    return remove.length === 0 && add.length === 0;
}

/**
 * The permissions to restore after a failed update from `current` to `desired`: each statement the
 * update touched goes back to its `current` grant where `live` shows the update's doing (the desired
 * grant, or the statement removed on the way); a statement set to a third grant meanwhile, and every
 * statement the update did not touch, stays as it is live. Pure.
 */
export function permissionsToRestore(
    current: LayerPermission[],
    desired: LayerPermission[],
    live: LayerPermission[],
): LayerPermission[] {
    const plan = planPermissionChanges(current, desired);
    const removedOnTheWay = new Set(plan.remove);
    const touched = new Set([...plan.remove, ...plan.add.map((permission) => permission.statementId)]);
    const find = (list: LayerPermission[], statementId: string) =>
        list.find((permission) => permission.statementId === statementId);
    const sameStatement = (a?: LayerPermission, b?: LayerPermission) => samePermissions(a ? [a] : [], b ? [b] : []);
    const restored = [...touched].filter((statementId) => {
        const liveGrant = find(live, statementId);
        return sameStatement(liveGrant, find(desired, statementId)) || (!liveGrant && removedOnTheWay.has(statementId));
    });
    const keptLive = live.filter((permission) => !restored.includes(permission.statementId));
    const putBack = current.filter((permission) => restored.includes(permission.statementId));
    return [...keptLive, ...putBack];
}
