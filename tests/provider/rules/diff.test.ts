import { expect } from "chai";
import { diffLayerVersion, sameSet, sameText } from "../../../provider/rules/diff";
import { LayerVersionInputs, LayerVersionOutputs } from "../../../provider/types";
import { UNKNOWN } from "../../../provider/rules/unknowns";

const HASH = "ab".repeat(32);
const OTHER_HASH = "cd".repeat(32);

const INPUTS: LayerVersionInputs = {
    layerName: "my-layer",
    source: { path: "./layer", include: ["**/*"], exclude: ["**/*.md", "test/**"], prefix: "nodejs/" },
    sourceHash: HASH,
    description: "shared code",
    licenseInfo: "MIT",
    compatibleRuntimes: ["nodejs20.x", "nodejs22.x"],
    compatibleArchitectures: ["x86_64", "arm64"],
    permissions: [
        { statementId: "account", principal: "123456789012" },
        { statementId: "org", principal: "*", organizationId: "o-abcdefghij" },
    ],
    retainOnDelete: false,
};

/** The state after create: every input plus what AWS reported. */
const OLDS: LayerVersionOutputs = {
    ...INPUTS,
    arn: "arn:aws:lambda:us-east-1:123456789012:layer:my-layer:3",
    layerArn: "arn:aws:lambda:us-east-1:123456789012:layer:my-layer",
    version: 3,
    codeSha256: "tv9jJO+rPbXUUXuRKi7CwHzKtLDkDRJLB3cC3Z/ouXo=",
    codeSize: 169,
    createdDate: "2024-01-01T00:00:00.000+0000",
    revisionId: "rev-1",
};

const ZIP_OLDS: LayerVersionOutputs = { ...OLDS, source: undefined, zipFile: "./dist/layer.zip" };
const S3_OLDS: LayerVersionOutputs = {
    ...OLDS,
    source: undefined,
    sourceHash: undefined,
    s3: { bucket: "bucket", key: "layer.zip", objectVersion: "v1" },
};
const newsOf = (olds: LayerVersionOutputs, changes: Partial<LayerVersionInputs>): LayerVersionInputs => {
    const { arn, layerArn, version, codeSha256, codeSize, createdDate, revisionId, ...inputs } = olds;
    return { ...inputs, ...changes };
};
/** Stands for an unknown value of any type during preview. */
const unknown = UNKNOWN as never;

interface Row {
    name: string;
    olds?: LayerVersionOutputs | LayerVersionInputs;
    news: Partial<LayerVersionInputs>;
    changes: boolean;
    replaces: string[];
}

const REPLACE_ROWS: Row[] = [
    { name: "sourceHash changes", news: { sourceHash: OTHER_HASH }, changes: true, replaces: ["sourceHash"] },
    {
        name: "the zip file's content changes",
        olds: ZIP_OLDS,
        news: { sourceHash: OTHER_HASH },
        changes: true,
        replaces: ["sourceHash"],
    },
    {
        name: "s3.bucket changes",
        olds: S3_OLDS,
        news: { s3: { bucket: "other", key: "layer.zip", objectVersion: "v1" } },
        changes: true,
        replaces: ["s3"],
    },
    {
        name: "s3.key changes",
        olds: S3_OLDS,
        news: { s3: { bucket: "bucket", key: "v2/layer.zip", objectVersion: "v1" } },
        changes: true,
        replaces: ["s3"],
    },
    {
        name: "s3.objectVersion changes",
        olds: S3_OLDS,
        news: { s3: { bucket: "bucket", key: "layer.zip", objectVersion: "v2" } },
        changes: true,
        replaces: ["s3"],
    },
    {
        name: "s3.objectVersion is dropped",
        olds: S3_OLDS,
        news: { s3: { bucket: "bucket", key: "layer.zip" } },
        changes: true,
        replaces: ["s3"],
    },
    {
        name: "the content moves from a directory to S3",
        news: { source: undefined, sourceHash: undefined, s3: { bucket: "bucket", key: "layer.zip" } },
        changes: true,
        replaces: ["s3", "sourceHash"],
    },
    { name: "layerName changes", news: { layerName: "other-layer" }, changes: true, replaces: ["layerName"] },
    { name: "description changes", news: { description: "new text" }, changes: true, replaces: ["description"] },
    { name: "description is dropped", news: { description: undefined }, changes: true, replaces: ["description"] },
    { name: "licenseInfo changes", news: { licenseInfo: "Apache-2.0" }, changes: true, replaces: ["licenseInfo"] },
    {
        name: "a runtime is added",
        news: { compatibleRuntimes: ["nodejs20.x", "nodejs22.x", "nodejs24.x"] },
        changes: true,
        replaces: ["compatibleRuntimes"],
    },
    {
        name: "a runtime is swapped",
        news: { compatibleRuntimes: ["nodejs20.x", "nodejs18.x"] },
        changes: true,
        replaces: ["compatibleRuntimes"],
    },
    {
        name: "runtimes are dropped",
        news: { compatibleRuntimes: undefined },
        changes: true,
        replaces: ["compatibleRuntimes"],
    },
    {
        name: "an architecture is dropped",
        news: { compatibleArchitectures: ["arm64"] },
        changes: true,
        replaces: ["compatibleArchitectures"],
    },
    {
        name: "the region differs from where the version lives",
        news: { region: "eu-west-1" },
        changes: true,
        replaces: ["region"],
    },
    {
        name: "an explicit region is dropped",
        olds: { ...OLDS, region: "us-east-1" },
        news: { region: undefined },
        changes: true,
        replaces: ["region"],
    },
    {
        name: "a region is set on inputs-only olds",
        olds: INPUTS,
        news: { region: "us-east-1" },
        changes: true,
        replaces: ["region"],
    },
    {
        name: "several replace properties change together, with permissions",
        news: {
            sourceHash: OTHER_HASH,
            layerName: "b",
            description: "x",
            compatibleArchitectures: ["arm64"],
            permissions: [],
        },
        changes: true,
        replaces: ["compatibleArchitectures", "description", "layerName", "sourceHash"],
    },
];

