import { Architecture, Runtime } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import * as limits from "../../../provider/rules/limits";
import { containsUnknown, isUnknown, UNKNOWN } from "../../../provider/rules/unknowns";
import { DEFAULT_INCLUDE } from "../../../provider/rules/entryNames";
import { normalizeInputs, validateInputs } from "../../../provider/rules/validation";

const GOOD = { layerName: "my-layer", source: { path: "./layer" } };
const chars = (n: number, c = "a") => c.repeat(n);
const fifteenRuntimes = limits.RUNTIMES.slice(0, 15);

interface BadCase {
    name: string;
    inputs: Record<string, unknown>;
    property: string;
    /** Words the reason must contain: the problem and the limit. */
    mentions: string[];
}

const permission = (overrides: Record<string, unknown>) => ({
    permissions: [{ statementId: "share", principal: "123456789012", ...overrides }],
});

const BAD: BadCase[] = [
    {
        name: "layerName missing",
        inputs: { layerName: undefined },
        property: "layerName",
        mentions: ["required", "1-140"],
    },
    { name: "layerName null", inputs: { layerName: null }, property: "layerName", mentions: ["required", "1-140"] },
    {
        name: "layerName too long",
        inputs: { layerName: chars(141) },
        property: "layerName",
        mentions: ["141 characters", "at most 140"],
    },
    { name: "layerName empty", inputs: { layerName: "" }, property: "layerName", mentions: ["empty", "at least 1"] },
    {
        name: "layerName with a space",
        inputs: { layerName: "my layer" },
        property: "layerName",
        mentions: ['"my layer"', "[a-zA-Z0-9-_]"],
    },
    {
        name: "layerName a number",
        inputs: { layerName: 42 },
        property: "layerName",
        mentions: ["must be a string", "1-140"],
    },
    {
        name: "layerName an ARN in no region",
        inputs: { layerName: "arn:aws:lambda:moon:123456789012:layer:x" },
        property: "layerName",
        mentions: ["layer ARN", "<region>"],
    },
    {
        name: "no content",
        inputs: { source: undefined },
        property: "source, zipFile, s3, build",
        mentions: ["exactly one", "source", "zipFile", "s3", "none"],
    },
    {
        name: "two contents",
        inputs: { s3: { bucket: "bucket", key: "layer.zip" } },
        property: "source, s3",
        mentions: ["exactly one", "source", "zipFile", "s3", "source and s3 were given"],
    },
    {
        name: "source a string",
        inputs: { source: "./layer" },
        property: "source",
        mentions: ["must be an object", "path, include, exclude, prefix, followSymlinks"],
    },
    {
        name: "source.path missing",
        inputs: { source: { include: ["**"] } },
        property: "source.path",
        mentions: ["required", "directory"],
    },
    {
        name: "source.path empty",
        inputs: { source: { path: "" } },
        property: "source.path",
        mentions: ["empty", "directory"],
    },
    {
        name: "source.include a string",
        inputs: { source: { path: ".", include: "**" } },
        property: "source.include",
        mentions: ["must be an array", "the string"],
    },
    {
        name: "source.include empty",
        inputs: { source: { path: ".", include: [] } },
        property: "source.include",
        mentions: ["empty", "at least one glob pattern"],
    },
    {
        name: "source.include an empty pattern",
        inputs: { source: { path: ".", include: ["**", ""] } },
        property: "source.include[1]",
        mentions: ["empty", "glob pattern"],
    },
    {
        name: "source.exclude a number",
        inputs: { source: { path: ".", exclude: [3] } },
        property: "source.exclude[0]",
        mentions: ["a number", "glob pattern"],
    },
    {
        name: "source.prefix absolute",
        inputs: { source: { path: ".", prefix: "/nodejs" } },
        property: "source.prefix",
        mentions: ["starts with /", "relative POSIX path"],
    },
    {
        name: "source.prefix with ..",
        inputs: { source: { path: ".", prefix: "nodejs/../x" } },
        property: "source.prefix",
        mentions: [".. segment", "relative POSIX path"],
    },
    {
        name: "source.prefix with a backslash",
        inputs: { source: { path: ".", prefix: "python\\lib" } },
        property: "source.prefix",
        mentions: ["backslash", "relative POSIX path"],
    },
    {
        name: "source.prefix with an empty segment",
        inputs: { source: { path: ".", prefix: "a//b" } },
        property: "source.prefix",
        mentions: ["empty or . segment", "relative POSIX path"],
    },
    {
        name: "source.prefix with a drive letter",
        inputs: { source: { path: ".", prefix: "C:/x" } },
        property: "source.prefix",
        mentions: ["drive letter", "relative POSIX path"],
    },
    {
        name: "source.prefix a number",
        inputs: { source: { path: ".", prefix: 5 } },
        property: "source.prefix",
        mentions: ["must be a string", "nodejs/"],
    },
    {
        name: "source.followSymlinks a string",
        inputs: { source: { path: ".", followSymlinks: "yes" } },
        property: "source.followSymlinks",
        mentions: ["true or false", '"yes"'],
    },
    {
        name: "source.exlude (typo)",
        inputs: { source: { path: ".", exlude: ["x"] } },
        property: "source.exlude",
        mentions: ["not a property of source", "exclude"],
    },
    {
        name: "zipFile empty",
        inputs: { source: undefined, zipFile: "" },
        property: "zipFile",
        mentions: ["empty", "zip file"],
    },
    {
        name: "zipFile a boolean",
        inputs: { source: undefined, zipFile: true },
        property: "zipFile",
        mentions: ["a boolean", "zip file"],
    },
    {
        name: "s3.bucket missing",
        inputs: { source: undefined, s3: { key: "k" } },
        property: "s3.bucket",
        mentions: ["required", "3-63"],
    },
    {
        name: "s3.bucket too short",
        inputs: { source: undefined, s3: { bucket: "ab", key: "k" } },
        property: "s3.bucket",
        mentions: ["2 characters", "at least 3"],
    },
    {
        name: "s3.bucket too long",
        inputs: { source: undefined, s3: { bucket: chars(64), key: "k" } },
        property: "s3.bucket",
        mentions: ["64 characters", "at most 63"],
    },
    {
        name: "s3.bucket ends with a dot",
        inputs: { source: undefined, s3: { bucket: "bucket.", key: "k" } },
        property: "s3.bucket",
        mentions: ['"bucket."', "not ending with '.'"],
    },
    {
        name: "s3.key too long",
        inputs: { source: undefined, s3: { bucket: "bucket", key: chars(1025) } },
        property: "s3.key",
        mentions: ["1025 characters", "at most 1024"],
    },
    {
        name: "s3.objectVersion empty",
        inputs: { source: undefined, s3: { bucket: "bucket", key: "k", objectVersion: "" } },
        property: "s3.objectVersion",
        mentions: ["empty", "at least 1"],
    },
    {
        name: "s3 a string",
        inputs: { source: undefined, s3: "s3://bucket/key" },
        property: "s3",
        mentions: ["must be an object", "bucket, key, objectVersion"],
    },
    {
        name: "description too long",
        inputs: { description: chars(300) },
        property: "description",
        mentions: ["description is 300 characters; the Lambda API allows at most 256"],
    },
    {
        name: "description a number",
        inputs: { description: 5 },
        property: "description",
        mentions: ["must be a string of 0-256 characters"],
    },
    {
        name: "licenseInfo too long",
        inputs: { licenseInfo: chars(513) },
        property: "licenseInfo",
        mentions: ["513 characters", "at most 512"],
    },
    {
        name: "compatibleRuntimes a string",
        inputs: { compatibleRuntimes: "nodejs20.x" },
        property: "compatibleRuntimes",
        mentions: ["must be an array", "at most 15"],
    },
    {
        name: "compatibleRuntimes 16 entries",
        inputs: { compatibleRuntimes: limits.RUNTIMES.slice(0, 16) },
        property: "compatibleRuntimes",
        mentions: ["16 entries", "at most 15"],
    },
    {
        name: "compatibleRuntimes unknown runtime",
        inputs: { compatibleRuntimes: ["nodejs20"] },
        property: "compatibleRuntimes[0]",
        mentions: ['"nodejs20"', "not a Lambda runtime", 'did you mean "nodejs20.x"?'],
    },
    {
        name: "compatibleRuntimes with a null",
        inputs: { compatibleRuntimes: ["nodejs20.x", null] },
        property: "compatibleRuntimes[1]",
        mentions: ["null", "not a Lambda runtime"],
    },
    {
        name: "compatibleRuntimes repeated",
        inputs: { compatibleRuntimes: ["nodejs20.x", "nodejs20.x"] },
        property: "compatibleRuntimes[1]",
        mentions: ["repeats compatibleRuntimes[0]", "only once"],
    },
    {
        name: "compatibleArchitectures 3 entries",
        inputs: { compatibleArchitectures: ["x86_64", "arm64", "x86_64"] },
        property: "compatibleArchitectures",
        mentions: ["3 entries", "at most 2"],
    },
    {
        name: "compatibleArchitectures amd64",
        inputs: { compatibleArchitectures: ["amd64"] },
        property: "compatibleArchitectures[0]",
        mentions: ['"amd64"', 'did you mean "x86_64"?'],
    },
    {
        name: "compatibleArchitectures repeated",
        inputs: { compatibleArchitectures: ["arm64", "arm64"] },
        property: "compatibleArchitectures[1]",
        mentions: ['"arm64"', "only once"],
    },
    {
        name: "permissions an object",
        inputs: { permissions: { statementId: "a" } },
        property: "permissions",
        mentions: ["must be an array", "an object"],
    },
    {
        name: "permissions entry a string",
        inputs: { permissions: ["123456789012"] },
        property: "permissions[0]",
        mentions: ["must be an object", "statementId, principal, organizationId"],
    },
    {
        name: "permissions entry null",
        inputs: { permissions: [null] },
        property: "permissions[0]",
        mentions: ["must be an object", "got null"],
    },
    {
        name: "statementId missing",
        inputs: { permissions: [{ principal: "*" }] },
        property: "permissions[0].statementId",
        mentions: ["required", "1-100", "[a-zA-Z0-9-_]"],
    },
    {
        name: "statementId too long",
        inputs: permission({ statementId: chars(101) }),
        property: "permissions[0].statementId",
        mentions: ["101 characters", "at most 100"],
    },
    {
        name: "statementId empty",
        inputs: permission({ statementId: "" }),
        property: "permissions[0].statementId",
        mentions: ["empty", "at least 1"],
    },
    {
        name: "statementId with a space",
        inputs: permission({ statementId: "a b" }),
        property: "permissions[0].statementId",
        mentions: ['"a b"', "[a-zA-Z0-9-_]"],
    },
    {
        name: "statementId repeated",
        inputs: {
            permissions: [
                { statementId: "share", principal: "*" },
                { statementId: "other", principal: "*" },
                { statementId: "share", principal: "123456789012" },
            ],
        },
        property: "permissions[2].statementId",
        mentions: ['"share"', "permissions[0].statementId", "only once"],
    },
    {
        name: "principal too short",
        inputs: permission({ principal: "12345" }),
        property: "permissions[0].principal",
        mentions: ['"12345"', "12-digit account id", '"*"', ":root"],
    },
    {
        name: "principal an IAM user",
        inputs: permission({ principal: "arn:aws:iam::123456789012:user/bob" }),
        property: "permissions[0].principal",
        mentions: ["user/bob", "arn:aws:iam::<12-digit account id>:root"],
    },
    {
        name: "principal missing",
        inputs: { permissions: [{ statementId: "a" }] },
        property: "permissions[0].principal",
        mentions: ["required", "12-digit account id"],
    },
    {
        name: "organizationId malformed",
        inputs: permission({ principal: "*", organizationId: "org-123" }),
        property: "permissions[0].organizationId",
        mentions: ['"org-123"', "o-[a-z0-9]{10,32}"],
    },
    {
        name: "organizationId too short",
        inputs: permission({ principal: "*", organizationId: "o-short" }),
        property: "permissions[0].organizationId",
        mentions: ["o-[a-z0-9]{10,32}"],
    },
    {
        name: "organizationId with an account principal",
        inputs: permission({ organizationId: "o-abcdefghij" }),
        property: "permissions[0].organizationId",
        mentions: ['only allowed with principal "*"', '"123456789012"'],
    },
    {
        name: "permission with an action",
        inputs: permission({ action: "lambda:*" }),
        property: "permissions[0].action",
        mentions: ["not a property of permissions[0]", "statementId, principal, organizationId"],
    },
    {
        name: "retainOnDelete a string",
        inputs: { retainOnDelete: "true" },
        property: "retainOnDelete",
        mentions: ["true or false", '"true"'],
    },
    {
        name: "region upper case",
        inputs: { region: "US-EAST-1" },
        property: "region",
        mentions: ['"US-EAST-1"', "region code"],
    },
    {
        name: "region without a number",
        inputs: { region: "us-east" },
        property: "region",
        mentions: ['"us-east"', "us-east-1"],
    },
    {
        name: "build and source both given",
        inputs: { build: { tool: "npm", path: "deps" }, compatibleArchitectures: ["arm64"] },
        property: "source, build",
        mentions: ["exactly one", "build (dependencies built from a lockfile)"],
    },
    {
        name: "build.tool yarn",
        inputs: { source: undefined, build: { tool: "yarn", path: "deps" }, compatibleArchitectures: ["arm64"] },
        property: "build.tool",
        mentions: ['"yarn"', "npm, pip"],
    },
    {
        name: "build without path",
        inputs: { source: undefined, build: { tool: "pip" }, compatibleArchitectures: ["arm64"] },
        property: "build.path",
        mentions: ["required", "requirements.txt"],
    },
    {
        name: "build.env with a value instead of a name",
        inputs: {
            source: undefined,
            build: { tool: "npm", path: "d", env: ["TOKEN=abc"] },
            compatibleArchitectures: ["arm64"],
        },
        property: "build.env[0]",
        mentions: ["environment variable name"],
    },
    {
        name: "build for two architectures",
        inputs: { source: undefined, build: { tool: "npm", path: "d" }, compatibleArchitectures: ["x86_64", "arm64"] },
        property: "compatibleArchitectures",
        mentions: ["exactly one", "x86_64 and arm64"],
    },
    {
        name: "source.allowAnyLayout not a boolean",
        inputs: { source: { path: "./layer", allowAnyLayout: "yes" } },
        property: "source.allowAnyLayout",
        mentions: ["true or false"],
    },
    {
        name: "descripton (typo)",
        inputs: { descripton: "x" },
        property: "descripton",
        mentions: ["not an input of LayerVersion", "description"],
    },
];

