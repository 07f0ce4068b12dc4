/** The emulator's pure rules, without a server: routing, region, validation messages, policy edits, faults, options. */
import { expect } from "chai";
import { createFaultInjector } from "../../emulator/http/faults";
import { awsTimestamp } from "../../emulator/api/operations";
import { optionProblems } from "../../emulator/options";
import { addStatement, buildStatement, removeStatement } from "../../emulator/api/policyDocument";
import { regionOfRequest } from "../../emulator/http/requestRegion";
import { matchRoute } from "../../emulator/http/routes";
import { checkEnumList, checkText, TEXT_RULES, validationError } from "../../emulator/api/validation";

describe("emulator: pure rules", () => {
    describe("routes", () => {
        const route = (method: string, path: string) => {
            const url = new URL(path, "http://x");
            return matchRoute(method, url.pathname, url.searchParams);
        };

        it("maps each REST binding to its operation and decodes the path parameters", () => {
            const arn = "arn:aws:lambda:us-east-1:123456789012:layer:lib";
            expect(route("GET", "/2018-10-31/layers")).to.deep.include({ operation: "ListLayers" });
            expect(route("GET", "/2018-10-31/layers?find=LayerVersion&Arn=x")).to.deep.include({
                operation: "GetLayerVersionByArn",
            });
            expect(route("POST", `/2018-10-31/layers/${encodeURIComponent(arn)}/versions`)).to.deep.equal({
                kind: "api",
                operation: "PublishLayerVersion",
                path: { LayerName: arn },
            });
            expect(route("DELETE", "/2018-10-31/layers/lib/versions/3/policy/s%2D1")).to.deep.equal({
                kind: "api",
                operation: "RemoveLayerVersionPermission",
                path: { LayerName: "lib", VersionNumber: "3", StatementId: "s-1" },
            });
            expect(route("GET", "/2018-10-31/layers/lib/versions/3/policy")).to.deep.include({
                operation: "GetLayerVersionPolicy",
            });
            expect(route("GET", "/layer-content/abc.def")).to.deep.equal({ kind: "download", token: "abc.def" });
        });

        it("keeps an encoded slash inside its parameter, and matches nothing else", () => {
            expect(route("GET", "/2018-10-31/layers/a%2Fb/versions")).to.deep.include({ path: { LayerName: "a/b" } });
            expect(route("PUT", "/2018-10-31/layers/lib/versions")).to.equal(undefined);
            expect(route("GET", "/2018-10-31/layers/lib")).to.equal(undefined);
            expect(route("GET", "/2015-03-31/functions")).to.equal(undefined);
        });
    });

    describe("the request's region", () => {
        it("comes from the SigV4 credential scope, else us-east-1", () => {
            const signed =
                "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-central-1/lambda/aws4_request, SignedHeaders=host, Signature=ab";
            expect(regionOfRequest(signed)).to.equal("eu-central-1");
            expect(regionOfRequest(undefined)).to.equal("us-east-1");
            expect(regionOfRequest("Bearer token")).to.equal("us-east-1");
            expect(regionOfRequest("AWS4-HMAC-SHA256 Credential=AKID/20240101/../lambda/aws4_request")).to.equal(
                "us-east-1",
            );
        });
    });

    describe("validation messages", () => {
        it("read as AWS writes them, one per broken rule", () => {
            const violations = [
                ...checkText("layerName", "a b", TEXT_RULES.layerName, true),
                ...checkText("statementId", undefined, TEXT_RULES.statementId, true),
                ...checkEnumList("compatibleArchitectures", ["x86_64", "sparc"], ["x86_64", "arm64"], 2),
            ];
            expect(validationError(violations)?.message).to.equal(
                "3 validation errors detected: " +
                    "Value 'a b' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: " +
                    "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+; " +
                    "Value null at 'statementId' failed to satisfy constraint: Member must not be null; " +
                    "Value '[x86_64, sparc]' at 'compatibleArchitectures' failed to satisfy constraint: " +
                    "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]",
            );
            expect(validationError([])).to.equal(undefined);
        });

        it("match patterns against the whole value", () => {
            expect(checkText("action", "lambda:GetLayerVersio", TEXT_RULES.action)).to.have.length(1);
            expect(checkText("principal", "1234567890123", TEXT_RULES.principal)).to.have.length(1);
            expect(checkText("principal", "arn:aws-cn:iam::123456789012:root", TEXT_RULES.principal)).to.deep.equal([]);
        });
    });

    describe("policy edits", () => {
        const request = { statementId: "s", action: "lambda:GetLayerVersion", resource: "arn:x:1" };

        it("writes an account id as that account's root, in the region's partition", () => {
            expect(
                buildStatement({ ...request, principal: "123456789012", region: "cn-north-1" }).Principal,
            ).to.deep.equal({
                AWS: "arn:aws-cn:iam::123456789012:root",
            });
        });

        it("gives a new revision per change, refuses a stale one, and drops the policy with its last statement", () => {
            const statement = buildStatement({ ...request, principal: "*", region: "us-east-1" });
            expect(() => addStatement(undefined, statement, "r0", "r1")).to.throw(
                "does not match the latest Revision Id",
            );
            const policy = addStatement(undefined, statement, undefined, "r1");
            expect(policy).to.deep.equal({ revisionId: "r1", statements: [statement] });
            expect(() => removeStatement(policy, "s", "r0", "r2")).to.throw("does not match");
            expect(removeStatement(policy, "s", "r1", "r2")).to.equal(undefined);
        });
    });

    it("fault decisions repeat for the same seed and never fault at rate 0", () => {
        const sequence = (rate: number, seed: number) => {
            const next = createFaultInjector(rate, seed);
            return Array.from({ length: 50 }, () => next()?.type ?? "ok");
        };
        expect(sequence(0.3, 5)).to.deep.equal(sequence(0.3, 5));
        expect(sequence(0.3, 5)).to.not.deep.equal(sequence(0.3, 6));
        expect(sequence(0, 5)).to.deep.equal(Array(50).fill("ok"));
    });

    it("option problems name the option and the limit", () => {
        expect(optionProblems({ port: 70000, accountId: "42", faultRate: 0.5 })).to.deep.equal([
            { option: "port", problem: "must be an integer from 0 to 65535" },
            { option: "accountId", problem: "must be 12 digits" },
        ]);
        expect(optionProblems({})).to.deep.equal([]);
    });

    it("timestamps are written as AWS writes CreatedDate", () => {
        expect(awsTimestamp(new Date(Date.UTC(2018, 10, 14, 23, 3, 52, 894)))).to.equal("2018-11-14T23:03:52.894+0000");
    });
});
