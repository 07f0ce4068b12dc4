import type { GetLayerVersionResponse, PublishLayerVersionResponse } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { diffLayerVersion } from "../../../provider/rules/diff";
import {
    inputsFromAws,
    outputsAfterUpdate,
    outputsFromAws,
    OUTPUT_ONLY_FIELDS,
    stripUndefined,
} from "../../../provider/rules/outputs";
import { LayerVersionInputs } from "../../../provider/types";

const LOCATION =
    "https://awslambda-us-east-1-layers.s3.us-east-1.amazonaws.com/snapshots/123456789012/my-layer?X-Amz-Signature=secret";
const ARN = "arn:aws:lambda:us-east-1:123456789012:layer:my-layer:3";

function response(overrides: Partial<GetLayerVersionResponse> = {}): GetLayerVersionResponse {
    return {
        Content: { Location: LOCATION, CodeSha256: "tv9jJO+rPbXUUXuRKi7CwHzKtLDkDRJLB3cC3Z/ouXo=", CodeSize: 169 },
        LayerArn: "arn:aws:lambda:us-east-1:123456789012:layer:my-layer",
        LayerVersionArn: ARN,
        Description: "My layer",
        CreatedDate: "2018-11-14T23:03:52.894+0000",
        Version: 3,
        CompatibleRuntimes: ["python3.12", "python3.11"],
        CompatibleArchitectures: ["arm64"],
        LicenseInfo: "MIT",
        ...overrides,
    };
}

const INPUTS: LayerVersionInputs = {
    layerName: "my-layer",
    source: { path: "./layer", include: ["**/*"], prefix: "python/" },
    sourceHash: "ab".repeat(32),
    description: "My layer",
    licenseInfo: "MIT",
    compatibleRuntimes: ["python3.11", "python3.12"],
    compatibleArchitectures: ["arm64"],
    permissions: [{ statementId: "share", principal: "arn:aws:iam::210987654321:root" }],
    retainOnDelete: true,
    region: "us-east-1",
};

const POLICY = {
    Policy: JSON.stringify({
        Version: "2012-10-17",
        Id: "default",
        Statement: [
            {
                Sid: "share",
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::210987654321:root" },
                Action: "lambda:GetLayerVersion",
                Resource: ARN,
            },
        ],
    }),
    RevisionId: "rev-1",
};

/** Every path in the value that holds undefined. */
function undefinedPaths(value: unknown, path = "$"): string[] {
    if (value === undefined) return [path];
    if (typeof value !== "object" || value === null) return [];
    return Object.entries(value).flatMap(([key, field]) => undefinedPaths(field, `${path}.${key}`));
}

