/**
 * One shard of the fault soak (soak.test.ts runs several at once, one process each, since the AWS
 * environment is per process): an in-process emulator answering a seeded fraction of requests with
 * 429 or 500, and full lifecycles driven one after another through LayerVersionProvider with the
 * retry settings a user gets by default. After every step, AWS (listed by a separate client) must hold
 * exactly the versions, and grant exactly the permissions, that the state says.
 *
 * Usage: node soakShard.js '{"shard":0,"lifecycles":10,"faultRate":0.3,"faultSeed":1}'
 * Prints one JSON line (ShardReport) on stdout; exits 1 with the failure on stderr.
 */
import { GetLayerVersionPolicyCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { permissionsFromPolicy } from "../../provider/rules/policy";
import type { LayerPermission, LayerVersionInputs, LayerVersionOutputs } from "../../provider/types";
import { removeTempDirs } from "../helpers/fileTrees";
import { makeTree, writeTree } from "../helpers/fixtures";
import {
    capturingStderr,
    emulatorForTest,
    injectedFaults,
    journalNotes,
    provider,
    totalRequests,
    versionsInAws,
} from "../helpers/reliability";

/** What the test gives a shard. */
export interface ShardSettings {
    shard: number;
    lifecycles: number;
    faultRate: number;
    faultSeed: number;
    /** AWS_MAX_ATTEMPTS for the provider; absent: not set, as for most users. */
    maxAttempts?: number;
}

/** What a shard reports. */
export interface ShardReport extends ShardSettings {
    /** API requests the emulator received: the provider's, with every retry, and the checks'. */
    requests: number;
    /** Injected faults, each retried by the SDK (every call ended in success). */
    throttles: number;
    serviceErrors: number;
    /** Provider warnings on stderr (a suspected duplicate, say): none expected. */
    warnings: string[];
    durationMs: number;
}

/** What the state says the layer is: the resource's id and outputs. */
interface State {
    id: string;
    outs: LayerVersionOutputs;
}

/** AWS holds exactly the state's version of the layer, granting exactly the state's permissions. */
async function expectAwsMatches(
    client: LambdaClient,
    layerName: string,
    state: State | undefined,
    step: string,
): Promise<void> {
    expect(await versionsInAws(client, layerName), `${layerName} after ${step}: versions`).to.deep.equal(
        state ? [state.outs.version] : [],
    );
    if (!state) return;
    const policy = await client
        .send(new GetLayerVersionPolicyCommand({ LayerName: layerName, VersionNumber: state.outs.version }))
        .catch((error: Error) => (error.name === "ResourceNotFoundException" ? undefined : Promise.reject(error)));
    expect(permissionsFromPolicy(policy?.Policy), `${layerName} after ${step}: permissions`).to.deep.equal(
        permissionsFromPolicy(state.outs.policy),
    );
}

async function check(
    olds: LayerVersionOutputs | undefined,
    news: Record<string, unknown>,
): Promise<LayerVersionInputs> {
    const checked = await provider.check((olds ?? {}) as LayerVersionInputs, news as unknown as LayerVersionInputs);
    expect(checked.failures ?? []).to.deep.equal([]);
    return checked.inputs!;
}

/** create, no-op, permission update, replace (create-before-delete), refresh, delete: one `pulumi up` step each. */
async function lifecycle(client: LambdaClient, layerName: string): Promise<void> {
    const dir = makeTree({
        "python/lib/soak.py": `NAME = "${layerName}"\n`,
        "bin/run": { content: "#!/bin/sh\n", mode: 0o755 },
    });
    const first: LayerPermission[] = [{ statementId: "partner", principal: "210987654321" }];
    const second: LayerPermission[] = [
        { statementId: "partner", principal: "111122223333" },
        { statementId: "org", principal: "*", organizationId: "o-soak012345" },
    ];
    const news = (permissions: LayerPermission[]) => ({
        layerName,
        source: { path: dir },
        compatibleRuntimes: ["python3.12"],
        permissions,
    });

    const createdInputs = await check(undefined, news(first));
    const created = await provider.create(createdInputs);
    let state: State = { id: created.id, outs: created.outs! };
    await expectAwsMatches(client, layerName, state, "create");

    const unchanged = await provider.diff!(state.id, state.outs, await check(state.outs, news(first)));
    expect(unchanged.changes, "no-op").to.equal(false);

    const updateInputs = await check(state.outs, news(second));
    expect((await provider.diff!(state.id, state.outs, updateInputs)).replaces ?? []).to.deep.equal([]);
    state = { id: state.id, outs: (await provider.update!(state.id, state.outs, updateInputs)).outs! };
    await expectAwsMatches(client, layerName, state, "permission update");

    writeTree(dir, { "python/lib/soak.py": `NAME = "${layerName}"\nVERSION = 2\n` });
    const replaceInputs = await check(state.outs, news(second));
    expect((await provider.diff!(state.id, state.outs, replaceInputs)).replaces).to.deep.equal(["sourceHash"]);
    const replacement = await provider.create(replaceInputs);
    await provider.delete!(state.id, state.outs);
    state = { id: replacement.id, outs: replacement.outs! };
    await expectAwsMatches(client, layerName, state, "replace");

    const refreshed = await provider.read!(state.id, state.outs);
    expect(refreshed.id).to.equal(state.id);
    expect(refreshed.props!.permissions).to.deep.equal(second);
    state = { id: state.id, outs: refreshed.props! };
    await expectAwsMatches(client, layerName, state, "refresh");

    await provider.delete!(state.id, state.outs);
    await expectAwsMatches(client, layerName, undefined, "delete");
}

export async function runShard(settings: ShardSettings): Promise<ShardReport> {
    const started = Date.now();
    const test = await emulatorForTest(
        { faultRate: settings.faultRate, faultSeed: settings.faultSeed },
        { AWS_MAX_ATTEMPTS: settings.maxAttempts?.toString() },
    );
    try {
        const { lines } = await capturingStderr(async () => {
            for (let index = 0; index < settings.lifecycles; index++) {
                await lifecycle(test.client, `soak-${settings.shard}-${index}`);
            }
        });
        expect(journalNotes(test.journalDir), "no publish left in the journal").to.deep.equal([]);
        const requests = totalRequests(test.emulator);
        const warnings = lines.filter((line) => line.startsWith("pulumi-lambda-layer"));
        return {
            ...settings,
            requests,
            ...injectedFaults(settings.faultRate, settings.faultSeed, requests),
            warnings,
            durationMs: Date.now() - started,
        };
    } finally {
        await test.stop();
        removeTempDirs();
    }
}

if (require.main === module) {
    runShard(JSON.parse(process.argv[2]) as ShardSettings).then(
        (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
        (error: Error) => {
            process.stderr.write(`${error.stack ?? error.message}\n`);
            process.exit(1);
        },
    );
}
