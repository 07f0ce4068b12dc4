/**
 * The plain shapes the provider works with: inputs as the engine hands them over (every
 * `pulumi.Input<>` already resolved) and the outputs it stores in state. The SDK re-exports them.
 */

import type { Architecture, Runtime } from "@aws-sdk/client-lambda";

/** A runtime identifier the Lambda API knows (its `Runtime` enum), e.g. `nodejs22.x`, `python3.13`. */
export type KnownRuntime = Runtime;

/**
 * A layer's compatible runtime: one of {@link KnownRuntime} (editors complete them), or any other string
 * for a runtime AWS adds after this release (check still judges it against the installed SDK's list).
 */
export type LayerRuntime = KnownRuntime | (string & Record<never, never>);

/** An instruction set the Lambda API knows: `x86_64` or `arm64`. */
export type KnownArchitecture = Architecture;

/** Where the layer's content comes from when it is a local directory. */
export interface LayerSource {
    /** The directory to package. Relative paths resolve against the Pulumi program's directory. */
    path: string;
    /** Glob patterns (fast-glob syntax, `/` separators) of files to include. Default `["**\/*"]`. */
    include?: string[];
    /** Glob patterns of files to leave out. */
    exclude?: string[];
    /** Prepended to every entry name in the zip, e.g. `nodejs/` or `python/`. */
    prefix?: string;
    /** Follow symlinks that point outside `path`. Off by default: a link to `~/.aws` is never published by accident. */
    followSymlinks?: boolean;
    /**
     * Leave out what is never layer content: `.git/`, `.hg/`, `.svn/`, `__pycache__/`, `*.pyc` and
     * `.DS_Store`, at any depth. `false` packages them like any other file.
     * @default true
     */
    defaultExcludes?: boolean;
    /**
     * Publish a layout that no declared runtime can load (e.g. `node_modules/` at the zip's root for a
     * `nodejs*` runtime, or a doubled `nodejs/nodejs/` prefix), which `check` otherwise refuses.
     * @default false
     */
    allowAnyLayout?: boolean;
}

/**
 * A dependency tree built for the Lambda platform from a lockfile, with no Docker: npm or pip is run with
 * the target's OS, CPU and libc (or Python version and wheel platform tags), so that native packages
 * are the ones Lambda can load. The result goes where Lambda looks: `nodejs/node_modules/` (npm) or
 * `python/` (pip). Needs exactly one of `compatibleArchitectures`, and for pip a `python3.x` runtime in
 * `compatibleRuntimes`.
 */
export interface LayerBuild {
    /** `npm` runs `npm ci --omit=dev` (npm 10.3 or later); `pip` runs `python3 -m pip install --target`. */
    tool: "npm" | "pip";
    /**
     * The folder that holds `package.json` and `package-lock.json` (npm; an `.npmrc` there is used too),
     * or `requirements.txt` (pip). Relative paths resolve against the Pulumi program's directory.
     */
    path: string;
    /** Extra arguments for the tool, after the ones the provider sets. Hashed: changing them builds again. */
    args?: string[];
    /**
     * Names of environment variables whose values change the result (e.g. `PIP_INDEX_URL`): their values
     * are hashed, never stored, so that a change builds again. The tool always runs with the provider's
     * environment; these names only decide what counts as a change.
     */
    env?: string[];
    /** Any string: changing it builds and publishes again, with no other change. */
    rebuildTrigger?: string;
}

/** Layer content that is already in S3. */
export interface LayerS3Content {
    bucket: string;
    key: string;
    objectVersion?: string;
}

/**
 * Where the zip goes on its way to Lambda when it is too big to send directly (or always, with mode
 * `always`): an S3 bucket in the layer's region, under a content-addressed key. Not content: changing
 * these settings publishes nothing.
 */
export interface LayerStaging {
    /** The bucket (it must exist, in the layer's region); it is never created. */
    bucket: string;
    /**
     * Prepended to every key: `<prefix><layerName>/<sha256 of the zip>.zip`.
     * @default the stack config `pulumi-lambda-layer:stagingPrefix`, else no prefix
     */
    prefix?: string;
    /**
     * `auto` sends a zip that fits the direct-upload limit inline and stages the others; `always` stages
     * every zip; `never` sends every zip inline, so a zip over the limit fails.
     * @default "auto"
     */
    mode?: "auto" | "always" | "never";
    /** The 12-digit account that must own the bucket; S3 refuses every request otherwise. */
    expectedBucketOwner?: string;
    /**
     * Server-side encryption to ask for on upload, for buckets or policies that demand the header.
     * @default the bucket's default encryption
     */
    serverSideEncryption?: "AES256" | "aws:kms";
    /** The KMS key (id, alias or ARN) for `serverSideEncryption: "aws:kms"`. @default the account's aws/s3 key */
    kmsKeyId?: string;
    /** The staged object's storage class, e.g. `STANDARD` or `INTELLIGENT_TIERING`. @default "STANDARD" */
    storageClass?: string;
    /** Keep the staged object after the publish (Lambda keeps its own copy either way). @default false */
    keepObject?: boolean;
}

/** One grant of `lambda:GetLayerVersion` on the layer version. */
export interface LayerPermission {
    /** 1-100 characters, `[a-zA-Z0-9-_]+`; the key by which permissions are compared. */
    statementId: string;
    /**
     * A 12-digit account id, `*`, or `arn:aws:iam::<id>:root`. After a refresh, a statement that this model
     * cannot express (a Deny, another action, several principals, another condition) shows here as
     * `foreign statement: <its JSON>`; the next update removes it.
     */
    principal: string;
    /** With principal `*` only: limit the grant to this AWS Organization (`o-` followed by 10-32 characters). */
    organizationId?: string;
}

/** The resource's inputs as the provider sees them. Exactly one of `source`, `zipFile`, `s3`, `build`. */
export interface LayerVersionInputs {
    layerName: string;
    source?: LayerSource;
    zipFile?: string;
    s3?: LayerS3Content;
    build?: LayerBuild;
    description?: string;
    licenseInfo?: string;
    compatibleRuntimes?: LayerRuntime[];
    compatibleArchitectures?: KnownArchitecture[];
    permissions?: LayerPermission[];
    retainOnDelete?: boolean;
    region?: string;
    /**
     * S3 staging of the zip for big layers.
     * @default the stack config `pulumi-lambda-layer:stagingBucket` (and `stagingPrefix`), mode `auto`
     */
    staging?: LayerStaging;
    /**
     * Hex sha256 of the content: set by `check` for `source` and `zipFile`, and of the build's inputs for
     * `build`; drives replacement.
     * Not meant to be set by users.
     */
    sourceHash?: string;
}

/** What the provider stores in state: every input, plus what AWS reports about the version. */
export interface LayerVersionOutputs extends LayerVersionInputs {
    /** The LayerVersionArn; also the resource id. */
    arn: string;
    /** The layer's ARN without the version. */
    layerArn: string;
    version: number;
    /** Base64 sha256 of the zip, as AWS computes it. */
    codeSha256: string;
    codeSize: number;
    createdDate: string;
    /** The version's resource policy as a JSON string, absent when there is none. */
    policy?: string;
    /** The policy's revision, absent when there is no policy. */
    revisionId?: string;
    signingJobArn?: string;
    signingProfileVersionArn?: string;
}

/** A check failure that names the property at fault. */
export interface InputFailure {
    property: string;
    reason: string;
}
