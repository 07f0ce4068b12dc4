/**
 * AWS's answers -> the state Pulumi stores: the outputs after create or read, and the inputs read
 * returns so that the next diff compares against what is really there. Pure: no I/O.
 */
import type {
    GetLayerVersionPolicyResponse,
    GetLayerVersionResponse,
    PublishLayerVersionResponse,
} from "@aws-sdk/client-lambda";
import { sameSet, sameText } from "./diff";
import { permissionsFromPolicy, samePermissions } from "./policy";
import { LayerVersionInputs, LayerVersionOutputs } from "../types";

/** What GetLayerVersion and PublishLayerVersion answer (the same fields). */
export type LayerVersionResponse = GetLayerVersionResponse | PublishLayerVersionResponse;

/** What GetLayerVersionPolicy answers; absent when the version has no policy. */
export type LayerVersionPolicyResponse = Pick<GetLayerVersionPolicyResponse, "Policy" | "RevisionId">;

/** A state field that is not an input: what AWS reports about the version. */
export type OutputOnlyField = Exclude<keyof LayerVersionOutputs, keyof LayerVersionInputs>;

/**
 * `list` as it is, when it names every member of `T`; otherwise a compile error that names the ones missing.
 * (Its elements are already checked to be members of `T`.)
 */
function everyOneOf<T extends string>() {
    return <const L extends readonly T[]>(
        list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> }),
    ): L => list;
}

/** Every state field that is not an input: the compiler checks that this lists all of them, and no other. */
export const OUTPUT_ONLY_FIELDS = everyOneOf<OutputOnlyField>()([
    "arn",
    "layerArn",
    "version",
    "codeSha256",
    "codeSize",
    "createdDate",
    "policy",
    "revisionId",
    "signingJobArn",
    "signingProfileVersionArn",
]);

/** The policy's fields, which change in place; the others describe the version itself, which cannot change. */
const POLICY_FIELDS: readonly OutputOnlyField[] = ["policy", "revisionId"];

const isOutputOnly = (key: string): boolean => (OUTPUT_ONLY_FIELDS as readonly string[]).includes(key);

function isPlainObject(value: unknown): value is Record<string, unknown> {
    if (typeof value !== "object" || value === null) return false;
    const prototype = Object.getPrototypeOf(value);
    return prototype === Object.prototype || prototype === null;
}

/**
 * A deep copy without `undefined`: object fields that are undefined are left out, and so are undefined
 * array elements. Pulumi's host cannot store undefined ("Unexpected struct type") and fails the call
 * after the resource was created. Values other than plain objects and arrays are kept as they are.
 */
export function stripUndefined<T>(value: T): T {
    if (Array.isArray(value)) {
        return value.filter((element) => element !== undefined).map(stripUndefined) as T;
    }
    if (isPlainObject(value)) {
        const defined = Object.entries(value).filter(([, field]) => field !== undefined);
        return Object.fromEntries(defined.map(([key, field]) => [key, stripUndefined(field)])) as T;
    }
    return value;
}

/**
 * AWS's value, unless the previous one means the same (`""` vs absent, `[]` vs absent, another order, the
 * other spelling of a principal): then the previous one, so the state keeps the user's spelling and
 * refresh shows no change where diff would see none.
 */
function preferSame<T>(
    previous: T | undefined,
    actual: T | undefined,
    same: (a: T | undefined, b: T | undefined) => boolean,
): T | undefined {
    return same(previous, actual) ? previous : actual;
}

/** A field the state cannot do without; its absence is named with the layer and the operation that answered. */
function required<T>(value: T | undefined, field: string, answeredBy: { layerName: string; operation: string }): T {
    if (value === undefined || value === null) {
        throw new Error(
            `layer "${answeredBy.layerName}": ${answeredBy.operation} answered without ${field}, which the state needs: ` +
                "the endpoint does not answer as the Lambda API does (check AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL)",
        );
    }
    return value;
}