describe("suggestions for mistyped names", () => {
    const CASES: [string, Record<string, unknown>, string, string][] = [
        [
            "a misspelled input",
            { descripton: "x" },
            "descripton",
            "descripton is not an input of LayerVersion; did you mean description?",
        ],
        ["swapped letters in an input", { licenesInfo: "MIT" }, "licenesInfo", "did you mean licenseInfo?"],
        [
            "a misspelled source field",
            { source: { path: "./layer", prefx: "nodejs/" } },
            "source.prefx",
            "did you mean prefix?",
        ],
        [
            "a runtime without .x",
            { compatibleRuntimes: ["nodejs22"] },
            "compatibleRuntimes[0]",
            'compatibleRuntimes[0] "nodejs22" is not a Lambda runtime; did you mean "nodejs22.x"?',
        ],
        [
            "a runtime in another case",
            { compatibleRuntimes: ["Python3.12"] },
            "compatibleRuntimes[0]",
            'did you mean "python3.12"?',
        ],
        [
            "amd64",
            { compatibleArchitectures: ["amd64"] },
            "compatibleArchitectures[0]",
            'compatibleArchitectures[0] "amd64" is not a Lambda architecture; did you mean "x86_64"?',
        ],
        ["aarch64", { compatibleArchitectures: ["aarch64"] }, "compatibleArchitectures[0]", 'did you mean "arm64"?'],
        ["arm_64", { compatibleArchitectures: ["arm_64"] }, "compatibleArchitectures[0]", 'did you mean "arm64"?'],
    ];
    for (const [name, inputs, property, reason] of CASES) {
        it(`suggests the right name for ${name}`, () => {
            const failures = validateInputs({ ...GOOD, ...inputs });
            expect(failures.map((f) => f.property)).to.deep.equal([property]);
            expect(failures[0].reason).to.include(reason);
        });
    }

    it("gives each bad runtime one short line, not the whole Runtime list", () => {
        const failures = validateInputs({ ...GOOD, compatibleRuntimes: ["nodejs22", "cobol85", "nodejs22.x"] });
        expect(failures.map((f) => f.property)).to.deep.equal(["compatibleRuntimes[0]", "compatibleRuntimes[1]"]);
        expect(failures[1].reason).to.equal(
            'compatibleRuntimes[1] "cobol85" is not a Lambda runtime; use a runtime identifier of the Lambda API such as ' +
                "nodejs22.x, python3.13 or provided.al2023 (one AWS added after this release of @aws-sdk/client-lambda needs a newer one)",
        );
        for (const failure of failures) expect(failure.reason).to.not.include("java8");
    });

    it("lists the accepted names when no name is near", () => {
        const [failure] = validateInputs({ ...GOOD, somethingElse: 1 });
        expect(failure.reason).to.match(
            /^somethingElse is not an input of LayerVersion; the accepted names are: layerName, /,
        );
    });
});

