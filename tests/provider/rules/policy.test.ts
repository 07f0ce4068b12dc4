import { expect } from "chai";
import {
    canonicalPrincipal,
    permissionsFromPolicy,
    permissionsToRestore,
    planPermissionChanges,
    policyFromStatements,
    samePermissions,
} from "../../../provider/rules/policy";
import { LayerPermission } from "../../../provider/types";

const RESOURCE = "arn:aws:lambda:us-east-1:123456789012:layer:my-layer:3";

function statement(sid: string, principal: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        Sid: sid,
        Effect: "Allow",
        Principal: principal,
        Action: "lambda:GetLayerVersion",
        Resource: RESOURCE,
        ...extra,
    };
}

function policy(...statements: unknown[]): string {
    return JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: statements });
}

const ORG_CONDITION = { StringEquals: { "aws:PrincipalOrgID": "o-abcdefghij" } };

describe("permissionsFromPolicy", () => {
    it("reads no permissions from no policy", () => {
        expect(permissionsFromPolicy(undefined)).to.deep.equal([]);
        expect(permissionsFromPolicy("")).to.deep.equal([]);
        expect(permissionsFromPolicy(policy())).to.deep.equal([]);
    });

    it("reads every principal form AWS writes, sorted by statementId", () => {
        const document = policy(
            statement("z-root", { AWS: "arn:aws:iam::210987654321:root" }),
            statement("m-org", "*", { Condition: ORG_CONDITION }),
            statement("a-account", { AWS: "123456789012" }),
            statement("b-everyone", { AWS: "*" }),
            statement("c-star", "*"),
        );
        expect(permissionsFromPolicy(document)).to.deep.equal([
            { statementId: "a-account", principal: "123456789012" },
            { statementId: "b-everyone", principal: "*" },
            { statementId: "c-star", principal: "*" },
            { statementId: "m-org", principal: "*", organizationId: "o-abcdefghij" },
            { statementId: "z-root", principal: "210987654321" },
        ]);
    });

    it("accepts the single-value and single-statement forms IAM allows", () => {
        const document = JSON.stringify({
            Version: "2012-10-17",
            Statement: statement(
                "s",
                { AWS: ["arn:aws-cn:iam::123456789012:root"] },
                {
                    Action: ["lambda:GetLayerVersion"],
                    Condition: { StringEquals: { "aws:PrincipalOrgID": ["o-abcdefghij"] } },
                },
            ),
        });
        expect(permissionsFromPolicy(document)).to.deep.equal([
            { statementId: "s", principal: "123456789012", organizationId: "o-abcdefghij" },
        ]);
    });

    const MALFORMED: [string, string, RegExp][] = [
        ["not JSON", "{Statement:", /not JSON/],
        ["a JSON array", "[]", /not a JSON object/],
        ["no Statement", JSON.stringify({ Version: "2012-10-17" }), /no Statement list/],
        ["a statement that is a string", policy("allow"), /Statement\[0\] is not an object/],
        ["a statement without Sid", policy({ ...statement("", "*") }), /Statement\[0\] has no Sid/],
        ["a Deny statement", policy(statement("s", "*", { Effect: "Deny" })), /Statement\[0\]\.Effect is "Deny"/],
        [
            "another action",
            policy(statement("s", "*", { Action: "lambda:InvokeFunction" })),
            /Statement\[0\]\.Action is "lambda:InvokeFunction"; .*lambda:GetLayerVersion/,
        ],
        [
            "a service principal",
            policy(statement("s", { Service: "lambda.amazonaws.com" })),
            /Statement\[0\]\.Principal is \{"Service"/,
        ],
        [
            "two principals in one statement",
            policy(statement("s", { AWS: ["111111111111", "222222222222"] })),
            /Statement\[0\]\.Principal/,
        ],
        [
            "an IAM user",
            policy(statement("a", "*"), statement("s", { AWS: "arn:aws:iam::123456789012:user/bob" })),
            /Statement\[1\]\.Principal .*user\/bob/,
        ],
        [
            "another condition",
            policy(statement("s", "*", { Condition: { StringLike: { "aws:PrincipalOrgID": "o-*" } } })),
            /Statement\[0\]\.Condition .*StringLike/,
        ],
        [
            "a condition with two keys",
            policy(
                statement("s", "*", {
                    Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abcdefghij", "aws:SourceIp": "1.2.3.4" } },
                }),
            ),
            /Condition/,
        ],
        [
            "a repeated Sid",
            policy(statement("s", "*"), statement("s", { AWS: "123456789012" })),
            /Sid "s" appears in more than one statement/,
        ],
    ];
    for (const [name, document, message] of MALFORMED) {
        it(`throws on ${name}, saying what is malformed`, () => {
            expect(() => permissionsFromPolicy(document))
                .to.throw(Error, /policy is malformed/)
                .with.property("message")
                .that.matches(message);
        });
    }
});

describe("canonicalPrincipal", () => {
    const CASES: [string, string][] = [
        ["arn:aws:iam::123456789012:root", "123456789012"],
        ["arn:aws-us-gov:iam::123456789012:root", "123456789012"],
        ["123456789012", "123456789012"],
        ["*", "*"],
        ["arn:aws:iam::123456789012:user/root", "arn:aws:iam::123456789012:user/root"],
    ];
    for (const [principal, canonical] of CASES) {
        it(`${principal} -> ${canonical}`, () => {
            expect(canonicalPrincipal(principal)).to.equal(canonical);
        });
    }
});

describe("planPermissionChanges", () => {
    const account: LayerPermission = { statementId: "account", principal: "123456789012" };
    const everyone: LayerPermission = { statementId: "everyone", principal: "*" };
    const org: LayerPermission = { statementId: "org", principal: "*", organizationId: "o-abcdefghij" };

    it("changes nothing when the sets are equal in another order", () => {
        expect(planPermissionChanges([account, everyone, org], [org, account, everyone])).to.deep.equal({
            remove: [],
            add: [],
        });
    });

    it("treats absent and [] as the same empty set", () => {
        expect(planPermissionChanges(undefined, [])).to.deep.equal({ remove: [], add: [] });
        expect(planPermissionChanges([], undefined)).to.deep.equal({ remove: [], add: [] });
    });

    it("compares principals canonically", () => {
        const asArn = { statementId: "account", principal: "arn:aws:iam::123456789012:root" };
        expect(planPermissionChanges([account], [asArn])).to.deep.equal({ remove: [], add: [] });
    });

    it("adds the missing and removes the unwanted, sorted", () => {
        const zeta = { statementId: "zeta", principal: "210987654321" };
        expect(planPermissionChanges([org, everyone], [zeta, account, org])).to.deep.equal({
            remove: ["everyone"],
            add: [account, zeta],
        });
    });

    it("removes and re-adds a statement whose principal changed", () => {
        const other = { statementId: "account", principal: "210987654321" };
        expect(planPermissionChanges([account], [other])).to.deep.equal({ remove: ["account"], add: [other] });
    });

    it("removes and re-adds a statement whose organization was added, changed or dropped", () => {
        const otherOrg = { ...org, organizationId: "o-zzzzzzzzzz" };
        expect(planPermissionChanges([everyone], [{ ...everyone, organizationId: "o-abcdefghij" }])).to.deep.equal({
            remove: ["everyone"],
            add: [{ ...everyone, organizationId: "o-abcdefghij" }],
        });
        expect(planPermissionChanges([org], [otherOrg])).to.deep.equal({ remove: ["org"], add: [otherOrg] });
        expect(planPermissionChanges([org], [{ statementId: "org", principal: "*" }])).to.deep.equal({
            remove: ["org"],
            add: [{ statementId: "org", principal: "*" }],
        });
    });

    it("does not reorder its arguments", () => {
        const desired = [org, account];
        planPermissionChanges([], desired);
        expect(desired).to.deep.equal([org, account]);
    });
});

describe("samePermissions", () => {
    it("is true for the same grants in any order or spelling", () => {
        expect(
            samePermissions(
                [
                    { statementId: "a", principal: "arn:aws:iam::123456789012:root" },
                    { statementId: "b", principal: "*" },
                ],
                [
                    { statementId: "b", principal: "*" },
                    { statementId: "a", principal: "123456789012" },
                ],
            ),
        ).to.equal(true);
        expect(samePermissions(undefined, [])).to.equal(true);
    });

    it("is false for another statementId, principal or organization", () => {
        const base = { statementId: "a", principal: "*" };
        expect(samePermissions([base], [{ ...base, statementId: "b" }])).to.equal(false);
        expect(samePermissions([base], [{ ...base, principal: "123456789012" }])).to.equal(false);
        expect(samePermissions([base], [{ ...base, organizationId: "o-abcdefghij" }])).to.equal(false);
        expect(samePermissions([base], [])).to.equal(false);
        expect(samePermissions(undefined, [base])).to.equal(false);
    });

    it("holds across a round trip through the policy document AWS writes", () => {
        const permissions: LayerPermission[] = [
            { statementId: "b", principal: "123456789012" },
            { statementId: "a", principal: "*", organizationId: "o-abcdefghij" },
        ];
        // AWS writes an account principal back as its root ARN.
        const document = policy(
            statement("b", { AWS: "arn:aws:iam::123456789012:root" }),
            statement("a", "*", { Condition: ORG_CONDITION }),
        );
        expect(samePermissions(permissionsFromPolicy(document), permissions)).to.equal(true);
    });
});

describe("policyFromStatements", () => {
    it("assembles AddLayerVersionPermission's statements into the document GetLayerVersionPolicy returns", () => {
        const statements = [
            JSON.stringify(statement("b", { AWS: "arn:aws:iam::123456789012:root" })),
            JSON.stringify(statement("a", "*", { Condition: ORG_CONDITION })),
        ];
        const document = policyFromStatements(statements);
        expect(JSON.parse(document)).to.deep.equal({
            Version: "2012-10-17",
            Id: "default",
            Statement: statements.map((s) => JSON.parse(s)),
        });
        expect(permissionsFromPolicy(document)).to.deep.equal([
            { statementId: "a", principal: "*", organizationId: "o-abcdefghij" },
            { statementId: "b", principal: "123456789012" },
        ]);
    });

    it("throws on a statement that is not JSON or not a layer permission", () => {
        expect(() => policyFromStatements(["{"])).to.throw(/malformed: Statement\[0\] is not JSON/);
        expect(() => policyFromStatements([JSON.stringify(statement("a", "*")), "{}"])).to.throw(
            /malformed: Statement\[1\] has no Sid/,
        );
    });
});

describe("permissionsToRestore (after an update failed part-way)", () => {
    const account = { statementId: "account", principal: "210987654321" };
    const org = { statementId: "org", principal: "*", organizationId: "o-abcdefghij" };
    const world = { statementId: "org", principal: "*" };
    const added = { statementId: "added", principal: "*" };
    const bySid = (list: LayerPermission[]) => [...list].sort((a, b) => a.statementId.localeCompare(b.statementId));

    it("puts back a statement the update removed and drops one it added", () => {
        const current = [account, org];
        const desired = [org, added];
        const live = [org, added]; // "account" removed, "added" added, then a later call failed
        expect(bySid(permissionsToRestore(current, desired, live))).to.deep.equal(bySid([account, org]));
    });

    it("restores a changed grant that the update had already applied", () => {
        expect(permissionsToRestore([org], [world], [world])).to.deep.equal([org]);
    });

    it("leaves alone a statement set to a third grant meanwhile, and statements the update did not touch", () => {
        const third = { statementId: "org", principal: "123456789012" };
        const untouched = { statementId: "other", principal: "*" };
        expect(bySid(permissionsToRestore([org], [world], [third, untouched]))).to.deep.equal(
            bySid([third, untouched]),
        );
    });
});