/**
 * The state after PublishLayerVersion or GetLayerVersion (`operation`, named in errors): the inputs, plus
 * what AWS reports about the version, plus its policy (`policy`, `revisionId`) when one is given.
 * Description, license and the compatible lists are AWS's (in the inputs' spelling when equivalent).
 * `Content.Location`, a pre-signed download URL, is never stored. Throws, naming the operation and the
 * field, when the answer lacks the version's identity or content fingerprint.
 */
export function outputsFromAws(
    inputs: LayerVersionInputs,
    version: LayerVersionResponse,
    policy: LayerVersionPolicyResponse | undefined,
    operation: "PublishLayerVersion" | "GetLayerVersion",
): LayerVersionOutputs {
    const content = version.Content ?? {};
    const answeredBy = { layerName: inputs.layerName, operation };
    const outputs: LayerVersionOutputs = {
        ...inputs,
        ...describedByAws(inputs, version),
        arn: required(version.LayerVersionArn, "LayerVersionArn", answeredBy),
        layerArn: required(version.LayerArn, "LayerArn", answeredBy),
        version: required(version.Version, "Version", answeredBy),
        codeSha256: required(content.CodeSha256, "Content.CodeSha256", answeredBy),
        codeSize: required(content.CodeSize, "Content.CodeSize", answeredBy),
        createdDate: required(version.CreatedDate, "CreatedDate", answeredBy),
        policy: policy?.Policy || undefined,
        revisionId: policy?.RevisionId || undefined,
        signingJobArn: content.SigningJobArn || undefined,
        signingProfileVersionArn: content.SigningProfileVersionArn || undefined,
    };
    return stripUndefined(outputs);
}

/** The inputs AWS stores on the version, as AWS reports them. */
function describedByAws(previous: LayerVersionInputs, version: LayerVersionResponse): Partial<LayerVersionInputs> {
    return {
        description: preferSame(previous.description, version.Description, sameText),
        licenseInfo: preferSame(previous.licenseInfo, version.LicenseInfo, sameText),
        compatibleRuntimes: preferSame(previous.compatibleRuntimes, version.CompatibleRuntimes, sameSet),
        compatibleArchitectures: preferSame(previous.compatibleArchitectures, version.CompatibleArchitectures, sameSet),
    };
}

/**
 * The inputs that describe what is really there, for `read` (refresh): description, license, compatible
 * runtimes and architectures from GetLayerVersion, permissions from GetLayerVersionPolicy (none when
 * `policy` is absent, i.e. a 404), each in the previous spelling when it means the same; everything else
 * (content, layerName, region, retainOnDelete, sourceHash) from the previous state, since a version's
 * content cannot change. `previous` may be the stored outputs: their output-only fields are left out.
 */
export function inputsFromAws(
    previous: LayerVersionInputs | LayerVersionOutputs,
    version: LayerVersionResponse,
    policy?: LayerVersionPolicyResponse,
): LayerVersionInputs {
    const previousInputs = Object.fromEntries(
        Object.entries(previous).filter(([key]) => !isOutputOnly(key)),
    ) as LayerVersionInputs;
    const inputs: LayerVersionInputs = {
        ...previousInputs,
        ...describedByAws(previousInputs, version),
        permissions: preferSame(previousInputs.permissions, permissionsFromPolicy(policy?.Policy), samePermissions),
    };
    return stripUndefined(inputs);
}

/**
 * The state after an in-place update: the version itself did not change, so what AWS reported about it
 * carries over; the inputs are the new ones and the policy is the reconciled one.
 */
export function outputsAfterUpdate(
    olds: LayerVersionOutputs,
    news: LayerVersionInputs,
    policy: LayerVersionPolicyResponse,
): LayerVersionOutputs {
    const versionFields = OUTPUT_ONLY_FIELDS.filter((field) => !POLICY_FIELDS.includes(field));
    const carried = Object.fromEntries(versionFields.map((field) => [field, olds[field]]));
    return stripUndefined({
        ...news,
        ...(carried as Pick<LayerVersionOutputs, OutputOnlyField>),
        policy: policy.Policy,
        revisionId: policy.RevisionId,
    });
}
