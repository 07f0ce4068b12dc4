import { expect } from "chai";
import {
    canonicalPrincipal,
    FOREIGN_STATEMENT_PREFIX,
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

const isForeignStatement = (permission: LayerPermission) => permission.principal.startsWith(FOREIGN_STATEMENT_PREFIX);

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
                { AWS: ["*"] },
                {
                    Action: ["lambda:GetLayerVersion"],
                    Condition: { StringEquals: { "aws:PrincipalOrgID": ["o-abcdefghij"] } },
                },
            ),
        });
        expect(permissionsFromPolicy(document)).to.deep.equal([
            { statementId: "s", principal: "*", organizationId: "o-abcdefghij" },
        ]);
    });

    it("reads the plain-string principals local mocks write: an account id, an account ARN, *", () => {
        const document = policy(
            statement("id", "210987654321"),
            statement("arn", "arn:aws:iam::210987654321:root"),
            statement("star", "*"),
            statement("list", { AWS: ["210987654321"] }),
            statement("cn", ["arn:aws-cn:iam::210987654321:root"]),
        );
        expect(permissionsFromPolicy(document)).to.deep.equal([
            { statementId: "arn", principal: "210987654321" },
            { statementId: "cn", principal: "210987654321" },
            { statementId: "id", principal: "210987654321" },
            { statementId: "list", principal: "210987654321" },
            { statementId: "star", principal: "*" },
        ]);
    });

    it("reads an organization condition in any case of its key, and an action in any case", () => {
        const document = policy(
            statement(
                "org",
                { AWS: "*" },
                {
                    Action: "Lambda:getLayerVersion",
                    Condition: { StringEquals: { "aws:principalOrgId": ["o-abcdefghij"] } },
                },
            ),
        );
        expect(permissionsFromPolicy(document)).to.deep.equal([
            { statementId: "org", principal: "*", organizationId: "o-abcdefghij" },
        ]);
    });

    it("reads a document without Statement as granting nothing", () => {
        expect(permissionsFromPolicy(JSON.stringify({ Version: "2012-10-17" }))).to.deep.equal([]);
    });

    const FOREIGN: [string, Record<string, unknown>][] = [
        ["a Deny statement", statement("s", "*", { Effect: "Deny" })],
        ["another action", statement("s", "*", { Action: "lambda:InvokeFunction" })],
        ["two actions", statement("s", "*", { Action: ["lambda:GetLayerVersion", "lambda:ListLayers"] })],
        ["a service principal", statement("s", { Service: "lambda.amazonaws.com" })],
        ["two principals in one statement", statement("s", { AWS: ["111111111111", "222222222222"] })],
        ["an AWS and a service principal", statement("s", { AWS: "111111111111", Service: "x.amazonaws.com" })],
        ["an IAM user", statement("s", { AWS: "arn:aws:iam::123456789012:user/bob" })],
        ["another condition operator", statement("s", "*", { Condition: { StringLike: ORG_CONDITION.StringEquals } })],
        ["another condition key", statement("s", "*", { Condition: { StringEquals: { "aws:SourceAccount": "1" } } })],
        [
            "a condition with two keys",
            statement("s", "*", {
                Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abcdefghij", "aws:SourceIp": "1.2.3.4" } },
            }),
        ],
        [
            "two organizations",
            statement("s", "*", { Condition: { StringEquals: { "aws:PrincipalOrgID": ["o-a", "o-b"] } } }),
        ],
        ["an organization on an account grant", statement("s", "210987654321", { Condition: ORG_CONDITION })],
    ];
    for (const [name, foreign] of FOREIGN) {
        it(`reports ${name} as a foreign statement under its Sid, keeping the others`, () => {
            const permissions = permissionsFromPolicy(policy(statement("kept", "*"), foreign));
            expect(permissions).to.have.length(2);
            expect(permissions[0]).to.deep.equal({ statementId: "kept", principal: "*" });
            expect(permissions[1].statementId).to.equal("s");
            expect(isForeignStatement(permissions[1])).to.equal(true);
            const { Sid: _sid, Resource: _resource, ...described } = foreign;
            expect(permissions[1].principal).to.equal(FOREIGN_STATEMENT_PREFIX + JSON.stringify(described));
        });
    }

    it("reports a statement without Sid, or that is not an object, under its place in the list", () => {
        const { Sid: _sid, ...withoutSid } = statement("", "*");
        const permissions = permissionsFromPolicy(policy(withoutSid, "allow"));
        expect(permissions.map((permission) => permission.statementId)).to.deep.equal([
            "(no Sid) Statement[0]",
            "(no Sid) Statement[1]",
        ]);
        expect(permissions.every(isForeignStatement)).to.equal(true);
    });

    it("keeps both statements of a repeated Sid, so that the update removes the one not declared", () => {
        const permissions = permissionsFromPolicy(policy(statement("s", "*"), statement("s", { AWS: "123456789012" })));
        expect(permissions).to.have.length(2);
        expect(planPermissionChanges(permissions, [{ statementId: "s", principal: "*" }])).to.deep.equal({
            remove: ["s"],
            add: [{ statementId: "s", principal: "*" }],
        });
    });

    it("plans the removal of a foreign statement by its Sid, and never takes it for a declared grant", () => {
        const current = permissionsFromPolicy(policy(statement("s", "*", { Effect: "Deny" }), statement("a", "*")));
        const declared = [{ statementId: "a", principal: "*" }];
        expect(samePermissions(current, declared)).to.equal(false);
        expect(planPermissionChanges(current, declared)).to.deep.equal({ remove: ["s"], add: [] });
        expect(planPermissionChanges(current, [...declared, { statementId: "s", principal: "*" }])).to.deep.equal({
            remove: ["s"],
            add: [{ statementId: "s", principal: "*" }],
        });
    });

    for (const [name, text] of [
        ["not JSON", "{Statement:"],
        ["JSON that is not an object", "[]"],
    ]) {
        it(`throws on a policy that is ${name}, showing the text`, () => {
            expect(() => permissionsFromPolicy(text))
                .to.throw(Error, /The layer version's policy is not/)
                .with.property("message")
                .that.includes(`the endpoint answered ${JSON.stringify(text)}`);
        });
    }

    it("shows at most 500 characters of a long policy that is not JSON", () => {
        const message = (() => {
            try {
                permissionsFromPolicy(`<${"x".repeat(2000)}`);
            } catch (error) {
                return (error as Error).message;
            }
            return "";
        })();
        expect(message).to.include(`"<${"x".repeat(499)}..."`);
        expect(message.length).to.be.below(700);
    });
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

    it("throws on a statement that is not JSON, showing it", () => {
        expect(() => policyFromStatements([JSON.stringify(statement("a", "*")), "{"])).to.throw(
            "AddLayerVersionPermission answered Statement[1] that is not JSON (",
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
