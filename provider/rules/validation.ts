/**
 * Input rules for `check`: the shape and the Lambda API limits of every input, reported before any API
 * call, and the canonical form the rest of the provider works with. Pure: no I/O. Unknown values (preview) are skipped, never judged.
 */
import * as limits from "./limits";
import { stripUndefined } from "./outputs";
import { InputFailure, LayerVersionInputs } from "../types";
import { isUnknown } from "./unknowns";
import { canonicalPrefix, DEFAULT_INCLUDE, patternProblem, prefixFailure } from "./entryNames";
import { buildTargetFailures } from "./buildInputs";
import { stagingFailures } from "./staging";
import { closestName } from "./suggestions";

/** Judges one value found at `path`; returns nothing when it is fine. */
type Check = (value: unknown, path: string) => InputFailure[];

/** A property of an object: its check, and when it is required, what is expected in its place. */
interface Field {
    check: Check;
    required?: string;
}

const LAMBDA = "the Lambda API";
const CONTENT_INPUTS = ["source", "zipFile", "s3", "build"];
/** Set by the engine (`__provider`) or by `check` itself (`sourceHash`), never typed by users. */
const RESERVED_INPUTS = ["__provider", "sourceHash"];

function fail(property: string, reason: string): InputFailure {
    return { property, reason };
}

