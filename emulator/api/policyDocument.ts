/**
 * A layer version's resource policy: the statements AWS writes for AddLayerVersionPermission, the
 * policy document GetLayerVersionPolicy returns, and the rules for changing it (RevisionId match,
 * unique statement ids, the size limit). Pure: every function is a function of its inputs.
 */
import { partitionOf } from "./arns";
import { ApiError } from "./errors";

/** One statement, in the shape and member order AWS writes it. */
export interface PolicyStatement {
    Sid: string;
    Effect: "Allow";
    /** `"*"` for everyone, otherwise the account's root ARN. */
    Principal: { AWS: string } | "*";
    Action: string;
    Resource: string;
    Condition?: { StringEquals: { "aws:PrincipalOrgID": string } };
}

/** A layer version's policy: its statements and the revision that changes with every edit. */
export interface LayerPolicy {
    revisionId: string;
    statements: PolicyStatement[];
}

/** What AddLayerVersionPermission asks for, after its constraints have been checked. */
export interface PermissionRequest {
    statementId: string;
    action: string;
    principal: string;
    organizationId?: string;
    /** The layer version ARN the statement grants access to. */
    resource: string;
    /** The region of the layer, for the partition of a rewritten account principal. */
    region: string;
}

/** The largest policy document AWS stores, in characters of its JSON. */
export const POLICY_SIZE_LIMIT = 20480;

/** The statement AWS stores: a 12-digit account id becomes that account's root ARN. */
export function buildStatement(request: PermissionRequest): PolicyStatement {
    if (request.organizationId !== undefined && request.principal !== "*") {
        throw new ApiError(
            "InvalidParameterValueException",
            `OrganizationId can only be given with principal '*', not '${request.principal}'.`,
        );
    }
    const statement: PolicyStatement = {
        Sid: request.statementId,
        Effect: "Allow",
        Principal: principalOf(request.principal, request.region),
        Action: request.action,
        Resource: request.resource,
    };
    if (request.organizationId !== undefined) {
        statement.Condition = { StringEquals: { "aws:PrincipalOrgID": request.organizationId } };
    }
    return statement;
}

function principalOf(principal: string, region: string): PolicyStatement["Principal"] {
    if (principal === "*") return "*";
    if (/^\d{12}$/.test(principal)) return { AWS: `arn:${partitionOf(region)}:iam::${principal}:root` };
    return { AWS: principal };
}

/** The policy document as GetLayerVersionPolicy returns it (a JSON string). */
export function policyDocumentJson(statements: readonly PolicyStatement[]): string {
    return JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: statements });
}

/**
 * The policy after adding a statement.
 * @param expectedRevisionId the caller's RevisionId query parameter; when given it must be the current one.
 */
export function addStatement(
    current: LayerPolicy | undefined,
    statement: PolicyStatement,
    expectedRevisionId: string | undefined,
    newRevisionId: string,
): LayerPolicy {
    requireRevision(current, expectedRevisionId);
    const statements = current?.statements ?? [];
    if (statements.some((existing) => existing.Sid === statement.Sid)) {
        throw new ApiError(
            "ResourceConflictException",
            `The statement id (${statement.Sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
        );
    }
    const next = [...statements, statement];
    const size = policyDocumentJson(next).length;
    if (size > POLICY_SIZE_LIMIT) {
        throw new ApiError(
            "PolicyLengthExceededException",
            `The final policy size (${size}) is bigger than the limit (${POLICY_SIZE_LIMIT}).`,
        );
    }
    return { revisionId: newRevisionId, statements: next };
}

/** The policy after removing a statement; undefined once no statement is left (AWS then has no policy). */
export function removeStatement(
    current: LayerPolicy | undefined,
    statementId: string,
    expectedRevisionId: string | undefined,
    newRevisionId: string,
): LayerPolicy | undefined {
    requireRevision(current, expectedRevisionId);
    const statements = current?.statements ?? [];
    if (!statements.some((statement) => statement.Sid === statementId)) {
        throw new ApiError("ResourceNotFoundException", `Statement ${statementId} is not found in resource policy.`);
    }
    const remaining = statements.filter((statement) => statement.Sid !== statementId);
    return remaining.length === 0 ? undefined : { revisionId: newRevisionId, statements: remaining };
}

/** A given RevisionId must be the current one, so that a concurrent change is not silently overwritten. */
function requireRevision(current: LayerPolicy | undefined, expectedRevisionId: string | undefined): void {
    if (expectedRevisionId === undefined || expectedRevisionId === current?.revisionId) return;
    throw new ApiError(
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetLayerVersionPolicy API to retrieve the latest Revision Id",
    );
}