describe("validateInputs", () => {
    it("has at least 35 bad cases", () => {
        expect(BAD.length).to.be.at.least(35);
    });

    for (const bad of BAD) {
        it(`rejects ${bad.name} at ${bad.property}`, () => {
            const failures = validateInputs({ ...GOOD, ...bad.inputs });
            expect(failures.map((f) => f.property)).to.deep.equal([bad.property]);
            for (const words of bad.mentions) {
                expect(failures[0].reason).to.include(words);
            }
        });
    }

    it("reports every problem, not only the first", () => {
        const failures = validateInputs({ layerName: "", zipFile: "", description: chars(257), region: "x" });
        expect(failures.map((f) => f.property).sort()).to.deep.equal(["description", "layerName", "region", "zipFile"]);
    });

    const GOOD_CASES: Record<string, Record<string, unknown>> = {
        "the minimum": GOOD,
        "every source option": {
            layerName: chars(140),
            source: {
                path: "./layer",
                include: ["**/*.js", "package.json"],
                exclude: [],
                prefix: "nodejs/lib",
                followSymlinks: true,
            },
            description: chars(256),
            licenseInfo: chars(512),
            compatibleRuntimes: fifteenRuntimes,
            compatibleArchitectures: ["x86_64", "arm64"],
            permissions: [
                { statementId: chars(100), principal: "123456789012" },
                { statementId: "all-of-org_1", principal: "*", organizationId: `o-${chars(32, "z")}` },
                { statementId: "root", principal: "arn:aws:iam::123456789012:root" },
                { statementId: "china", principal: "arn:aws-cn:iam::123456789012:root" },
            ],
            retainOnDelete: false,
            region: "us-gov-west-1",
        },
        "a prefix that already ends with /": { layerName: "l", source: { path: ".", prefix: "python/" } },
        "an empty prefix": { layerName: "l", source: { path: ".", prefix: "" } },
        "a zip file": { layerName: "l", zipFile: "./layer.zip" },
        "an S3 object with its version": {
            layerName: "l",
            s3: { bucket: "my.bucket-1_x", key: "a/b.zip", objectVersion: "3HL4kqtJlcpXroDTDmJ" },
        },
        "a layer ARN as name": {
            layerName: "arn:aws:lambda:us-isob-east-1:123456789012:layer:my-layer",
            zipFile: "z.zip",
        },
        "empty text and lists": {
            ...GOOD,
            description: "",
            licenseInfo: "",
            compatibleRuntimes: [],
            compatibleArchitectures: [],
            permissions: [],
        },
        "null for optional inputs": { ...GOOD, description: null, permissions: null, zipFile: null, s3: null },
        "the engine's and check's own names": { ...GOOD, __provider: "exports.handler = ...", sourceHash: "ab12" },
        "a pip build for one architecture and one Python": {
            layerName: "deps",
            build: { tool: "pip", path: "deps", args: ["--no-index"], env: ["PIP_INDEX_URL"], rebuildTrigger: "1" },
            compatibleRuntimes: ["python3.12", "nodejs20.x"],
            compatibleArchitectures: ["arm64"],
        },
        "source with its opt-outs": {
            layerName: "l",
            source: { path: "x", defaultExcludes: false, allowAnyLayout: true },
        },
        "every runtime of the SDK enum": {
            ...GOOD,
            compatibleRuntimes: ["nodejs20.x", "python3.12", "java21", "provided.al2023"],
        },
    };
    for (const [name, inputs] of Object.entries(GOOD_CASES)) {
        it(`accepts ${name}`, () => {
            expect(validateInputs(inputs)).to.deep.equal([]);
        });
    }

    describe("unknown values (preview)", () => {
        const UNKNOWN_CASES: Record<string, Record<string, unknown>> = {
            "a whole required input": { layerName: UNKNOWN, source: { path: "." } },
            "the whole source": { layerName: "l", source: UNKNOWN },
            "a nested field": { layerName: "l", source: { path: UNKNOWN, prefix: UNKNOWN } },
            "an array element": { ...GOOD, compatibleRuntimes: [UNKNOWN, UNKNOWN, "nodejs20.x"] },
            "a whole array": { ...GOOD, compatibleArchitectures: UNKNOWN, permissions: UNKNOWN },
            "a permission": {
                ...GOOD,
                permissions: [UNKNOWN, { statementId: UNKNOWN, principal: UNKNOWN, organizationId: "o-abcdefghij" }],
            },
            "an organizationId beside an account principal": {
                ...GOOD,
                permissions: [{ statementId: "s", principal: "123456789012", organizationId: UNKNOWN }],
            },
            "a second content input that may resolve to nothing": { ...GOOD, zipFile: UNKNOWN },
            "the only content input": { layerName: "l", s3: UNKNOWN },
            "text with limits": {
                ...GOOD,
                description: UNKNOWN,
                licenseInfo: UNKNOWN,
                region: UNKNOWN,
                retainOnDelete: UNKNOWN,
            },
        };
        for (const [name, inputs] of Object.entries(UNKNOWN_CASES)) {
            it(`skips ${name}`, () => {
                expect(validateInputs(inputs)).to.deep.equal([]);
            });
        }

        it("still judges the known values beside an unknown one", () => {
            const failures = validateInputs({
                ...GOOD,
                description: UNKNOWN,
                region: "nowhere",
                permissions: [UNKNOWN, { statementId: "a b", principal: "*" }],
            });
            expect(failures.map((f) => f.property)).to.deep.equal(["permissions[1].statementId", "region"]);
        });
    });
});

