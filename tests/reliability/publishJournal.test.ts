/**
 * The publish journal: a create killed after its publish leaves no version that nothing manages, because
 * the next create (or delete) of the layer on this machine deletes it; a publish whose outcome nobody
 * learned is reported with what is needed to find it; a retried publish that duplicated a version says so.
 * The kills are real: a child process runs check and create, and is killed with SIGKILL at the exact
 * request, held by a proxy in front of the emulator.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ListLayerVersionsCommand, PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import { makeZip } from "../helpers/emulator";
import { expect } from "chai";
import { skipUnlessFound, UNSHARE } from "../helpers/externalTools";
import { isAbandoned, journalDirectory, layerKey, type PublishRecord } from "../../provider/aws/publishJournal";
import { holdLiveLock } from "../../provider/local/processLiveness";
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

/** Whether this machine can run a process in a fresh PID namespace (util-linux `unshare`, as root). */
const canUnshare = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"]).status === 0;

/**
 * A child process running check + create of `news` with the AWS endpoint at `endpoint`; with
 * `pidNamespace`, as pid 1 of a fresh PID namespace, as in a container. `kill()` kills it with SIGKILL.
 */
function createInChild(
    news: Record<string, unknown>,
    endpoint: string,
    pidNamespace = false,
): { child: ChildProcess; exited: Promise<NodeJS.Signals | null>; code: Promise<number | null>; kill(): void } {
    const script = `
        const { LayerVersionProvider } = require(${JSON.stringify(path.resolve(__dirname, "../../provider"))});
        const provider = new LayerVersionProvider();
        provider.check({}, ${JSON.stringify(news)})
            .then((checked) => provider.create(checked.inputs))
            .then(() => process.stdout.write("created"), (error) => { console.error(error); process.exit(1); });`;
    const command = pidNamespace
        ? ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", process.execPath, "-e", script]
        : [process.execPath, "-e", script];
    const child = spawn(command[0], command.slice(1), {
        env: { ...process.env, AWS_ENDPOINT_URL_LAMBDA: endpoint, NODE_NO_WARNINGS: "1" },
        stdio: "ignore",
        detached: true, // its own process group, so that a kill reaches unshare's child too
    });
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    return {
        child,
        exited: ended.then(({ signal }) => signal),
        code: ended.then(({ code }) => code),
        kill: () => process.kill(-child.pid!, "SIGKILL"),
    };
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
    pidNamespace = false,
): Promise<{ pid: number; signal: NodeJS.Signals | null }> {
    let running: ReturnType<typeof createInChild> | undefined;
    const proxy = await startInterceptingProxy(emulatorEndpoint, async ({ method, path: requestPath }) => {
        if (!running || !matches(method, requestPath)) return "forward";
        running.kill();
        await running.exited;
        return then;
    });
    try {
        running = createInChild(news, proxy.endpoint, pidNamespace);
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

        it("counts a note abandoned when its create gave up, or its process is gone by more than its PID; never one of another machine", () => {
            const here = { pid: 1, host: "runner-b", bootId: "boot-1", pidStart: "900", pidNamespace: "pid:[2]" };
            const note: PublishRecord = {
                layerName: "l",
                region: "us-east-1",
                startedAt: "2024-01-01T00:00:00.000Z",
                pid: 1,
                host: "runner-a",
                bootId: "boot-1",
                pidStart: "500",
                pidNamespace: "pid:[1]",
                lockSocket: "/journal/x.sock",
            };
            // Another container of the same kernel (a new hostname, pid 1 again): the lock socket decides.
            expect(isAbandoned(note, here, { lockAnswers: false, startOfPid: "900" })).to.equal(true);
            expect(isAbandoned(note, here, { lockAnswers: true, startOfPid: "900" })).to.equal(false);
            expect(isAbandoned({ ...note, abandoned: true }, here, { lockAnswers: true })).to.equal(true);
            // Without a lock: the PID with its start time, in the same PID namespace only.
            const unlocked = { ...note, lockSocket: undefined, pidNamespace: "pid:[2]" };
            expect(isAbandoned(unlocked, here, { startOfPid: "900" }), "pid 1 reused by another run").to.equal(true);
            expect(isAbandoned(unlocked, here, { startOfPid: "500" })).to.equal(false);
            expect(isAbandoned(unlocked, here, {}), "no such process").to.equal(true);
            expect(
                isAbandoned({ ...unlocked, pidNamespace: "pid:[1]" }, here, {}),
                "its PID means nothing here",
            ).to.equal(false);
            // Boot ids: an earlier boot of this host is gone; another machine sharing the folder is never judged.
            expect(isAbandoned({ ...note, bootId: "boot-0", host: "runner-b" }, here, { lockAnswers: true })).to.equal(
                true,
            );
            expect(isAbandoned({ ...note, bootId: "boot-9" }, here, { lockAnswers: false })).to.equal(false);
            // Notes without boot ids: the host name, as before.
            const plain = { ...unlocked, bootId: undefined, pidNamespace: undefined, pidStart: undefined };
            expect(isAbandoned(plain, { ...here, bootId: undefined }, {})).to.equal(false, "another host");
            expect(isAbandoned({ ...plain, host: "runner-b" }, { ...here, bootId: undefined }, {})).to.equal(true);
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

        it("while the publish is in flight and it lands: the next create finds it by content and settings and deletes it, sparing others", async () => {
            const test = await emulatorForTest();
            try {
                const news = { layerName: "killed-mid-publish", source: { path: makeTree(TREE) }, description: "d" };
                // Published meanwhile by someone else: the same content, other settings.
                await checkAndCreate({ ...news, description: "another stack" });
                await killDuringCreate(test.emulator.endpoint, news, isPublish, "deliver-unanswered");
                expect(
                    await versionsInAws(test.client, "killed-mid-publish"),
                    "the publish landed after the process died",
                ).to.deep.equal([1, 2]);
                const [note] = journalNotes(test.journalDir);
                expect(note).to.not.have.property("versionArn");

                const { result: next, lines } = await capturingStderr(() => checkAndCreate(news));
                expect(lines.join("\n")).to.include(
                    'layer "killed-mid-publish": deleted arn:aws:lambda:us-east-1:123456789012:layer:killed-mid-publish:2',
                );
                expect(next.outs.version).to.equal(3);
                expect(await versionsInAws(test.client, "killed-mid-publish")).to.deep.equal([1, 3]);
                expect(journalNotes(test.journalDir)).to.deep.equal([]);
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

    describe("a create killed with SIGKILL at each step leaves 0 versions once the next create has run", () => {
        let grants = 0;
        const steps: Array<{
            step: string;
            matches: (method: string, requestPath: string) => boolean;
            then: Interception;
        }> = [
            { step: "before the publish is sent", matches: isPublish, then: "hold" },
            {
                step: "after the publish answered, before the note has the ARN",
                matches: isPublish,
                then: "deliver-unanswered",
            },
            { step: "after the note has the ARN", matches: isGrant, then: "hold" },
            {
                step: "while granting (the second of two permissions)",
                matches: (method, requestPath) => isGrant(method, requestPath) && ++grants === 2,
                then: "deliver-unanswered",
            },
        ];
        for (const pidNamespace of [false, true]) {
            for (const { step, matches, then } of steps) {
                const where = pidNamespace ? "each run pid 1 of a fresh PID namespace" : "plain processes";
                const title = `${step} (${where})`;
                if (pidNamespace && !canUnshare) {
                    it(`${title} [needs unshare --pid --fork --mount-proc, as root]`, function () {
                        skipUnlessFound(this, UNSHARE, false);
                    });
                    continue;
                }
                it(title, async () => {
                    grants = 0;
                    const test = await emulatorForTest();
                    try {
                        const news = {
                            layerName: "killed-at-each-step",
                            source: { path: makeTree(TREE) },
                            permissions: [PERMISSION, { statementId: "other", principal: "111122223333" }],
                        };
                        const killed = await killDuringCreate(
                            test.emulator.endpoint,
                            news,
                            matches,
                            then,
                            pidNamespace,
                        );
                        expect(killed.signal).to.equal("SIGKILL");
                        expect(journalNotes(test.journalDir)).to.have.length(1);
                        if (pidNamespace) expect(journalNotes(test.journalDir)[0]).to.include({ pid: 1 });

                        const next = createInChild(news, test.emulator.endpoint, pidNamespace);
                        expect(await next.code).to.equal(0);
                        expect(
                            await versionsInAws(test.client, "killed-at-each-step"),
                            "only the version the next create published and handed to Pulumi",
                        ).to.have.length(1);
                        expect(fs.readdirSync(test.journalDir), "no note, lock or temporary file").to.deep.equal([]);
                    } finally {
                        await test.stop();
                    }
                });
            }
        }
    });

    it("recovers a note of the first format, and the .tmp a kill left beside it holding the ARN", async () => {
        const test = await emulatorForTest();
        try {
            const layerName = "first-format";
            const orphan = await test.client.send(
                new PublishLayerVersionCommand({
                    LayerName: layerName,
                    Content: { ZipFile: await makeZip({ "a.js": "1\n" }) },
                }),
            );
            const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!;
            const base = path.join(test.journalDir, `${layerKey(layerName, "us-east-1")}.${deadPid}.0123456789ab.json`);
            const note = {
                format: "pulumi-lambda-layer/publish-journal/v1",
                layerName,
                region: "us-east-1",
                startedAt: new Date().toISOString(),
                pid: deadPid,
                host: os.hostname(),
            };
            fs.mkdirSync(test.journalDir, { recursive: true });
            fs.writeFileSync(base, JSON.stringify(note));
            fs.writeFileSync(
                `${base}.ba9876543210.tmp`,
                JSON.stringify({ ...note, versionArn: orphan.LayerVersionArn }),
            );
            const { result: next, lines } = await capturingStderr(() =>
                checkAndCreate({ layerName, source: { path: makeTree(TREE) } }),
            );
            expect(lines.join("\n")).to.include(`deleted ${orphan.LayerVersionArn}`);
            expect(await versionsInAws(test.client, layerName)).to.deep.equal([next.outs.version]);
            expect(fs.readdirSync(test.journalDir)).to.deep.equal([]);
        } finally {
            await test.stop();
        }
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

    it("removes a lock socket that a kill left before its note, once it is old and refuses connections; keeps the others", async () => {
        const test = await emulatorForTest();
        try {
            const layerName = "lock-without-note";
            const socket = (hex: string) =>
                path.join(test.journalDir, `${layerKey(layerName, "us-east-1")}.${hex}.sock`);
            const [deadOld, deadNew, liveOld] = [
                socket("00000000000a"),
                socket("00000000000b"),
                socket("00000000000c"),
            ];
            // Locks taken as beginPublish takes them, by a process killed before it wrote any note.
            const killed = spawnSync(process.execPath, [
                "-e",
                `const { holdLiveLock } = require(${JSON.stringify(path.resolve(__dirname, "../../provider/local/processLiveness"))});
                Promise.all(${JSON.stringify([deadOld, deadNew])}.map(holdLiveLock)).then(() => process.kill(process.pid, "SIGKILL"));`,
            ]);
            expect(killed.signal).to.equal("SIGKILL");
            const live = await holdLiveLock(liveOld);
            const anHourAgo = new Date(Date.now() - 3_600_000);
            for (const old of [deadOld, liveOld]) fs.utimesSync(old, anHourAgo, anHourAgo);

            await checkAndCreate({ layerName, source: { path: makeTree(TREE) } });

            expect(
                fs.readdirSync(test.journalDir).sort(),
                "a young lock may be a create about to write its note; a live one is",
            ).to.deep.equal([path.basename(deadNew), path.basename(liveOld)]);
            await live!.release();
        } finally {
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

    it("leaves no note for a publish that never left the machine (connection refused at its only attempt)", async () => {
        const test = await emulatorForTest(
            {},
            { AWS_ENDPOINT_URL_LAMBDA: "http://127.0.0.1:1", AWS_MAX_ATTEMPTS: "1" },
        );
        try {
            const failure = await capturingStderr(() =>
                checkAndCreate({ layerName: "never-sent", source: { path: makeTree(TREE) } }).then(
                    () => undefined,
                    (error: Error) => error,
                ),
            );
            expect(failure.result?.message)
                .to.include('layer "never-sent": PublishLayerVersion failed')
                .and.include("ECONNREFUSED");
            expect(fs.readdirSync(test.journalDir), "no note, no lock").to.deep.equal([]);
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