describe("outputsFromAws", () => {
    it("maps AWS's answer onto the inputs, without the pre-signed Location", () => {
        const outputs = outputsFromAws(INPUTS, response(), POLICY, "PublishLayerVersion");
        expect(outputs).to.deep.equal({
            ...INPUTS,
            arn: ARN,
            layerArn: "arn:aws:lambda:us-east-1:123456789012:layer:my-layer",
            version: 3,
            codeSha256: "tv9jJO+rPbXUUXuRKi7CwHzKtLDkDRJLB3cC3Z/ouXo=",
            codeSize: 169,
            createdDate: "2018-11-14T23:03:52.894+0000",
            policy: POLICY.Policy,
            revisionId: "rev-1",
        });
        expect(JSON.stringify(outputs)).to.not.include("X-Amz-Signature");
        expect(JSON.stringify(outputs)).to.not.include("s3.us-east-1.amazonaws.com");
    });

    it("stores the signing ARNs when AWS reports them", () => {
        const signed = response({
            Content: {
                ...response().Content,
                SigningJobArn: "arn:aws:signer:us-east-1:123456789012:/signing-jobs/j",
                SigningProfileVersionArn: "arn:aws:signer:us-east-1:123456789012:/signing-profiles/p/v",
            },
        });
        const outputs = outputsFromAws(INPUTS, signed, undefined, "PublishLayerVersion");
        expect(outputs.signingJobArn).to.equal("arn:aws:signer:us-east-1:123456789012:/signing-jobs/j");
        expect(outputs.signingProfileVersionArn).to.equal(
            "arn:aws:signer:us-east-1:123456789012:/signing-profiles/p/v",
        );
    });

    it("leaves out, rather than storing undefined, whatever is absent", () => {
        const minimal: PublishLayerVersionResponse = response({
            Description: undefined,
            LicenseInfo: undefined,
            CompatibleRuntimes: undefined,
            CompatibleArchitectures: undefined,
        });
        const outputs = outputsFromAws(
            { layerName: "my-layer", s3: { bucket: "b", key: "k", objectVersion: undefined } },
            minimal,
            undefined,
            "PublishLayerVersion",
        );
        expect(undefinedPaths(outputs)).to.deep.equal([]);
        for (const absent of [
            "policy",
            "revisionId",
            "signingJobArn",
            "signingProfileVersionArn",
            "description",
            "compatibleRuntimes",
        ]) {
            expect(outputs).to.not.have.property(absent);
        }
        expect(outputs.s3).to.deep.equal({ bucket: "b", key: "k" });
    });

    it("keeps the inputs' spelling where AWS's answer means the same", () => {
        const outputs = outputsFromAws(
            { ...INPUTS, description: "", compatibleArchitectures: [] },
            response({ Description: undefined, CompatibleArchitectures: undefined }),
            undefined,
            "GetLayerVersion",
        );
        expect(outputs.description).to.equal("");
        expect(outputs.compatibleArchitectures).to.deep.equal([]);
        expect(outputs.compatibleRuntimes).to.deep.equal(["python3.11", "python3.12"]);
    });

    it("takes AWS's value where it differs", () => {
        const outputs = outputsFromAws(
            { ...INPUTS, description: undefined, compatibleRuntimes: ["python3.11"] },
            response(),
            undefined,
            "GetLayerVersion",
        );
        expect(outputs.description).to.equal("My layer");
        expect(outputs.compatibleRuntimes).to.deep.equal(["python3.12", "python3.11"]);
    });

    for (const missing of ["LayerVersionArn", "LayerArn", "Version", "CreatedDate"] as const) {
        it(`throws, naming the layer, the operation and the field, when the answer has no ${missing}`, () => {
            expect(() =>
                outputsFromAws(INPUTS, response({ [missing]: undefined }), undefined, "GetLayerVersion"),
            ).to.throw(`layer "my-layer": GetLayerVersion answered without ${missing}, which the state needs`);
        });
    }

    it("throws when AWS's answer has no content digest", () => {
        const answer = response({ Content: { Location: LOCATION, CodeSize: 1 } });
        expect(() => outputsFromAws(INPUTS, answer, undefined, "PublishLayerVersion")).to.throw(
            "PublishLayerVersion answered without Content.CodeSha256",
        );
    });
});

describe("inputsFromAws", () => {
    const state = outputsFromAws(INPUTS, response(), POLICY, "PublishLayerVersion");

    it("returns only inputs, content and settings from the previous state", () => {
        const signed = response({
            Content: { ...response().Content, SigningJobArn: "job", SigningProfileVersionArn: "profile" },
        });
        const signedState = outputsFromAws(INPUTS, signed, POLICY, "PublishLayerVersion");
        expect(Object.keys(signedState)).to.include.members([...OUTPUT_ONLY_FIELDS]);
        const inputs = inputsFromAws(signedState, signed, POLICY);
        expect(inputs).to.deep.equal(INPUTS);
        for (const outputOnly of OUTPUT_ONLY_FIELDS) {
            expect(inputs).to.not.have.property(outputOnly);
        }
    });

    it("reads permissions added out of band from the policy", () => {
        const drifted = {
            ...POLICY,
            Policy: JSON.stringify({
                ...JSON.parse(POLICY.Policy),
                Statement: [
                    ...JSON.parse(POLICY.Policy).Statement,
                    {
                        Sid: "intruder",
                        Effect: "Allow",
                        Principal: "*",
                        Action: "lambda:GetLayerVersion",
                        Resource: ARN,
                    },
                ],
            }),
        };
        expect(inputsFromAws(state, response(), drifted).permissions).to.deep.equal([
            { statementId: "intruder", principal: "*" },
            { statementId: "share", principal: "210987654321" },
        ]);
    });

    it("reads no permissions when there is no policy (404)", () => {
        expect(inputsFromAws(state, response(), undefined).permissions).to.deep.equal([]);
        expect(inputsFromAws({ ...INPUTS, permissions: undefined }, response(), undefined)).to.not.have.property(
            "permissions",
        );
    });

    it("keeps the previous principal spelling when the grant is the same", () => {
        expect(inputsFromAws(state, response(), POLICY).permissions).to.deep.equal([
            { statementId: "share", principal: "arn:aws:iam::210987654321:root" },
        ]);
    });

    it("keeps absent where AWS answers empty, and the previous order where the set is the same", () => {
        const previous: LayerVersionInputs = {
            layerName: "l",
            zipFile: "z.zip",
            compatibleRuntimes: ["python3.11", "python3.12"],
        };
        const inputs = inputsFromAws(
            previous,
            response({ Description: "", LicenseInfo: undefined, CompatibleArchitectures: [] }),
        );
        expect(inputs).to.deep.equal({
            layerName: "l",
            zipFile: "z.zip",
            compatibleRuntimes: ["python3.11", "python3.12"],
        });
    });
});

