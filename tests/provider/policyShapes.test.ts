/**
 * Refresh and update against every policy shape that AWS's grammar and the common local mocks produce,
 * written straight into the emulator's data directory (the emulator itself only writes AWS's shape), then
 * read through the provider with the real SDK.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { GetLayerVersionPolicyCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { startEmulator } from "../../emulator";
import { LayerVersionProvider } from "../../provider";
import { FOREIGN_STATEMENT_PREFIX } from "../../provider/rules/policy";
import type { LayerPermission, LayerVersionInputs, LayerVersionOutputs } from "../../provider/types";
import { emulatorEnvironment, makeTree } from "../helpers/fixtures";
import { removeTempDirs, tempDir } from "../helpers/fileTrees";

const provider = new LayerVersionProvider();
const REGION = "us-east-1";
const PARTNER = { statementId: "partner", principal: "210987654321" };
const ORG = { statementId: "org", principal: "*", organizationId: "o-abcdefghij" };

interface Shape {
    name: string;
    /** What the program declares. */
    declared: LayerPermission[];
    /** The statements written into the stored policy (the Resource is added). */
    statements: Record<string, unknown>[];
    /** What refresh must show in `permissions`; a string principal ending in `...` is a prefix. */
    refreshed: LayerPermission[];
}

const allow = (sid: string, principal: unknown, extra: Record<string, unknown> = {}) => ({
    Sid: sid,
    Effect: "Allow",
    Principal: principal,
    Action: "lambda:GetLayerVersion",
    ...extra,
});
const orgCondition = (value: unknown) => ({ Condition: { StringEquals: { "aws:PrincipalOrgID": value } } });
const foreign = (statementId: string): LayerPermission => ({
    statementId,
    principal: `${FOREIGN_STATEMENT_PREFIX}...`,
});

const SHAPES: Shape[] = [
    {
        name: "a plain account id principal",
        declared: [PARTNER],
        statements: [allow("partner", "210987654321")],
        refreshed: [PARTNER],
    },
    {
        name: "a plain account ARN principal",
        declared: [PARTNER],
        statements: [allow("partner", "arn:aws:iam::210987654321:root")],
        refreshed: [PARTNER],
    },
    {
        name: 'a plain "*" principal where an account is declared',
        declared: [PARTNER],
        statements: [allow("partner", "*")],
        refreshed: [{ statementId: "partner", principal: "*" }],
    },
    {
        name: '{"AWS": [one account id]}',
        declared: [PARTNER],
        statements: [allow("partner", { AWS: ["210987654321"] })],
        refreshed: [PARTNER],
    },
    {
        name: "an organization condition written as a one-element array",
        declared: [ORG],
        statements: [allow("org", { AWS: "*" }, orgCondition(["o-abcdefghij"]))],
        refreshed: [ORG],
    },
    {
        name: "an organization condition that is not declared",
        declared: [{ statementId: "org", principal: "*" }],
        statements: [allow("org", "*", orgCondition("o-abcdefghij"))],
        refreshed: [ORG],
    },
    {
        name: "several principals in one statement",
        declared: [PARTNER],
        statements: [allow("partner", "210987654321"), allow("multi", { AWS: ["111111111111", "222222222222"] })],
        refreshed: [foreign("multi"), PARTNER],
    },
    {
        name: "a Deny statement",
        declared: [PARTNER],
        statements: [allow("partner", "210987654321"), allow("deny", "*", { Effect: "Deny" })],
        refreshed: [foreign("deny"), PARTNER],
    },
    {
        name: "another action",
        declared: [PARTNER],
        statements: [allow("invoke", "*", { Action: "lambda:InvokeFunction" }), allow("partner", "210987654321")],
        refreshed: [foreign("invoke"), PARTNER],
    },
    {
        name: "another condition",
        declared: [PARTNER],
        statements: [
            allow("partner", "210987654321"),
            allow("ip", "*", { Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } }),
        ],
        refreshed: [foreign("ip"), PARTNER],
    },
    {
        name: "a foreign statement under a declared statementId",
        declared: [PARTNER],
        statements: [allow("partner", { Service: "lambda.amazonaws.com" })],
        refreshed: [foreign("partner")],
    },
];