describe("normalizeInputs", () => {
    it("defaults include to every file and writes the prefix with a trailing /", () => {
        expect(normalizeInputs({ layerName: "l", source: { path: "p", prefix: "nodejs" } })).to.deep.equal({
            layerName: "l",
            source: { path: "p", include: ["**/*"], prefix: "nodejs/" },
        });
        expect(DEFAULT_INCLUDE).to.deep.equal(["**/*"]);
    });

    it("keeps a given include and a prefix that already ends with /", () => {
        const source = {
            path: "p",
            include: ["b/**", "a/**"],
            exclude: ["**/*.md"],
            prefix: "python/lib/",
            followSymlinks: false,
        };
        expect(normalizeInputs({ layerName: "l", source }).source).to.deep.equal(source);
    });

    it("treats an empty prefix as none", () => {
        expect(normalizeInputs({ layerName: "l", source: { path: "p", prefix: "" } }).source).to.deep.equal({
            path: "p",
            include: ["**/*"],
        });
    });

    it("drops null, undefined, __provider, sourceHash and names that are not inputs", () => {
        const normalized = normalizeInputs({
            layerName: "l",
            zipFile: "z.zip",
            description: null,
            licenseInfo: undefined,
            __provider: "code",
            sourceHash: "stale",
            descripton: "typo",
            permissions: [{ statementId: "s", principal: "*", organizationId: null }],
        });
        expect(normalized).to.deep.equal({
            layerName: "l",
            zipFile: "z.zip",
            permissions: [{ statementId: "s", principal: "*" }],
        });
    });

    it("keeps empty arrays, order and principal spelling as given", () => {
        const inputs = {
            layerName: "l",
            s3: { bucket: "bucket", key: "k" },
            compatibleRuntimes: ["python3.12", "nodejs20.x"],
            compatibleArchitectures: [],
            permissions: [
                { statementId: "b", principal: "arn:aws:iam::123456789012:root" },
                { statementId: "a", principal: "*" },
            ],
            description: "",
            retainOnDelete: true,
            region: "eu-west-1",
        };
        expect(normalizeInputs(inputs)).to.deep.equal(inputs);
    });

    it("leaves unknown values untouched", () => {
        expect(normalizeInputs({ layerName: UNKNOWN, source: UNKNOWN })).to.deep.equal({
            layerName: UNKNOWN,
            source: UNKNOWN,
        });
        expect(
            normalizeInputs({ layerName: "l", source: { path: UNKNOWN, include: UNKNOWN, prefix: UNKNOWN } }).source,
        ).to.deep.equal({
            path: UNKNOWN,
            include: UNKNOWN,
            prefix: UNKNOWN,
        });
    });

    it("is idempotent and does not change its argument", () => {
        const news = { layerName: "l", source: { path: "p", prefix: "nodejs", exclude: undefined } };
        const copy = JSON.parse(JSON.stringify(news));
        const once = normalizeInputs(news);
        expect(normalizeInputs(once as unknown as Record<string, unknown>)).to.deep.equal(once);
        expect(JSON.parse(JSON.stringify(news))).to.deep.equal(copy);
        expect(news.source).to.have.property("exclude");
        expect(once.source).to.not.have.property("exclude");
    });
});