const UPDATE_ROWS: Row[] = [
    {
        name: "a permission is added",
        news: { permissions: [...INPUTS.permissions!, { statementId: "new", principal: "*" }] },
        changes: true,
        replaces: [],
    },
    { name: "a permission is removed", news: { permissions: [INPUTS.permissions![0]] }, changes: true, replaces: [] },
    { name: "all permissions are removed", news: { permissions: undefined }, changes: true, replaces: [] },
    {
        name: "a permission's principal changes",
        news: { permissions: [{ statementId: "account", principal: "210987654321" }, INPUTS.permissions![1]] },
        changes: true,
        replaces: [],
    },
    {
        name: "a permission's organization changes",
        news: {
            permissions: [
                INPUTS.permissions![0],
                { statementId: "org", principal: "*", organizationId: "o-zzzzzzzzzz" },
            ],
        },
        changes: true,
        replaces: [],
    },
    { name: "retainOnDelete flips on", news: { retainOnDelete: true }, changes: true, replaces: [] },
    {
        name: "retainOnDelete flips off",
        olds: { ...OLDS, retainOnDelete: true },
        news: { retainOnDelete: undefined },
        changes: true,
        replaces: [],
    },
];

const NO_CHANGE_ROWS: Row[] = [
    { name: "nothing changes", news: {}, changes: false, replaces: [] },
    {
        name: "source.path changes but the hash is equal",
        news: { source: { ...INPUTS.source!, path: "/elsewhere/layer" } },
        changes: false,
        replaces: [],
    },
    {
        name: "include and exclude are reordered with an equal hash",
        news: { source: { ...INPUTS.source!, exclude: ["test/**", "**/*.md"] } },
        changes: false,
        replaces: [],
    },
    {
        name: "the zip file is renamed with an equal hash",
        olds: ZIP_OLDS,
        news: { zipFile: "./build/other-name.zip" },
        changes: false,
        replaces: [],
    },
    {
        name: "runtimes are reordered or repeated",
        news: { compatibleRuntimes: ["nodejs22.x", "nodejs20.x", "nodejs22.x"] },
        changes: false,
        replaces: [],
    },
    {
        name: "architectures are reordered",
        news: { compatibleArchitectures: ["arm64", "x86_64"] },
        changes: false,
        replaces: [],
    },
    {
        name: "[] and absent lists",
        olds: { ...OLDS, compatibleRuntimes: undefined, compatibleArchitectures: [], permissions: undefined },
        news: { compatibleRuntimes: [], compatibleArchitectures: undefined, permissions: [] },
        changes: false,
        replaces: [],
    },
    {
        name: `"" and absent text`,
        olds: { ...OLDS, description: undefined, licenseInfo: "" },
        news: { description: "", licenseInfo: undefined },
        changes: false,
        replaces: [],
    },
    {
        name: "a principal written as account id vs root ARN",
        news: {
            permissions: [
                { statementId: "account", principal: "arn:aws:iam::123456789012:root" },
                INPUTS.permissions![1],
            ],
        },
        changes: false,
        replaces: [],
    },
    {
        name: "permissions are reordered",
        news: { permissions: [INPUTS.permissions![1], INPUTS.permissions![0]] },
        changes: false,
        replaces: [],
    },
    { name: "retainOnDelete absent vs false", news: { retainOnDelete: undefined }, changes: false, replaces: [] },
    {
        name: "the region is spelled out as where the version lives",
        news: { region: "us-east-1" },
        changes: false,
        replaces: [],
    },
    {
        name: "an explicit region stays",
        olds: { ...OLDS, region: "us-east-1" },
        news: { region: "us-east-1" },
        changes: false,
        replaces: [],
    },
    {
        name: "the engine's __provider changes",
        news: { __provider: "other code" } as Partial<LayerVersionInputs>,
        changes: false,
        replaces: [],
    },
];