function layerNameOf(index: number): string {
    return `policy-shape-${index}`;
}

/** `actual` matches `expected`, where a principal ending in `...` only has to start with what precedes it. */
function expectPermissions(actual: LayerPermission[] | undefined, expected: LayerPermission[]): void {
    const comparable = (actual ?? []).map((permission, index) => {
        const wanted = expected[index]?.principal ?? "";
        return wanted.endsWith("...") && permission.principal.startsWith(wanted.slice(0, -3))
            ? { ...permission, principal: wanted }
            : permission;
    });
    expect(comparable).to.deep.equal(expected);
}

describe("refresh and update against every policy shape (emulator store, real SDK)", () => {
    let dataDir: string;
    const created: { id: string; outs: LayerVersionOutputs; news: Record<string, unknown> }[] = [];
    const saved: Record<string, string | undefined> = {};
    let close: () => Promise<void> = async () => undefined;
    let client: LambdaClient;

    async function start(): Promise<void> {
        const emulator = await startEmulator({ dataDir });
        close = emulator.close;
        for (const [key, value] of Object.entries(emulatorEnvironment(emulator.endpoint))) {
            if (!(key in saved)) saved[key] = process.env[key];
            process.env[key] = value;
        }
        client = new LambdaClient({ endpoint: emulator.endpoint, region: REGION });
    }

    before(async () => {
        dataDir = tempDir("policy-shapes-");
        await start();
        const source = makeTree({ "index.js": "exports.x = 1;\n" });
        for (const [index, shape] of SHAPES.entries()) {
            const news = { layerName: layerNameOf(index), source: { path: source }, permissions: shape.declared };
            const checked = await provider.check({} as LayerVersionInputs, news as unknown as LayerVersionInputs);
            const { id, outs } = await provider.create(checked.inputs!);
            created.push({ id, outs: outs!, news });
        }
        // Restart on the same data directory with each stored policy rewritten in its shape.
        await close();
        for (const [index, shape] of SHAPES.entries()) {
            const file = path.join(dataDir, REGION, layerNameOf(index), "1.json");
            const record = JSON.parse(fs.readFileSync(file, "utf8"));
            const Resource = created[index].id;
            record.policy = {
                revisionId: `written-${index}`,
                statements: shape.statements.map((statement) => ({ ...statement, Resource })),
            };
            fs.writeFileSync(file, JSON.stringify(record));
        }
        await start();
    });

    after(async () => {
        await close();
        for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
        removeTempDirs();
    });

    for (const [index, shape] of SHAPES.entries()) {
        it(`${shape.name}: refresh shows it, and the next update leaves exactly the declared statements`, async () => {
            const { id, outs, news } = created[index];
            const refreshed = await provider.read!(id, outs);
            expect(refreshed.id).to.equal(id);
            expectPermissions(refreshed.props!.permissions, shape.refreshed);
            expectPermissions(refreshed.inputs!.permissions, shape.refreshed);
            expect(refreshed.props!.revisionId).to.equal(`written-${index}`);

            const checked = await provider.check(refreshed.inputs!, news as unknown as LayerVersionInputs);
            const diff = await provider.diff!(id, refreshed.props!, checked.inputs!);
            const drifted = JSON.stringify(shape.refreshed) !== JSON.stringify(shape.declared);
            expect(diff.changes).to.equal(drifted);
            expect(diff.replaces ?? []).to.deep.equal([]);
            const state = drifted
                ? (await provider.update!(id, refreshed.props!, checked.inputs!)).outs!
                : refreshed.props!;

            const live = await client.send(
                new GetLayerVersionPolicyCommand({ LayerName: layerNameOf(index), VersionNumber: 1 }),
            );
            const statements: { Sid: string }[] = JSON.parse(live.Policy!).Statement;
            expect(statements.map((statement) => statement.Sid).sort()).to.deep.equal(
                shape.declared.map((permission) => permission.statementId).sort(),
            );
            const after = await provider.read!(id, state);
            expect(after.props!.permissions).to.deep.equal(shape.declared);
            const again = await provider.diff!(
                id,
                after.props!,
                (await provider.check(after.inputs!, news as unknown as LayerVersionInputs)).inputs!,
            );
            expect(again.changes).to.equal(false);
        });
    }
});
