/**
 * The diff decision: with no network call, does the change need a new
 * layer version (replace), only a permissions/retention update in place, or nothing? Layer versions are
 * immutable, so every property AWS stores on the version replaces; only the policy and our own
 * `retainOnDelete` can change in place.
 */
import { samePermissions } from "./policy";
import { LayerS3Content, LayerVersionInputs, LayerVersionOutputs } from "../types";
import { containsUnknown } from "./unknowns";
import { regionOfLayerVersionArn } from "./layerVersionRef";
import { sameStaging } from "./staging";

/** The answer Pulumi's dynamic provider host expects from `diff`. */
export interface LayerVersionDiff {
    /** True when anything changes, in place or by replacement. */
    changes: boolean;
    /** The top-level inputs whose change needs a new version, sorted. */
    replaces: string[];
    /** Always false: the new version is published before the old one is deleted (Pulumi's default). */
    deleteBeforeReplace: false;
}

/** `undefined` and `""` both mean "no text": AWS drops an empty description. */
export function sameText(a: string | undefined, b: string | undefined): boolean {
    return (a ?? "") === (b ?? "");
}

/** Lists compared as sets: order and repeats do not matter, and absent equals `[]`. */
export function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
    const left = new Set(a ?? []);
    const right = new Set(b ?? []);
    return left.size === right.size && [...left].every((value) => right.has(value));
}

function sameS3(a: LayerS3Content | undefined, b: LayerS3Content | undefined): boolean {
    return a?.bucket === b?.bucket && a?.key === b?.key && a?.objectVersion === b?.objectVersion;
}

/**
 * A region given in `news` is compared with where the version really lives (its ARN), so spelling out the
 * region it already is in changes nothing. A region left out means "whatever the AWS settings say at run
 * time", which diff cannot see without I/O: it is compared as given, so dropping an explicit region replaces.
 */
function sameRegion(olds: Partial<LayerVersionOutputs>, news: LayerVersionInputs): boolean {
    if (news.region === undefined) return olds.region === undefined;
    return news.region === (regionOfLayerVersionArn(olds.arn) ?? olds.region);
}

type Olds = Partial<LayerVersionOutputs>;
/** True when the property did not change from `olds` to `news`. */
type Same = (olds: Olds, news: LayerVersionInputs) => boolean;

/**
 * `source`, `zipFile` and `build` are judged by the `sourceHash` of their content (a build's: of its inputs)
 * alone: a moved directory, a renamed zip or reordered globs with the same bytes are no change. They still count as changed while
 * they hold an unknown value (preview), since the content they will name is not known yet.
 */
const judgedBySourceHash: Same = () => true;

/** Properties whose change publishes a new version; `s3` content is judged by its location. */
const REPLACE_RULES: Record<string, Same> = {
    sourceHash: (olds, news) => olds.sourceHash === news.sourceHash,
    source: judgedBySourceHash,
    zipFile: judgedBySourceHash,
    build: judgedBySourceHash,
    s3: (olds, news) => sameS3(olds.s3, news.s3),
    layerName: (olds, news) => olds.layerName === news.layerName,
    description: (olds, news) => sameText(olds.description, news.description),
    licenseInfo: (olds, news) => sameText(olds.licenseInfo, news.licenseInfo),
    compatibleRuntimes: (olds, news) => sameSet(olds.compatibleRuntimes, news.compatibleRuntimes),
    compatibleArchitectures: (olds, news) => sameSet(olds.compatibleArchitectures, news.compatibleArchitectures),
    region: sameRegion,
};

/**
 * Properties that change in place: the version's policy, whether delete keeps the version, and how the
 * zip travels (staging is not content).
 */
const UPDATE_RULES: Record<string, Same> = {
    permissions: (olds, news) => samePermissions(olds.permissions, news.permissions),
    retainOnDelete: (olds, news) => Boolean(olds.retainOnDelete) === Boolean(news.retainOnDelete),
    staging: (olds, news) => sameStaging(olds.staging, news.staging),
};

/** The properties that changed. A property holding an unknown value (preview) counts as changed, as in Pulumi. */
function changed(rules: Record<string, Same>, olds: Olds, news: LayerVersionInputs): string[] {
    const newsByName = news as unknown as Record<string, unknown>;
    return Object.entries(rules)
        .filter(([name, same]) => containsUnknown(newsByName[name]) || !same(olds, news))
        .map(([name]) => name);
}

/**
 * Compares the state (`olds`: outputs, or inputs) with the checked inputs (`news`, as `normalizeInputs`
 * and `check` return them): the properties in REPLACE_RULES publish a new version, those in UPDATE_RULES
 * change in place. No I/O.
 */
export function diffLayerVersion(
    olds: LayerVersionOutputs | LayerVersionInputs,
    news: LayerVersionInputs,
): LayerVersionDiff {
    const replaces = changed(REPLACE_RULES, olds, news).sort();
    const updates = changed(UPDATE_RULES, olds, news);
    return { changes: replaces.length > 0 || updates.length > 0, replaces, deleteBeforeReplace: false };
}