describe("outputsAfterUpdate", () => {
    const signed = response({
        Content: { ...response().Content, SigningJobArn: "job", SigningProfileVersionArn: "profile" },
    });
    const olds = outputsFromAws(INPUTS, signed, POLICY, "PublishLayerVersion");

    it("keeps what AWS reported about the version, takes the new inputs and the reconciled policy", () => {
        const news: LayerVersionInputs = { ...INPUTS, permissions: [], retainOnDelete: false };
        const outs = outputsAfterUpdate(olds, news, { Policy: undefined, RevisionId: undefined });
        expect(outs).to.deep.equal({
            ...news,
            arn: ARN,
            layerArn: olds.layerArn,
            version: 3,
            codeSha256: olds.codeSha256,
            codeSize: 169,
            createdDate: olds.createdDate,
            signingJobArn: "job",
            signingProfileVersionArn: "profile",
        });
    });

    it("stores the new policy and its revision", () => {
        const outs = outputsAfterUpdate(olds, INPUTS, { Policy: "{}", RevisionId: "rev-2" });
        expect(outs).to.include({ policy: "{}", revisionId: "rev-2", arn: ARN });
    });
});

describe("a refresh followed by a diff", () => {
    function refresh(policy?: { Policy?: string; RevisionId?: string }) {
        const state = outputsFromAws(INPUTS, response(), POLICY, "PublishLayerVersion");
        const inputs = inputsFromAws(state, response(), policy);
        return outputsFromAws(inputs, response(), policy, "GetLayerVersion");
    }

    it("shows no change when nothing drifted, despite AWS's spelling and order", () => {
        expect(diffLayerVersion(refresh(POLICY), INPUTS)).to.deep.equal({
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
    });

    it("shows an update in place, not a new version, when the policy drifted", () => {
        expect(diffLayerVersion(refresh(undefined), INPUTS)).to.deep.equal({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
        });
    });
});

describe("stripUndefined", () => {
    it("drops undefined fields and array elements at any depth", () => {
        const value = { a: 1, b: undefined, c: [1, undefined, { d: undefined, e: null }], f: { g: { h: undefined } } };
        expect(stripUndefined(value)).to.deep.equal({ a: 1, c: [1, { e: null }], f: { g: {} } });
        expect(undefinedPaths(stripUndefined(value))).to.deep.equal([]);
    });

    it("returns a copy and keeps non-plain objects as they are", () => {
        const date = new Date(0);
        const buffer = Buffer.from("x");
        const value = { date, buffer, list: [1] };
        const stripped = stripUndefined(value);
        expect(stripped.date).to.equal(date);
        expect(stripped.buffer).to.equal(buffer);
        expect(stripped.list).to.not.equal(value.list);
        expect(stripUndefined("text")).to.equal("text");
        expect(stripUndefined(undefined)).to.equal(undefined);
    });
});
