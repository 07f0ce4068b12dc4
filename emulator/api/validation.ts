/**
 * The Lambda API's declared constraints (length, pattern, range, enum, required) and the answer AWS
 * gives when a request breaks them: a 400 ValidationException whose message lists every violation,
 * e.g. `1 validation error detected: Value 'a b' at 'layerName' failed to satisfy constraint: Member
 * must satisfy regular expression pattern: ...`. Shares nothing with provider/: the emulator judges
 * requests on its own, from the API model.
 */
import { Architecture, Runtime } from "@aws-sdk/client-lambda";
import { ApiError } from "./errors";

/** One broken constraint: the member (as AWS names it in messages), the value, and the rule. */
export interface Violation {
    field: string;
    value: unknown;
    constraint: string;
}

/** A string member's constraints, with the pattern written as the API model writes it. */
export interface TextRule {
    min?: number;
    max?: number;
    pattern?: string;
}

/** The constraints of the string members of the layer operations, from the Lambda API model. */
export const TEXT_RULES = {
    layerName: {
        min: 1,
        max: 140,
        pattern: "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+",
    },
    layerVersionArn: {
        min: 1,
        max: 140,
        pattern: "arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+",
    },
    description: { min: 0, max: 256 },
    licenseInfo: { max: 512 },
    s3Bucket: { min: 3, max: 63, pattern: "^[0-9A-Za-z\\.\\-_]*(?<!\\.)$" },
    s3Key: { min: 1, max: 1024 },
    s3ObjectVersion: { min: 1, max: 1024 },
    statementId: { min: 1, max: 100, pattern: "([a-zA-Z0-9-_]+)" },
    action: { max: 22, pattern: "lambda:GetLayerVersion" },
    principal: { pattern: "\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root" },
    organizationId: { max: 34, pattern: "o-[a-z0-9]{10,32}" },
} satisfies Record<string, TextRule>;

/** The runtimes the Lambda API accepts, as the SDK in use knows them. */
export const RUNTIMES: readonly string[] = Object.values(Runtime);
export const ARCHITECTURES: readonly string[] = Object.values(Architecture);
export const MAX_COMPATIBLE_RUNTIMES = 15;
export const MAX_COMPATIBLE_ARCHITECTURES = 2;
export const MAX_ITEMS_RANGE = { min: 1, max: 50 } as const;

const compiledPatterns = new Map<string, RegExp>();

/** AWS patterns must match the whole value. */
function matchesWhole(pattern: string, value: string): boolean {
    let regex = compiledPatterns.get(pattern);
    if (!regex) {
        regex = new RegExp(`^(?:${pattern})$`);
        compiledPatterns.set(pattern, regex);
    }
    return regex.test(value);
}

/** The constraints a string value breaks, one message per broken rule. */
function brokenTextRules(value: string, rule: TextRule): string[] {
    const broken: string[] = [];
    if (rule.max !== undefined && value.length > rule.max) {
        broken.push(`Member must have length less than or equal to ${rule.max}`);
    }
    if (rule.min !== undefined && value.length < rule.min) {
        broken.push(`Member must have length greater than or equal to ${rule.min}`);
    }
    if (rule.pattern !== undefined && !matchesWhole(rule.pattern, value)) {
        broken.push(`Member must satisfy regular expression pattern: ${rule.pattern}`);
    }
    return broken;
}

/** Violations of a string member; `undefined` is fine unless the member is required. */
export function checkText(field: string, value: string | undefined, rule: TextRule, required = false): Violation[] {
    if (value === undefined) return required ? [notNull(field)] : [];
    return brokenTextRules(value, rule).map((constraint) => ({ field, value, constraint }));
}

/** The violation of a required member that is missing. */
export function notNull(field: string): Violation {
    return { field, value: null, constraint: "Member must not be null" };
}

function enumConstraint(allowed: readonly string[]): string {
    return `Member must satisfy enum value set: [${allowed.join(", ")}]`;
}

/** Violations of a single enum member (a query filter such as CompatibleRuntime). */
export function checkEnum(field: string, value: string | undefined, allowed: readonly string[]): Violation[] {
    if (value === undefined || allowed.includes(value)) return [];
    return [{ field, value, constraint: enumConstraint(allowed) }];
}

/** Violations of a list of enum values with a maximum length (CompatibleRuntimes, CompatibleArchitectures). */
export function checkEnumList(
    field: string,
    values: readonly string[] | undefined,
    allowed: readonly string[],
    maxItems: number,
): Violation[] {
    if (values === undefined) return [];
    const violations: Violation[] = [];
    if (values.length > maxItems) {
        violations.push({
            field,
            value: values,
            constraint: `Member must have length less than or equal to ${maxItems}`,
        });
    }
    if (values.some((value) => !allowed.includes(value))) {
        violations.push({
            field,
            value: values,
            constraint: `Member must satisfy constraint: [${enumConstraint(allowed)}]`,
        });
    }
    return violations;
}

/** Violations of an integer member with a range (MaxItems). */
export function checkRange(field: string, value: number | undefined, range: { min: number; max: number }): Violation[] {
    if (value === undefined) return [];
    if (value > range.max)
        return [{ field, value, constraint: `Member must have value less than or equal to ${range.max}` }];
    if (value < range.min)
        return [{ field, value, constraint: `Member must have value greater than or equal to ${range.min}` }];
    return [];
}

function describeValue(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return `'[${value.join(", ")}]'`;
    return `'${String(value)}'`;
}

/** The ValidationException AWS answers for these violations, or undefined when there are none. */
export function validationError(violations: readonly Violation[]): ApiError | undefined {
    if (violations.length === 0) return undefined;
    const count = violations.length === 1 ? "1 validation error" : `${violations.length} validation errors`;
    const details = violations
        .map((v) => `Value ${describeValue(v.value)} at '${v.field}' failed to satisfy constraint: ${v.constraint}`)
        .join("; ");
    return new ApiError("ValidationException", `${count} detected: ${details}`);
}

/** Throws the ValidationException for these violations, if any. */
export function rejectViolations(violations: readonly Violation[]): void {
    const error = validationError(violations);
    if (error) throw error;
}
