/**
 * `LayerVersion`: one published version of an AWS Lambda layer, managed by Pulumi.
 */
import * as pulumi from "@pulumi/pulumi";
import { LayerVersionProvider } from "../provider/layerVersionProvider";
import type {
    KnownArchitecture,
    LayerBuild,
    LayerPermission,
    LayerRuntime,
    LayerS3Content,
    LayerSource,
    LayerStaging,
} from "../provider/types";
import { OUTPUT_ONLY_FIELDS, type OutputOnlyField } from "../provider/rules/outputs";

/** The arguments of a {@link LayerVersion}. Exactly one of `source`, `zipFile`, `s3` and `build` is required. */
export interface LayerVersionArgs {
    /** The layer's name (1-140 characters, `[a-zA-Z0-9-_]+`) or its ARN. Changing it publishes a new version. */
    layerName: pulumi.Input<string>;
    /** A local directory to package as a deterministic zip. */
    source?: pulumi.Input<LayerSource>;
    /** A prebuilt zip on disk, published byte for byte. */
    zipFile?: pulumi.Input<string>;
    /** Content already uploaded to S3. */
    s3?: pulumi.Input<LayerS3Content>;
    /**
     * Dependencies built for the Lambda platform from a lockfile, with no Docker: `npm ci` or `pip install`
     * run for the target's CPU (exactly one `compatibleArchitectures` entry) and, for pip, the Python
     * version of the one `python3.x` runtime. Published under `nodejs/node_modules/` or `python/`. A new
     * version is published only when the build's inputs change (lockfile, tool's major version, target,
     * `args`, the values of `env`, `rebuildTrigger`).
     */
    build?: pulumi.Input<LayerBuild>;
    /** Up to 256 characters. */
    description?: pulumi.Input<string>;
    /** Up to 512 characters: an SPDX identifier, a URL or the license text. */
    licenseInfo?: pulumi.Input<string>;
    /**
     * Up to 15 runtimes from the Lambda API's Runtime list, e.g. `nodejs22.x` (editors complete them; a
     * runtime newer than the installed SDK is accepted as a string). Compared as a set.
     */
    compatibleRuntimes?: pulumi.Input<pulumi.Input<LayerRuntime>[]>;
    /** `x86_64` and/or `arm64`. Compared as a set. */
    compatibleArchitectures?: pulumi.Input<pulumi.Input<KnownArchitecture>[]>;
    /** Grants of `lambda:GetLayerVersion`, reconciled in place (no new version) when they change. */
    permissions?: pulumi.Input<pulumi.Input<LayerPermission>[]>;
    /** Keep the version, and its permissions, in AWS when the resource is deleted or replaced. */
    retainOnDelete?: pulumi.Input<boolean>;
    /** The region to publish in; otherwise AWS_REGION, AWS_DEFAULT_REGION, the profile, or `aws:region`. */
    region?: pulumi.Input<string>;
    /**
     * An S3 bucket (in the layer's region) that carries the zip to Lambda when it is over the 50 MB
     * direct-upload limit (mode `auto`), or always (mode `always`). Changing it publishes nothing: it
     * is an in-place update with no API call.
     * @default the stack config `pulumi-lambda-layer:stagingBucket` and `pulumi-lambda-layer:stagingPrefix`,
     * mode `auto`; without a bucket, a zip over the limit fails in create before anything is published
     */
    staging?: pulumi.Input<LayerStaging>;
}

/**
 * A Lambda layer version published from local source, a prebuilt zip or S3. A new version is published
 * only when the content or the version's metadata really changes; permissions change in place; `pulumi
 * refresh` reads the live version and policy back, so drift shows.
 *
 * @example
 * ```ts
 * const deps = new LayerVersion("deps", {
 *     layerName: "shared-deps",
 *     source: { path: "./layers/deps", prefix: "nodejs/" },
 *     compatibleRuntimes: ["nodejs20.x"],
 * });
 * // use `deps.arn` in an aws.lambda.Function's `layers`
 * ```
 */
export class LayerVersion extends pulumi.dynamic.Resource {
    /** The LayerVersionArn (also the resource id): what a function's `layers` takes. */
    public readonly arn!: pulumi.Output<string>;
    /** The layer's ARN, without the version. */
    public readonly layerArn!: pulumi.Output<string>;
    /** The version number AWS assigned. */
    public readonly version!: pulumi.Output<number>;
    /** Base64 sha256 of the published zip, as AWS computes it. */
    public readonly codeSha256!: pulumi.Output<string>;
    /** The zip's size in bytes. */
    public readonly codeSize!: pulumi.Output<number>;
    /** When AWS created the version (ISO 8601). */
    public readonly createdDate!: pulumi.Output<string>;
    /** Hex sha256 fingerprint of the content (`source`, `zipFile`) or of a build's inputs: what decides a new version. */
    public readonly sourceHash!: pulumi.Output<string | undefined>;
    /** The version's resource policy as a JSON string, when it has one. */
    public readonly policy!: pulumi.Output<string | undefined>;
    /** The policy's revision, when it has one. */
    public readonly revisionId!: pulumi.Output<string | undefined>;
    /** The signing job's ARN, when the layer is signed. */
    public readonly signingJobArn!: pulumi.Output<string | undefined>;
    /** The signing profile version's ARN, when the layer is signed. */
    public readonly signingProfileVersionArn!: pulumi.Output<string | undefined>;
    public readonly layerName!: pulumi.Output<string>;
    public readonly description!: pulumi.Output<string | undefined>;
    public readonly licenseInfo!: pulumi.Output<string | undefined>;
    public readonly compatibleRuntimes!: pulumi.Output<LayerRuntime[] | undefined>;
    public readonly compatibleArchitectures!: pulumi.Output<KnownArchitecture[] | undefined>;
    public readonly permissions!: pulumi.Output<LayerPermission[] | undefined>;
    public readonly retainOnDelete!: pulumi.Output<boolean | undefined>;
    public readonly staging!: pulumi.Output<LayerStaging | undefined>;

    constructor(name: string, args: LayerVersionArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            new LayerVersionProvider(),
            name,
            { ...OUTPUT_PLACEHOLDERS, ...args },
            opts,
            "lambda-layer",
            "LayerVersion",
        );
    }
}

/**
 * Declared as undefined so that the engine fills them in as outputs: the output-only fields, and
 * `sourceHash`, which `check` sets. (`Pick` makes the compiler check that the class declares each one.)
 */
const OUTPUT_PLACEHOLDERS = Object.fromEntries(
    [...OUTPUT_ONLY_FIELDS, "sourceHash"].map((field) => [field, undefined]),
) as Record<keyof Pick<LayerVersion, OutputOnlyField | "sourceHash">, undefined>;
