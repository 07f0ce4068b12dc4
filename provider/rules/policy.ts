/**
 * A layer version's resource policy <-> the `permissions` input. AWS writes a grant to account
 * `123456789012` back as `{"AWS":"arn:aws:iam::123456789012:root"}`, so principals are compared in a
 * canonical form: the account id. Pure: no I/O.
 */
import { LAYER_PERMISSION_ACTION, PRINCIPAL_PATTERN } from "./limits";
import { LayerPermission } from "../types";

/** An account's root principal in any partition (`aws`, `aws-cn`, `aws-us-gov`, ...). */
const ROOT_PRINCIPAL = /^arn:aws[a-zA-Z-]*:iam::(\d{12}):root$/;

/** The condition key AWS writes for AddLayerVersionPermission's `OrganizationId` (IAM keys ignore case). */
const ORGANIZATION_CONDITION_KEY = "aws:principalorgid";

/**
 * How a statement that the `permissions` model cannot express (a Deny, another action, several principals,
 * a service principal, another condition) appears in `permissions`: under its Sid, with this prefix and the
 * statement's JSON in place of a principal. Check refuses such a principal, so no declared permission
 * matches it: the next diff shows the drift and the next update removes the statement by its Sid, as it
 * does any permission added out of band.
 */
export const FOREIGN_STATEMENT_PREFIX = "foreign statement: ";

/** The statementId of a statement that has no Sid: no Lambda call can remove it, and the update says so. */
function missingSid(index: number): string {
    return `(no Sid) Statement[${index}]`;
}

/** How much of a policy that is not JSON an error shows. */
const SHOWN_TEXT_MAX = 500;

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

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** IAM lets a single value stand alone or in a one-element array. */
function singleString(value: unknown): string | undefined {
    if (typeof value === "string") return value;
    return Array.isArray(value) && value.length === 1 && typeof value[0] === "string" ? value[0] : undefined;
}

function shown(text: string): string {
    return JSON.stringify(text.length > SHOWN_TEXT_MAX ? `${text.slice(0, SHOWN_TEXT_MAX)}...` : text);
}

/** The document's statements; only text that is not a JSON policy document at all is an error. */
function statementsOf(policyJson: string): unknown[] {
    let document: unknown;
    try {
        document = JSON.parse(policyJson);
    } catch (error) {
        throw new Error(
            `The layer version's policy is not JSON (${(error as Error).message}); the endpoint answered ${shown(policyJson)}`,
            { cause: error },
        );
    }
    if (!isObject(document)) {
        throw new Error(`The layer version's policy is not a JSON object; the endpoint answered ${shown(policyJson)}`);
    }
    const { Statement } = document;
    // IAM allows one statement on its own as well as a list of them; a document without any grants nothing.
    if (Statement === undefined) return [];
    return Array.isArray(Statement) ? Statement : [Statement];
}

/**
 * The one principal a layer permission can name, in canonical form: `*`, an account id, or an account's
 * root ARN, written as a plain string (as some local mocks do) or as `{"AWS": ...}` with one value.
 * Anything else (several principals, a service, a role) is undefined.
 */
function principalOf(principal: unknown): string | undefined {
    const value = isObject(principal)
        ? Object.keys(principal).length === 1
            ? singleString(principal.AWS)
            : undefined
        : singleString(principal);
    return value !== undefined && PRINCIPAL_PATTERN.test(value) ? canonicalPrincipal(value) : undefined;
}

/**
 * What a condition says in the model's terms: `{}` for none, `{ organizationId }` for `StringEquals` on
 * `aws:PrincipalOrgID` with one value, undefined for any other condition.
 */
function conditionOf(condition: unknown): { organizationId?: string } | undefined {
    if (condition === undefined) return {};
    if (!isObject(condition) || Object.keys(condition).length !== 1 || !isObject(condition.StringEquals)) {
        return undefined;
    }
    const entries = Object.entries(condition.StringEquals);
    if (entries.length !== 1 || entries[0][0].toLowerCase() !== ORGANIZATION_CONDITION_KEY) return undefined;
    const organizationId = singleString(entries[0][1]);
    return organizationId === undefined ? undefined : { organizationId };
}

/** The permission a statement grants, or its foreign entry when the model cannot express it. */
function permissionOf(statement: unknown, index: number): LayerPermission {
    const fields = isObject(statement) ? statement : {};
    const { Sid, Effect, Action, Principal, Condition } = fields;
    const hasSid = typeof Sid === "string" && Sid !== "";
    const statementId = hasSid ? Sid : missingSid(index);
    const action = singleString(Action);
    const principal = principalOf(Principal);
    const condition = conditionOf(Condition);
    const expressible =
        hasSid &&
        Effect === "Allow" &&
        action?.toLowerCase() === LAYER_PERMISSION_ACTION.toLowerCase() &&
        principal !== undefined &&
        condition !== undefined &&
        // AddLayerVersionPermission takes an organization only with principal "*".
        (condition.organizationId === undefined || principal === "*");
    if (!expressible) {
        const { Sid: _sid, Resource: _resource, ...described } = fields;
        const text = isObject(statement) ? JSON.stringify(described) : JSON.stringify(statement);
        return { statementId, principal: `${FOREIGN_STATEMENT_PREFIX}${text}` };
    }
    return condition.organizationId === undefined
        ? { statementId, principal }
        : { statementId, principal, organizationId: condition.organizationId };
}

/**
 * The permissions a GetLayerVersionPolicy document grants, sorted by statementId: principals in canonical
 * form (a plain account id, an account's root ARN, `{"AWS": ...}` with one value, `*`), `organizationId`
 * from the `StringEquals` `aws:PrincipalOrgID` condition. A statement the model cannot express becomes a
 * foreign entry ({@link FOREIGN_STATEMENT_PREFIX}), so refresh shows it and the next update removes it.
 * No policy (`undefined` or `""`) grants none. Throws, showing the text, only when the policy is not a JSON
 * object.
 */
export function permissionsFromPolicy(policyJson: string | undefined): LayerPermission[] {
    if (policyJson === undefined || policyJson === "") return [];
    return statementsOf(policyJson).map(permissionOf).sort(byStatementId);
}

/**
 * The policy document AWS would return for these statements, each one as AddLayerVersionPermission
 * answers it (a JSON string), so create can record the policy without another call. Throws when a
 * statement is not JSON.
 */
export function policyFromStatements(statements: readonly string[]): string {
    const parsed = statements.map((statement, index) => {
        try {
            return JSON.parse(statement) as unknown;
        } catch (error) {
            throw new Error(
                `AddLayerVersionPermission answered Statement[${index}] that is not JSON (${(error as Error).message}): ${shown(statement)}`,
                { cause: error },
            );
        }
    });
    return JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: parsed });
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
