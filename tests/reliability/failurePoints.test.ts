/**
 * A failure at each step of create, update and delete leaves the stack's state and AWS agreeing.
 *
 * Each case aims the emulator's own fault injection at one request: `faultPlan` finds a seed under
 * which exactly the chosen request numbers (counted from the emulator's start, one request at a time)
 * are answered with an injected 429 or 500 and every other one is served; AWS_MAX_ATTEMPTS=1 turns the
 * SDK's retries off, so that fault is the call's failure. Pulumi keeps the old state when a step
 * throws, so "agreeing" means: after a failed create AWS holds nothing, after a failed update the
 * version grants what the old state records, after a failed delete the version is still there; and
 * the next run converges.
 */
import { AddLayerVersionPermissionCommand, GetLayerVersionPolicyCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { permissionsFromPolicy } from "../../provider/rules/policy";
import type { LayerPermission, LayerVersionInputs, LayerVersionOutputs } from "../../provider/types";
import { removeTempDirs } from "../helpers/fileTrees";
import { makeTree } from "../helpers/fixtures";
import {
    capturingStderr,
    checkAndCreate,
    emulatorForTest,
    failureOf,
    faultPlan,
    FaultKind,
    journalNotes,
    provider,
    totalRequests,
    versionsInAws,
} from "../helpers/reliability";

/** More requests than any case below makes: every one of them outside the aimed faults is served. */
const WINDOW = 60;
const LAYER_NAME = "failure-point";

/** Runs `body` against an emulator that faults exactly the requests in `faults`, with retries off. */
async function withFaults(
    faults: Record<number, FaultKind>,
    body: (context: { client: LambdaClient; journalDir: string }) => Promise<void>,
): Promise<void> {
    const test = await emulatorForTest(faultPlan(faults, WINDOW), { AWS_MAX_ATTEMPTS: "1" });
    try {
        await body(test);
        expect(totalRequests(test.emulator), "the case stayed inside the planned window").to.be.at.most(WINDOW);
    } finally {
        await test.stop();
    }
}

async function livePermissions(client: LambdaClient, arn: string): Promise<LayerPermission[]> {
    const [layerArn, version] = [arn.slice(0, arn.lastIndexOf(":")), Number(arn.slice(arn.lastIndexOf(":") + 1))];
    const policy = await client
        .send(new GetLayerVersionPolicyCommand({ LayerName: layerArn, VersionNumber: version }))
        .catch((error: Error) => {
            if (error.name === "ResourceNotFoundException") return undefined;
            throw error;
        });
    return permissionsFromPolicy(policy?.Policy);
}

const TREE = { "python/lib/helpers.py": "def helper():\n    return 42\n" };
const A = { statementId: "a", principal: "111111111111" };
const B = { statementId: "b", principal: "222222222222" };
const B_CHANGED = { statementId: "b", principal: "333333333333" };
const C = { statementId: "c", principal: "*", organizationId: "o-abcdefghij" };

function newsWith(sourcePath: string, permissions: LayerPermission[]): Record<string, unknown> {
    return { layerName: LAYER_NAME, source: { path: sourcePath }, permissions };
}

describe("reliability: a failure at each step leaves state and AWS agreeing (aimed fault injection)", function () {
    after(removeTempDirs);
    this.timeout(60_000);

    describe("create (publish, then one grant per permission)", () => {
        // Requests: 1 PublishLayerVersion, 2 AddLayerVersionPermission "a", 3 AddLayerVersionPermission "b",
        // then, after a failure, DeleteLayerVersion of the new version.
        // A publish refused at its only attempt with a 4xx (a throttle) published nothing; after a 500 nobody
        // knows, so the journal keeps a note for the next create to look (it lists the layer's versions).
        const cases: Array<{ step: string; faults: Record<number, FaultKind>; operation: string; notesAfter: number }> =
            [
                {
                    step: "the publish is throttled",
                    faults: { 1: "TooManyRequestsException" },
                    operation: "PublishLayerVersion",
                    notesAfter: 0,
                },
                {
                    step: "the publish meets a 500",
                    faults: { 1: "ServiceException" },
                    operation: "PublishLayerVersion",
                    notesAfter: 1,
                },
                {
                    step: "the first grant fails",
                    faults: { 2: "fault" },
                    operation: 'AddLayerVersionPermission "a"',
                    notesAfter: 0,
                },
                {
                    step: "the last grant fails",
                    faults: { 3: "fault" },
                    operation: 'AddLayerVersionPermission "b"',
                    notesAfter: 0,
                },
            ];
        for (const { step, faults, operation, notesAfter } of cases) {
            it(`leaves nothing in AWS when ${step}, and the next create publishes one version`, async () => {
                await withFaults(faults, async ({ client, journalDir }) => {
                    const news = newsWith(makeTree(TREE), [A, B]);
                    const failure = await failureOf(checkAndCreate(news));
                    expect(failure.message)
                        .to.include(`layer "${LAYER_NAME}": ${operation} failed: `)
                        .and.match(/\(request id [\w-]+, HTTP (429|500)\)/);
                    expect(await versionsInAws(client, LAYER_NAME), "a failed create leaves nothing").to.deep.equal([]);
                    expect(journalNotes(journalDir)).to.have.length(notesAfter);

                    const { result: retried, lines } = await capturingStderr(() => checkAndCreate(news));
                    expect(await versionsInAws(client, LAYER_NAME)).to.deep.equal([retried.outs.version]);
                    expect(await livePermissions(client, retried.id)).to.deep.equal([A, B]);
                    expect(journalNotes(journalDir), "no note is left behind").to.deep.equal([]);
                    expect(lines, "nothing to report: the faulted publish changed nothing").to.deep.equal([]);
                });
            });
        }

        it("keeps a journal note when the grant and the cleanup both fail, and the next create deletes that version", async () => {
            // 3: AddLayerVersionPermission "b" fails, 4: the cleanup's DeleteLayerVersion fails too.
            await withFaults({ 3: "fault", 4: "fault" }, async ({ client, journalDir }) => {
                const news = newsWith(makeTree(TREE), [A, B]);
                const failure = await failureOf(checkAndCreate(news));
                expect(failure.message)
                    .to.include('AddLayerVersionPermission "b" failed')
                    .and.include(":layer:failure-point:1 could not be deleted either");
                expect(failure.message).to.include(
                    "the next create or delete of this layer on this machine deletes it",
                );
                expect(
                    await versionsInAws(client, LAYER_NAME),
                    "the orphan is there, and the journal knows it",
                ).to.deep.equal([1]);
                expect(journalNotes(journalDir)).to.have.length(1).and.to.have.nested.property("[0].abandoned", true);

                const { result: next, lines } = await capturingStderr(() => checkAndCreate(news));
                expect(lines.join("\n")).to.match(
                    /deleted arn:aws:lambda:us-east-1:123456789012:layer:failure-point:1, published at .* whose create never finished/,
                );
                expect(await versionsInAws(client, LAYER_NAME), "only the managed version remains").to.deep.equal([
                    next.outs.version,
                ]);
                expect(journalNotes(journalDir)).to.deep.equal([]);
            });
        });
    });

    describe("update (permissions a, b -> b changed, c)", () => {
        // Requests 1-3 create the version with a and b. The update then makes: 4 Remove "a", 5 GetPolicy,
        // 6 Remove "b", 7 GetPolicy, 8 Add "b", 9 Add "c", 10 GetPolicy (the final read).
        const steps: Array<{ request: number; operation: string }> = [
            { request: 4, operation: 'RemoveLayerVersionPermission "a"' },
            { request: 5, operation: "GetLayerVersionPolicy" },
            { request: 6, operation: 'RemoveLayerVersionPermission "b"' },
            { request: 7, operation: "GetLayerVersionPolicy" },
            { request: 8, operation: 'AddLayerVersionPermission "b"' },
            { request: 9, operation: 'AddLayerVersionPermission "c"' },
            { request: 10, operation: "GetLayerVersionPolicy" },
        ];
        for (const { request, operation } of steps) {
            it(`puts the permissions back when request ${request} (${operation}) fails, and the next update converges`, async () => {
                await withFaults({ [request]: "fault" }, async ({ client }) => {
                    const dir = makeTree(TREE);
                    const created = await checkAndCreate(newsWith(dir, [A, B]));
                    const { olds, news } = await updateInputs(created.outs, newsWith(dir, [B_CHANGED, C]));

                    const failure = await failureOf(provider.update!(created.id, olds, news));
                    expect(failure.message).to.include(`${operation} failed`);
                    if (request > 4) {
                        expect(failure.message).to.include("were put back, so the stack's state still matches AWS");
                    }
                    expect(
                        await livePermissions(client, created.id),
                        "AWS grants what the old state records",
                    ).to.deep.equal([A, B]);

                    const updated = await provider.update!(created.id, olds, news);
                    expect(await livePermissions(client, created.id)).to.deep.equal([B_CHANGED, C]);
                    expect(permissionsFromPolicy(updated.outs!.policy)).to.deep.equal([B_CHANGED, C]);
                });
            });
        }

        it("fails loudly, changing nothing, when someone else changed the policy since the state was recorded", async () => {
            await withFaults({}, async ({ client }) => {
                const dir = makeTree(TREE);
                const created = await checkAndCreate(newsWith(dir, [A, B]));
                await client.send(
                    new AddLayerVersionPermissionCommand({
                        LayerName: LAYER_NAME,
                        VersionNumber: 1,
                        StatementId: "intruder",
                        Action: "lambda:GetLayerVersion",
                        Principal: "*",
                    }),
                );
                const { olds, news } = await updateInputs(created.outs, newsWith(dir, [B_CHANGED, C]));
                const failure = await failureOf(provider.update!(created.id, olds, news));
                expect(failure.message)
                    .to.include("PreconditionFailedException")
                    .and.include("run `pulumi refresh`, then `pulumi up` again");
                expect(await livePermissions(client, created.id)).to.deep.equal([
                    A,
                    B,
                    { statementId: "intruder", principal: "*" },
                ]);
            });
        });

        it("says to refresh when putting back fails too, and refresh then up converge", async () => {
            // 8: Add "b" fails; 9 reads the policy (a and b removed); 10: putting "a" back fails.
            await withFaults({ 8: "fault", 10: "fault" }, async ({ client }) => {
                const dir = makeTree(TREE);
                const created = await checkAndCreate(newsWith(dir, [A, B]));
                const { olds, news } = await updateInputs(created.outs, newsWith(dir, [B_CHANGED, C]));
                const failure = await failureOf(provider.update!(created.id, olds, news));
                expect(failure.message)
                    .to.include('AddLayerVersionPermission "b" failed')
                    .and.include("putting back the permissions it had changed failed too");
                expect(failure.message).to.include("run `pulumi refresh`");

                const refreshed = await provider.read!(created.id, olds);
                expect(refreshed.props!.permissions ?? []).to.deep.equal(await livePermissions(client, created.id));
                const rechecked = await provider.check(refreshed.inputs!, news);
                const updated = await provider.update!(created.id, refreshed.props!, rechecked.inputs!);
                expect(await livePermissions(client, created.id)).to.deep.equal([B_CHANGED, C]);
                expect(permissionsFromPolicy(updated.outs!.policy)).to.deep.equal([B_CHANGED, C]);
            });
        });
    });

    describe("delete", () => {
        it("keeps the version when DeleteLayerVersion fails, so the state that still lists it is right, and deletes it on the next run", async () => {
            // 1 publish, 2 grant "a", 3 DeleteLayerVersion (faulted), 4 DeleteLayerVersion again.
            await withFaults({ 3: "fault" }, async ({ client }) => {
                const created = await checkAndCreate(newsWith(makeTree(TREE), [A]));
                const failure = await failureOf(provider.delete!(created.id, created.outs));
                expect(failure.message).to.include(`layer "${LAYER_NAME}": DeleteLayerVersion failed: `);
                expect(await versionsInAws(client, LAYER_NAME)).to.deep.equal([1]);
                await provider.delete!(created.id, created.outs);
                expect(await versionsInAws(client, LAYER_NAME)).to.deep.equal([]);
            });
        });
    });
});

/** The olds and checked news of an update, as the engine hands them to the provider. */
async function updateInputs(
    outs: LayerVersionOutputs,
    news: Record<string, unknown>,
): Promise<{ olds: LayerVersionOutputs; news: LayerVersionInputs }> {
    const checked = await provider.check(outs, news as unknown as LayerVersionInputs);
    expect(checked.failures ?? []).to.deep.equal([]);
    const diff = await provider.diff!(outs.arn, outs, checked.inputs!);
    expect(diff.replaces ?? [], "a permissions change is an update in place").to.deep.equal([]);
    return { olds: outs, news: checked.inputs! };
}
