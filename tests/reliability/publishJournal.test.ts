/**
 * The publish journal: a create killed after its publish leaves no version that nothing manages, because
 * the next create (or delete) of the layer on this machine deletes it; a publish whose outcome nobody
 * learned is reported with what is needed to find it; a retried publish that duplicated a version says so.
 * The kills are real: a child process runs check and create, and is killed with SIGKILL at the exact
 * request, held by a proxy in front of the emulator.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetLayerVersionCommand, ListLayerVersionsCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { isAbandoned, journalDirectory, layerKey, type PublishRecord } from "../../provider/aws/publishJournal";
import { removeTempDirs } from "../helpers/fileTrees";
import { makeTree } from "../helpers/fixtures";
import {
    capturingStderr,
    checkAndCreate,
    emulatorForTest,
    journalNotes,
    provider,
    setEnvironment,
    tempDir,
    versionsInAws,
} from "../helpers/reliability";
import { Interception, startInterceptingProxy } from "../helpers/interceptingProxy";

const TREE = { "nodejs/node_modules/journal/index.js": "module.exports = 'journal';\n" };
const PERMISSION = { statementId: "partner", principal: "210987654321" };

/** A child process running check + create of `news` with the AWS endpoint at `endpoint`. */
function createInChild(
    news: Record<string, unknown>,
    endpoint: string,
): { child: ChildProcess; exited: Promise<NodeJS.Signals | null> } {
    const script = `
        const { LayerVersionProvider } = require(${JSON.stringify(path.resolve(__dirname, "../../provider"))});
        const provider = new LayerVersionProvider();
        provider.check({}, ${JSON.stringify(news)})
            .then((checked) => provider.create(checked.inputs))
            .then(() => process.stdout.write("created"), (error) => { console.error(error); process.exit(1); });`;
    const child = spawn(process.execPath, ["-e", script], {
        env: { ...process.env, AWS_ENDPOINT_URL_LAMBDA: endpoint, NODE_NO_WARNINGS: "1" },
        stdio: "ignore",
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on("exit", (_code, signal) => resolve(signal)),
    );
    return { child, exited };
}

/**
 * Runs check + create of `news` in a child process and kills it with SIGKILL when the request that
 * `matches` reaches the proxy; the request is then held or delivered as `then` says.
 */
async function killDuringCreate(
    emulatorEndpoint: string,
    news: Record<string, unknown>,
    matches: (method: string, requestPath: string) => boolean,
    then: Interception,
): Promise<{ pid: number; signal: NodeJS.Signals | null }> {
    let running: ReturnType<typeof createInChild> | undefined;
    const proxy = await startInterceptingProxy(emulatorEndpoint, async ({ method, path: requestPath }) => {
        if (!running || !matches(method, requestPath)) return "forward";
        running.child.kill("SIGKILL");
        await running.exited;
        return then;
    });
    try {
        running = createInChild(news, proxy.endpoint);
        const signal = await running.exited;
        return { pid: running.child.pid!, signal };
    } finally {
        await proxy.close();
    }
}

const isPublish = (method: string, requestPath: string) =>
    method === "POST" && /\/layers\/[^/]+\/versions$/.test(requestPath);
const isGrant = (method: string, requestPath: string) => method === "POST" && requestPath.includes("/policy");

describe("reliability: the publish journal", function () {
    after(removeTempDirs);
    this.timeout(60_000);

    describe("rules (pure)", () => {
        it("keeps its notes under PULUMI_LAMBDA_LAYER_JOURNAL_DIR, else the XDG cache, else ~/.cache", () => {
            expect(
                journalDirectory({ PULUMI_LAMBDA_LAYER_JOURNAL_DIR: "/var/journal", XDG_CACHE_HOME: "/xdg" }),
            ).to.equal("/var/journal");
            expect(journalDirectory({ XDG_CACHE_HOME: "/xdg" })).to.equal("/xdg/pulumi-lambda-layer/journal");
            expect(journalDirectory({ XDG_CACHE_HOME: "relative" })).to.equal(
                path.join(os.homedir(), ".cache", "pulumi-lambda-layer", "journal"),
            );
        });

        it("files a layer's notes under one key, whether it is named or given by ARN", () => {
            expect(layerKey("shared-deps", "eu-west-1")).to.equal(
                layerKey("arn:aws:lambda:eu-west-1:123456789012:layer:shared-deps", "eu-west-1"),
            );
            expect(layerKey("shared-deps", "eu-west-1")).to.not.equal(layerKey("shared-deps", "us-east-1"));
            expect(layerKey("shared-deps", "eu-west-1")).to.not.equal(layerKey("shared-deps-2", "eu-west-1"));
        });

        it("counts a note abandoned when its create gave up, or its process is gone from this host; never one of another host", () => {
            const note: PublishRecord = {
                layerName: "l",
                region: "us-east-1",
                startedAt: "2024-01-01T00:00:00.000Z",
                pid: 42,
                host: "ci-runner",
            };
            const alive = () => true;
            const dead = () => false;
            expect(isAbandoned(note, "ci-runner", dead)).to.equal(true);
            expect(isAbandoned(note, "ci-runner", alive)).to.equal(false);
            expect(isAbandoned({ ...note, abandoned: true }, "ci-runner", alive)).to.equal(true);
            expect(isAbandoned(note, "laptop", dead), "another host's pid means nothing here").to.equal(false);
        });
    });

    describe("a create killed with SIGKILL", () => {
        it("after the publish, while granting: the next create deletes the version nobody manages", async () => {
            const test = await emulatorForTest();
            try {
                const news = {
                    layerName: "killed-while-granting",
                    source: { path: makeTree(TREE) },
                    permissions: [PERMISSION],
                };
                const killed = await killDuringCreate(test.emulator.endpoint, news, isGrant, "hold");
                expect(killed.signal).to.equal("SIGKILL");
                expect(
                    await versionsInAws(test.client, "killed-while-granting"),
                    "published, then the process died",
                ).to.deep.equal([1]);
                const [note] = journalNotes(test.journalDir);
                expect(note).to.include({
                    layerName: "killed-while-granting",
                    pid: killed.pid,
                    versionArn: "arn:aws:lambda:us-east-1:123456789012:layer:killed-while-granting:1",
                });

                const { result: next, lines } = await capturingStderr(() => checkAndCreate(news));
                expect(lines.join("\n")).to.include(
                    `deleted arn:aws:lambda:us-east-1:123456789012:layer:killed-while-granting:1, published at ${note.startedAt} by process ${killed.pid}`,
                );
                expect(
                    await versionsInAws(test.client, "killed-while-granting"),
                    "only the managed version",
                ).to.deep.equal([next.outs.version]);
                expect(journalNotes(test.journalDir)).to.deep.equal([]);
            } finally {
                await test.stop();
            }
        });

        it("after the publish: `pulumi destroy` of another version of the layer deletes it too", async () => {
            const test = await emulatorForTest();
            try {
                const news = {
                    layerName: "killed-then-destroyed",
                    source: { path: makeTree(TREE) },
                    permissions: [PERMISSION],
                };
                const managed = await checkAndCreate(news);
                await killDuringCreate(test.emulator.endpoint, { ...news, description: "next" }, isGrant, "hold");
                expect(await versionsInAws(test.client, "killed-then-destroyed")).to.deep.equal([1, 2]);
                await capturingStderr(() => provider.delete!(managed.id, managed.outs));
                expect(await versionsInAws(test.client, "killed-then-destroyed")).to.deep.equal([]);
            } finally {
                await test.stop();
            }
        });

        it("while the publish is in flight and it lands: the next create names the version and its CodeSha256", async () => {
            const test = await emulatorForTest();
            try {
                const news = { layerName: "killed-mid-publish", source: { path: makeTree(TREE) } };
                await killDuringCreate(test.emulator.endpoint, news, isPublish, "deliver-unanswered");
                expect(
                    await versionsInAws(test.client, "killed-mid-publish"),
                    "the publish landed after the process died",
                ).to.deep.equal([1]);
                const [note] = journalNotes(test.journalDir);
                expect(note).to.not.have.property("versionArn");

                const { result: next, lines } = await capturingStderr(() => checkAndCreate(news));
                const landed = await test.client.send(
                    new GetLayerVersionCommand({ LayerName: "killed-mid-publish", VersionNumber: 1 }),
                );
                const warning = lines.join("\n");
                expect(warning).to.include("never learned whether it landed");
                expect(warning)
                    .to.include(`CodeSha256 ${landed.Content!.CodeSha256}`)
                    .and.include(landed.LayerVersionArn!);
                expect(warning)
                    .to.include("aws lambda get-layer-version")
                    .and.include("aws lambda delete-layer-version");
                expect(next.outs.version).to.equal(2);
                expect(journalNotes(test.journalDir), "reported once").to.deep.equal([]);
            } finally {
                await test.stop();
            }
        });

        it("while the publish is in flight and it never lands: the next create looks once and says nothing", async () => {
            const test = await emulatorForTest();
            try {
                const news = { layerName: "killed-before-publish", source: { path: makeTree(TREE) } };
                await killDuringCreate(test.emulator.endpoint, news, isPublish, "hold");
                expect(await versionsInAws(test.client, "killed-before-publish")).to.deep.equal([]);
                test.emulator.resetRequestCounts();
                const { result: next, lines } = await capturingStderr(() => checkAndCreate(news));
                expect(lines).to.deep.equal([]);
                expect(test.emulator.requestCounts()).to.deep.equal({ ListLayerVersions: 1, PublishLayerVersion: 1 });
                expect(await versionsInAws(test.client, "killed-before-publish")).to.deep.equal([next.outs.version]);
                expect(journalNotes(test.journalDir)).to.deep.equal([]);
            } finally {
                await test.stop();
            }
        });
    });

    it("reports a version duplicated by a retried publish whose first answer was lost", async () => {
        const test = await emulatorForTest();
        let publishes = 0;
        const proxy = await startInterceptingProxy(test.emulator.endpoint, ({ method, path: requestPath }) =>
            isPublish(method, requestPath) && ++publishes === 1 ? "lose-answer" : "forward",
        );
        const restore = setEnvironment({ AWS_ENDPOINT_URL_LAMBDA: proxy.endpoint });
        try {
            const { result: created, lines } = await capturingStderr(() =>
                checkAndCreate({ layerName: "lost-answer", source: { path: makeTree(TREE) } }),
            );
            expect(created.outs.version).to.equal(2);
            expect(lines.join("\n")).to.include(
                "PublishLayerVersion took 2 attempts and arn:aws:lambda:us-east-1:123456789012:layer:lost-answer:1 has the same content",
            );
            const listed = await test.client.send(new ListLayerVersionsCommand({ LayerName: "lost-answer" }));
            expect(listed.LayerVersions!.map((version) => version.Version).sort()).to.deep.equal(
                [1, 2],
                "the state's version and the reported one: nothing unaccounted for",
            );
        } finally {
            restore();
            await proxy.close();
            await test.stop();
        }
    });

    it("makes no API call for other layers' abandoned notes, and keeps them", async () => {
        const test = await emulatorForTest();
        try {
            await killDuringCreate(
                test.emulator.endpoint,
                { layerName: "someone-else", source: { path: makeTree(TREE) }, permissions: [PERMISSION] },
                isGrant,
                "hold",
            );
            test.emulator.resetRequestCounts();
            await checkAndCreate({ layerName: "mine", source: { path: makeTree(TREE) }, permissions: [PERMISSION] });
            expect(test.emulator.requestCounts(), "create = 1 publish + 1 per permission").to.deep.equal({
                PublishLayerVersion: 1,
                AddLayerVersionPermission: 1,
            });
            expect(journalNotes(test.journalDir))
                .to.have.length(1)
                .and.to.have.nested.property("[0].layerName", "someone-else");
        } finally {
            await test.stop();
        }
    });

    it("still publishes when the journal cannot be written, and says so", async () => {
        const blocker = path.join(tempDir("journal-blocked"), "a-file");
        fs.writeFileSync(blocker, "not a directory\n");
        const test = await emulatorForTest({}, { PULUMI_LAMBDA_LAYER_JOURNAL_DIR: path.join(blocker, "journal") });
        try {
            const { result: created, lines } = await capturingStderr(() =>
                checkAndCreate({ layerName: "no-journal", source: { path: makeTree(TREE) } }),
            );
            expect(created.outs.version).to.equal(1);
            expect(lines.join("\n"))
                .to.include('layer "no-journal": the publish journal')
                .and.include("cannot be written");
        } finally {
            await test.stop();
        }
    });
});