describe("unknowns", () => {
    it("isUnknown is true only for the sentinel itself", () => {
        expect(isUnknown(UNKNOWN)).to.equal(true);
        expect(isUnknown([UNKNOWN])).to.equal(false);
        expect(isUnknown(`${UNKNOWN} `)).to.equal(false);
        expect(isUnknown(undefined)).to.equal(false);
    });

    it("containsUnknown looks through arrays and objects at any depth", () => {
        expect(containsUnknown(UNKNOWN)).to.equal(true);
        expect(containsUnknown({ a: [{ b: [1, UNKNOWN] }] })).to.equal(true);
        expect(containsUnknown({ a: [{ b: [1, "x"] }], c: null, d: undefined })).to.equal(false);
        expect(containsUnknown([])).to.equal(false);
        expect(containsUnknown(42)).to.equal(false);
    });
});

describe("limits", () => {
    it("lists exactly the runtimes and architectures of the installed SDK's enums", () => {
        expect([...limits.RUNTIMES].sort()).to.deep.equal(Object.values(Runtime).sort());
        expect(new Set(limits.RUNTIMES).size).to.equal(limits.RUNTIMES.length);
        expect(limits.RUNTIMES).to.include.members(["nodejs20.x", "python3.12", "provided.al2023", "java8.al2"]);
        expect([...limits.ARCHITECTURES].sort()).to.deep.equal(Object.values(Architecture).sort());
        expect([...limits.ARCHITECTURES].sort()).to.deep.equal(["arm64", "x86_64"]);
    });

    it("matches principals and organization ids as the Lambda API documents them", () => {
        for (const principal of [
            "*",
            "123456789012",
            "arn:aws:iam::123456789012:root",
            "arn:aws-us-gov:iam::123456789012:root",
        ]) {
            expect(limits.PRINCIPAL_PATTERN.test(principal), principal).to.equal(true);
        }
        for (const principal of [
            "**",
            "1234567890123",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:iam::123456789012:root/",
        ]) {
            expect(limits.PRINCIPAL_PATTERN.test(principal), principal).to.equal(false);
        }
        expect(limits.ORGANIZATION_ID_PATTERN.test(`o-${chars(10)}`)).to.equal(true);
        expect(limits.ORGANIZATION_ID_PATTERN.test(`o-${chars(33)}`)).to.equal(false);
        expect(limits.ORGANIZATION_ID_PATTERN.test(`o-${chars(9)}`)).to.equal(false);
    });

    it("leaves room for the JSON around the largest direct upload under the request limit", () => {
        const base64Length = 4 * Math.ceil(limits.DIRECT_UPLOAD_MAX_ZIP_BYTES / 3);
        const longestRuntimes = [...limits.RUNTIMES]
            .sort((a, b) => b.length - a.length)
            .slice(0, limits.COMPATIBLE_RUNTIMES_MAX);
        const worstEnvelope = JSON.stringify({
            Content: { ZipFile: "" },
            Description: "\u0000".repeat(limits.DESCRIPTION_MAX_LENGTH),
            LicenseInfo: "\u0000".repeat(limits.LICENSE_INFO_MAX_LENGTH),
            CompatibleRuntimes: longestRuntimes,
            CompatibleArchitectures: limits.ARCHITECTURES,
        });
        expect(Buffer.byteLength(worstEnvelope)).to.be.below(6_000);
        expect(base64Length + Buffer.byteLength(worstEnvelope)).to.be.below(limits.PUBLISH_REQUEST_MAX_BYTES);
        // A full 50 MiB zip would not fit even without any JSON around it.
        expect(4 * Math.ceil(52_428_800 / 3)).to.be.above(limits.PUBLISH_REQUEST_MAX_BYTES);
        expect(limits.DIRECT_UPLOAD_MAX_ZIP_BYTES).to.equal(52_363_264);
        expect(limits.UNZIPPED_MAX_BYTES).to.equal(262_144_000);
    });
});