/** `null` counts as absent: Pulumi programs use it to leave an input unset. */
function isAbsent(value: unknown): value is null | undefined {
    return value === undefined || value === null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
    if (Array.isArray(value)) return "an array";
    if (value === null) return "null";
    if (typeof value === "string") return `the string ${quote(value)}`;
    return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function quote(value: string): string {
    return JSON.stringify(value);
}

/** Checks a value that may be unknown (skipped) or absent (a failure only if the field is required). */
function checkField(value: unknown, path: string, field: Field): InputFailure[] {
    if (isUnknown(value)) return [];
    if (isAbsent(value)) return field.required ? [fail(path, `${path} is required: ${field.required}`)] : [];
    return field.check(value, path);
}

function propertyPath(parent: string, key: string): string {
    return parent ? `${parent}.${key}` : key;
}

/** Names that are not fields of the object: a typo such as `descripton` must not be silently ignored. */
function unknownNames(
    value: Record<string, unknown>,
    path: string,
    fields: Record<string, Field>,
    ignored: string[] = [],
): InputFailure[] {
    const allowed = Object.keys(fields);
    return Object.keys(value)
        .filter((name) => !allowed.includes(name) && !ignored.includes(name))
        .map((name) => {
            const where = path ? `a property of ${path}` : "an input of LayerVersion";
            const suggestion = closestName(name, allowed);
            const hint = suggestion ? `did you mean ${suggestion}?` : `the accepted names are: ${allowed.join(", ")}`;
            return fail(propertyPath(path, name), `${name} is not ${where}; ${hint}`);
        });
}

/** An object whose fields are checked one by one; names outside `fields` are failures. */
function object(fields: Record<string, Field>, rules: Check[] = []): Check {
    return (value, path) => {
        if (!isPlainObject(value)) {
            return [
                fail(path, `${path} must be an object with ${Object.keys(fields).join(", ")}; got ${describe(value)}`),
            ];
        }
        const fieldFailures = Object.entries(fields).flatMap(([key, field]) =>
            checkField(value[key], propertyPath(path, key), field),
        );
        return [...unknownNames(value, path, fields), ...fieldFailures, ...rules.flatMap((rule) => rule(value, path))];
    };
}

interface TextRule {
    min?: number;
    max?: number;
    pattern?: RegExp;
    /** What a value matching the pattern is, for messages: "`value` is not <expected>". */
    expected?: string;
}

/** A string within the Lambda API's length limits and pattern. */
function text(rule: TextRule): Check {
    return (value, path) => {
        if (typeof value !== "string") {
            const length = rule.max === undefined ? "" : ` of ${rule.min ?? 0}-${rule.max} characters`;
            return [fail(path, `${path} must be a string${length}; got ${describe(value)}`)];
        }
        if (rule.max !== undefined && value.length > rule.max) {
            return [fail(path, `${path} is ${value.length} characters; ${LAMBDA} allows at most ${rule.max}`)];
        }
        if (rule.min !== undefined && value.length < rule.min) {
            const size = value.length === 0 ? "empty" : `${value.length} characters`;
            return [fail(path, `${path} is ${size}; ${LAMBDA} requires at least ${rule.min}`)];
        }
        if (rule.pattern && !rule.pattern.test(value)) {
            return [fail(path, `${path} ${quote(value)} is not ${rule.expected}`)];
        }
        return [];
    };
}

/** A non-empty string; `what` says what it stands for. */
function nonEmpty(what: string): Check {
    return (value, path) => {
        if (typeof value !== "string")
            return [fail(path, `${path} must be ${what} (a non-empty string); got ${describe(value)}`)];
        return value === "" ? [fail(path, `${path} is empty; it must be ${what}`)] : [];
    };
}

const boolean: Check = (value, path) =>
    typeof value === "boolean" ? [] : [fail(path, `${path} must be true or false; got ${describe(value)}`)];

/**
 * One of a fixed set of strings, e.g. the Runtime enum. A string near a known name gets a suggestion
 * instead of the whole list; `otherwise` says what to do when none is near (default: the list).
 */
function oneOf(
    allowed: readonly string[],
    noun: string,
    otherwise = `it must be one of: ${allowed.join(", ")}`,
): Check {
    return (value, path) => {
        if (typeof value === "string" && allowed.includes(value)) return [];
        const suggestion = typeof value === "string" ? closestName(value, allowed) : undefined;
        const hint = suggestion ? `did you mean ${quote(suggestion)}?` : otherwise;
        return [
            fail(path, `${path} ${typeof value === "string" ? quote(value) : describe(value)} is not ${noun}; ${hint}`),
        ];
    };
}

interface ListRule {
    element: Check;
    max?: number;
    /** Why an empty list is wrong; absent when `[]` is fine. */
    emptyReason?: string;
    /** What one entry is called, when each may appear only once. */
    uniqueNoun?: string;
}

/** An array whose known elements are each checked (`null` included); unknown elements are skipped. */
function list(rule: ListRule): Check {
    return (value, path) => {
        if (!Array.isArray(value)) {
            const most = rule.max === undefined ? "" : ` of at most ${rule.max} entries`;
            return [fail(path, `${path} must be an array${most}; got ${describe(value)}`)];
        }
        if (rule.max !== undefined && value.length > rule.max) {
            return [fail(path, `${path} has ${value.length} entries; ${LAMBDA} allows at most ${rule.max}`)];
        }
        if (value.length === 0 && rule.emptyReason) {
            return [fail(path, `${path} is empty; ${rule.emptyReason}`)];
        }
        // A null element is not "absent": it is a wrong value in the list.
        const elementFailures = value.flatMap((element, index) =>
            isUnknown(element) ? [] : rule.element(element, `${path}[${index}]`),
        );
        const repeats = rule.uniqueNoun ? repeated(value, path, (element) => element, rule.uniqueNoun) : [];
        return [...elementFailures, ...repeats];
    };
}

/**
 * Each known key that was already seen earlier in the list is a failure at the later index; `suffix`
 * names the field the key comes from (e.g. `.statementId`).
 */
function repeated(
    values: unknown[],
    path: string,
    keyOf: (value: unknown) => unknown,
    noun: string,
    suffix = "",
): InputFailure[] {
    const firstIndex = new Map<string, number>();
    return values.flatMap((value, index) => {
        const key = keyOf(value);
        if (typeof key !== "string" || isUnknown(key)) return [];
        const first = firstIndex.get(key);
        if (first === undefined) {
            firstIndex.set(key, index);
            return [];
        }
        const at = `${path}[${index}]${suffix}`;
        return [fail(at, `${at} ${quote(key)} repeats ${path}[${first}]${suffix}; each ${noun} may appear only once`)];
    });
}

/** `source.prefix`: a relative POSIX folder inside the zip, such as `nodejs/` or `python/`. */
const prefix: Check = (value, path) => {
    if (typeof value !== "string")
        return [fail(path, `${path} must be a string such as "nodejs/"; got ${describe(value)}`)];
    const failure = prefixFailure(value, path);
    return failure ? [fail(path, failure)] : [];
};

/** One `include` / `exclude` pattern: a non-empty glob that stays inside source.path. */
const pattern: Check = (value, path) => {
    const failures = nonEmpty("a glob pattern such as **/*.js")(value, path);
    if (failures.length) return failures;
    const problem = patternProblem(value as string);
    return problem ? [fail(path, `${path} ${quote(value as string)} ${problem}`)] : [];
};

const globs = (emptyReason?: string): Check => list({ element: pattern, emptyReason });

const sourceCheck = object({
    path: { check: nonEmpty("the directory to package"), required: "the directory to package" },
    include: { check: globs("it must list at least one glob pattern (leave it out to include every file)") },
    exclude: { check: globs() },
    prefix: { check: prefix },
    followSymlinks: { check: boolean },
    defaultExcludes: { check: boolean },
    allowAnyLayout: { check: boolean },
});

/** An environment variable's name, as POSIX shells accept it. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const buildCheck = object({
    tool: { check: oneOf(["npm", "pip"], "a build tool"), required: '"npm" or "pip"' },
    path: {
        check: nonEmpty("the folder that holds package.json and package-lock.json, or requirements.txt"),
        required: "the folder that holds package.json and package-lock.json, or requirements.txt",
    },
    args: { check: list({ element: nonEmpty("an argument for the tool") }) },
    env: {
        check: list({
            element: text({ pattern: ENV_NAME, expected: "an environment variable name such as PIP_INDEX_URL" }),
            uniqueNoun: "variable name",
        }),
    },
    rebuildTrigger: { check: text({}) },
});

const s3Check = object({
    bucket: {
        check: text({
            min: limits.S3_BUCKET_MIN_LENGTH,
            max: limits.S3_BUCKET_MAX_LENGTH,
            pattern: limits.S3_BUCKET_PATTERN,
            expected: "an S3 bucket name: letters, digits, '.', '-' and '_', not ending with '.'",
        }),
        required: `the S3 bucket name (${limits.S3_BUCKET_MIN_LENGTH}-${limits.S3_BUCKET_MAX_LENGTH} characters)`,
    },
    key: {
        check: text({ min: 1, max: limits.S3_KEY_MAX_LENGTH }),
        required: `the S3 object key (1-${limits.S3_KEY_MAX_LENGTH} characters)`,
    },
    objectVersion: { check: text({ min: 1, max: limits.S3_KEY_MAX_LENGTH }) },
});

const principalText = `a 12-digit account id, "*" or arn:aws:iam::<12-digit account id>:root`;

/** `organizationId` narrows a grant to everyone (`*`) down to one organization; with an account it means nothing. */
const organizationOnlyWithStar: Check = (value, path) => {
    const permission = value as Record<string, unknown>;
    const { principal, organizationId } = permission;
    // An unknown value may still resolve to "*" or to nothing: only known values are judged.
    if (isAbsent(organizationId) || isUnknown(organizationId) || typeof principal !== "string" || isUnknown(principal))
        return [];
    if (principal === "*") return [];
    const at = `${path}.organizationId`;
    return [fail(at, `${at} is only allowed with principal "*"; principal is ${quote(principal)}`)];
};

const permissionCheck = object(
    {
        statementId: {
            check: text({
                min: limits.STATEMENT_ID_MIN_LENGTH,
                max: limits.STATEMENT_ID_MAX_LENGTH,
                pattern: limits.STATEMENT_ID_PATTERN,
                expected: "made of [a-zA-Z0-9-_]",
            }),
            required: `${limits.STATEMENT_ID_MIN_LENGTH}-${limits.STATEMENT_ID_MAX_LENGTH} characters of [a-zA-Z0-9-_]`,
        },
        principal: {
            check: text({ pattern: limits.PRINCIPAL_PATTERN, expected: principalText }),
            required: principalText,
        },
        organizationId: {
            check: text({
                pattern: limits.ORGANIZATION_ID_PATTERN,
                expected: "an organization id of the form o-[a-z0-9]{10,32}",
            }),
        },
    },
    [organizationOnlyWithStar],
);

const permissionsCheck: Check = (value, path) => {
    const failures = list({ element: permissionCheck })(value, path);
    if (!Array.isArray(value)) return failures;
    const statementIdOf = (permission: unknown) => (isPlainObject(permission) ? permission.statementId : undefined);
    return [
        ...failures,
        ...repeated(value, path, statementIdOf, "statementId (it keys the layer version's policy)", ".statementId"),
    ];
};

/** Every input, with its rule. */
const INPUTS: Record<string, Field> = {
    layerName: {
        check: text({
            min: limits.LAYER_NAME_MIN_LENGTH,
            max: limits.LAYER_NAME_MAX_LENGTH,
            pattern: limits.LAYER_NAME_PATTERN,
            expected:
                "a layer name made of [a-zA-Z0-9-_] or a layer ARN (arn:aws:lambda:<region>:<12-digit account id>:layer:<name>)",
        }),
        required: `the layer's name, ${limits.LAYER_NAME_MIN_LENGTH}-${limits.LAYER_NAME_MAX_LENGTH} characters of [a-zA-Z0-9-_], or its ARN`,
    },
    source: { check: sourceCheck },
    zipFile: { check: nonEmpty("the path of a zip file") },
    s3: { check: s3Check },
    build: { check: buildCheck },
    description: { check: text({ min: 0, max: limits.DESCRIPTION_MAX_LENGTH }) },
    licenseInfo: { check: text({ min: 0, max: limits.LICENSE_INFO_MAX_LENGTH }) },
    compatibleRuntimes: {
        check: list({
            element: oneOf(
                limits.RUNTIMES,
                "a Lambda runtime",
                "use a runtime identifier of the Lambda API such as nodejs22.x, python3.13 or provided.al2023 " +
                    "(one AWS added after this release of @aws-sdk/client-lambda needs a newer one)",
            ),
            max: limits.COMPATIBLE_RUNTIMES_MAX,
            uniqueNoun: "runtime",
        }),
    },
    compatibleArchitectures: {
        check: list({
            element: oneOf(
                limits.ARCHITECTURES,
                "a Lambda architecture",
                `${LAMBDA} accepts: ${limits.ARCHITECTURES.join(", ")}`,
            ),
            max: limits.COMPATIBLE_ARCHITECTURES_MAX,
            uniqueNoun: "architecture",
        }),
    },
    permissions: { check: permissionsCheck },
    retainOnDelete: { check: boolean },
    region: {
        check: text({
            pattern: limits.REGION_PATTERN,
            expected: "an AWS region code such as us-east-1 or us-gov-west-1",
        }),
    },
    staging: { check: stagingFailures },
};

/** Exactly one of `source`, `zipFile`, `s3`, `build` says where the content comes from. */
function contentChoice(news: Record<string, unknown>): InputFailure[] {
    // An unknown one may resolve to a value or to nothing: the choice is judged once all are known.
    if (CONTENT_INPUTS.some((name) => isUnknown(news[name]))) return [];
    const given = CONTENT_INPUTS.filter((name) => !isAbsent(news[name]));
    if (given.length === 1) return [];
    const rule =
        "exactly one of source (a directory), zipFile (a zip on disk), s3 (an object in S3) or build (dependencies built from a lockfile) is required";
    return given.length === 0
        ? [fail(CONTENT_INPUTS.join(", "), `${rule}; none was given`)]
        : [fail(given.join(", "), `${rule}; ${given.join(" and ")} were given`)];
}

/**
 * Every problem with the inputs: unknown names, wrong types, values beyond the Lambda API's limits, and
 * the rules between inputs. Each failure names the property path (e.g. `permissions[2].principal`) and,
 * in its reason, the value's problem and the limit. Unknown values are skipped.
 */
export function validateInputs(news: Record<string, unknown>): InputFailure[] {
    const fieldFailures = Object.entries(INPUTS).flatMap(([name, field]) => checkField(news[name], name, field));
    const failures = [...unknownNames(news, "", INPUTS, RESERVED_INPUTS), ...contentChoice(news), ...fieldFailures];
    return failures.length ? failures : buildTargetFailures(news);
}

/** `nodejs` and `nodejs/` are the same folder: the canonical form ends with `/`; `""` means no prefix. */
function normalizePrefix(value: unknown): unknown {
    if (typeof value !== "string" || isUnknown(value)) return value;
    return canonicalPrefix(value) || undefined;
}

/** A copy without the absent (`null`/`undefined`) properties. */
function presentOnly(value: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(value).filter(([, field]) => !isAbsent(field)));
}