const UNKNOWN_ROWS: Row[] = [
    { name: "sourceHash is unknown", news: { sourceHash: unknown }, changes: true, replaces: ["sourceHash"] },
    {
        name: "source.path is unknown",
        news: { source: { ...INPUTS.source!, path: unknown } },
        changes: true,
        replaces: ["source"],
    },
    {
        name: "the whole source is unknown",
        news: { source: unknown, sourceHash: undefined },
        changes: true,
        replaces: ["source", "sourceHash"],
    },
    { name: "zipFile is unknown", olds: ZIP_OLDS, news: { zipFile: unknown }, changes: true, replaces: ["zipFile"] },
    {
        name: "s3.key is unknown",
        olds: S3_OLDS,
        news: { s3: { bucket: "bucket", key: unknown, objectVersion: "v1" } },
        changes: true,
        replaces: ["s3"],
    },
    { name: "description is unknown", news: { description: unknown }, changes: true, replaces: ["description"] },
    {
        name: "one runtime is unknown",
        news: { compatibleRuntimes: ["nodejs20.x", unknown] },
        changes: true,
        replaces: ["compatibleRuntimes"],
    },
    { name: "region is unknown", news: { region: unknown }, changes: true, replaces: ["region"] },
    {
        name: "a permission's principal is unknown",
        news: { permissions: [{ statementId: "account", principal: unknown }, INPUTS.permissions![1]] },
        changes: true,
        replaces: [],
    },
    { name: "retainOnDelete is unknown", news: { retainOnDelete: unknown }, changes: true, replaces: [] },
];

function runRows(title: string, rows: Row[]): void {
    describe(title, () => {
        for (const row of rows) {
            it(row.name, () => {
                const olds = row.olds ?? OLDS;
                const news = newsOf(olds as LayerVersionOutputs, row.news);
                expect(diffLayerVersion(olds, news)).to.deep.equal({
                    changes: row.changes,
                    replaces: row.replaces,
                    deleteBeforeReplace: false,
                });
            });
        }
    });
}

describe("diffLayerVersion", () => {
    runRows("replaces (a new version) when", REPLACE_ROWS);
    runRows("updates in place, never replacing, when", UPDATE_ROWS);
    runRows("sees no change when", NO_CHANGE_ROWS);
    runRows("during preview, counts an unknown value as changed when", UNKNOWN_ROWS);

    it("does not change its arguments", () => {
        const olds = JSON.parse(JSON.stringify(OLDS));
        const news = { ...INPUTS, compatibleRuntimes: ["nodejs22.x", "nodejs20.x"] };
        diffLayerVersion(olds, news);
        expect(olds).to.deep.equal(JSON.parse(JSON.stringify(OLDS)));
        expect(news.compatibleRuntimes).to.deep.equal(["nodejs22.x", "nodejs20.x"]);
    });
});

describe("sameText and sameSet", () => {
    it("treat undefined as empty", () => {
        expect(sameText(undefined, "")).to.equal(true);
        expect(sameText("a", "")).to.equal(false);
        expect(sameSet(undefined, [])).to.equal(true);
        expect(sameSet(["a", "b"], ["b", "a", "a"])).to.equal(true);
        expect(sameSet(["a", "b"], ["a", "a"])).to.equal(false);
        expect(sameSet(["a"], undefined)).to.equal(false);
    });
});