function normalizeSource(source: unknown): unknown {
    if (!isPlainObject(source)) return source;
    const present = presentOnly(source);
    return { ...present, include: present.include ?? [...DEFAULT_INCLUDE], prefix: normalizePrefix(present.prefix) };
}

function normalizePermissions(permissions: unknown): unknown {
    if (!Array.isArray(permissions)) return permissions;
    return permissions.map((permission) => (isPlainObject(permission) ? presentOnly(permission) : permission));
}

/**
 * The canonical inputs that `check` returns and that hashing and diff read. Call it on inputs that
 * passed `validateInputs`. It drops absent (`null`/`undefined`) values and names that are not inputs,
 * defaults `source.include` to `["**\/*"]`, writes `source.prefix` with a trailing `/` (`""` means none),
 * and leaves everything else as given: principals keep their spelling, arrays their order, and `[]` stays
 * `[]` (diff treats `[]` and absent, `""` and absent, as equal). `sourceHash` is dropped: `check` computes
 * it from the content. Unknown values are kept as they are, so during preview a field typed as an object
 * may hold the unknown sentinel string.
 */
export function normalizeInputs(news: Record<string, unknown>): LayerVersionInputs {
    const inputs = presentOnly(Object.fromEntries(Object.keys(INPUTS).map((name) => [name, news[name]])));
    const normalized = {
        ...inputs,
        source: normalizeSource(inputs.source),
        permissions: normalizePermissions(inputs.permissions),
        staging: isPlainObject(inputs.staging) ? presentOnly(inputs.staging) : inputs.staging,
    };
    return stripUndefined(normalized) as unknown as LayerVersionInputs;
}
