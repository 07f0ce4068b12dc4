/**
 * The provider's lifecycle against the emulator through the real AWS SDK: check, diff, create, read,
 * update and delete as Pulumi calls them, with real files on disk.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { expect } from "chai";
import {
    AddLayerVersionPermissionCommand,
    DeleteLayerVersionCommand,
    ListLayerVersionsCommand,
    RemoveLayerVersionPermissionCommand,
} from "@aws-sdk/client-lambda";
import { LayerVersionProvider } from "../../provider";
import type { LayerVersionInputs, LayerVersionOutputs } from "../../provider/types";
import { removeTempDirs, runInNode, setTimes, tempDir } from "../helpers/fileTrees";
import { downloadLayerZip, makeTree, useEmulator, writeTree } from "../helpers/fixtures";

const provider = new LayerVersionProvider();

/** check then create, as `pulumi up` does for a new resource. */
async function checkAndCreate(news: Record<string, unknown>): Promise<{ id: string; outs: LayerVersionOutputs }> {
    const checked = await provider.check({} as LayerVersionInputs, news as unknown as LayerVersionInputs);
    expect(checked.failures ?? []).to.deep.equal([]);
    const created = await provider.create(checked.inputs!);
    return { id: created.id, outs: created.outs! };
}

const LAYER_TREE = {
    "node_modules/greeting/index.js": "exports.greet = (n) => `hi ${n}`;\n",
    "node_modules/greeting/package.json": '{"name":"greeting"}\n',
    "bin/greet": { content: "#!/usr/bin/env node\nconsole.log('hi');\n", mode: 0o755 },
};

describe("LayerVersionProvider lifecycle (emulator, real SDK)", () => {
    const emulator = useEmulator();

    it("publishes a source tree and records what AWS reports, without undefined values or download links", async () => {
        const dir = makeTree(LAYER_TREE);
        const { id, outs } = await checkAndCreate({
            layerName: "lifecycle-basic",
            source: { path: dir, prefix: "nodejs/" },
            description: "basic",
            compatibleRuntimes: ["nodejs20.x"],
        });
        expect(id).to.match(/^arn:aws:lambda:us-east-1:123456789012:layer:lifecycle-basic:1$/);
        expect(outs.arn).to.equal(id);
        expect(outs.layerArn).to.equal(id.replace(/:1$/, ""));
        expect(outs.version).to.equal(1);
        expect(outs.sourceHash).to.match(/^[0-9a-f]{64}$/);
        const { bytes, zip } = await downloadLayerZip(emulator.client, id);
        expect(outs.codeSha256).to.equal(createHash("sha256").update(bytes).digest("base64"));
        expect(outs.codeSize).to.equal(bytes.length);
        expect(Object.keys(zip.files).sort()).to.deep.equal([
            "nodejs/bin/greet",
            "nodejs/node_modules/greeting/index.js",
            "nodejs/node_modules/greeting/package.json",
        ]);
        expect((zip.files["nodejs/bin/greet"].unixPermissions as number) & 0o777).to.equal(0o755);
        expect((zip.files["nodejs/node_modules/greeting/index.js"].unixPermissions as number) & 0o777).to.equal(0o644);
        const serialized = JSON.stringify(outs);
        expect(serialized).to.not.include("Location").and.to.not.include("http://");
        expect(Object.values(outs)).to.not.include(undefined);
    });

    it("gives the same sourceHash and codeSha256 for the same tree in another folder, mtime, order, umask and TZ", async () => {
        const first = makeTree(LAYER_TREE);
        const reversed = Object.fromEntries(Object.entries(LAYER_TREE).reverse());
        const second = makeTree(reversed);
        const past = new Date("2001-02-03T04:05:06Z");
        for (const file of ["bin/greet", "node_modules/greeting/index.js"]) {
            fs.utimesSync(path.join(second, file), past, past);
        }
        const a = await checkAndCreate({ layerName: "lifecycle-determinism", source: { path: first } });
        const b = await publishInChildProcess(second, "lifecycle-determinism", { TZ: "Pacific/Chatham", UMASK: "077" });
        expect(b.sourceHash).to.equal(a.outs.sourceHash);
        expect(b.codeSha256).to.equal(a.outs.codeSha256);
        expect(b.version).to.equal(2);
    });

    it("makes no API call for check and diff when nothing changed (a no-op `pulumi up`)", async () => {
        const dir = makeTree(LAYER_TREE);
        const news = { layerName: "lifecycle-noop", source: { path: dir } };
        const { id, outs } = await checkAndCreate(news);
        fs.utimesSync(path.join(dir, "bin/greet"), new Date(), new Date(2030, 1, 1));
        emulator.resetCounts();
        const checked = await provider.check(outs, news as unknown as LayerVersionInputs);
        const diff = await provider.diff!(id, outs, checked.inputs!);
        expect(diff.changes).to.equal(false);
        expect(emulator.counts()).to.deep.equal({});
    });

    it("replaces when a file changes and makes one publish plus one call per permission", async () => {
        const dir = makeTree(LAYER_TREE);
        const permissions = [
            { statementId: "account", principal: "210987654321" },
            { statementId: "org", principal: "*", organizationId: "o-abcdefghij" },
        ];
        const first = await checkAndCreate({ layerName: "lifecycle-replace", source: { path: dir }, permissions });
        writeTree(dir, { "node_modules/greeting/index.js": "exports.greet = () => 'changed';\n" });
        const checked = await provider.check(first.outs, {
            layerName: "lifecycle-replace",
            source: { path: dir },
            permissions,
        } as LayerVersionInputs);
        const diff = await provider.diff!(first.id, first.outs, checked.inputs!);
        expect(diff.changes).to.equal(true);
        expect(diff.replaces).to.deep.equal(["sourceHash"]);
        emulator.resetCounts();
        const second = await provider.create(checked.inputs!);
        expect(emulator.counts()).to.deep.equal({ PublishLayerVersion: 1, AddLayerVersionPermission: 2 });
        expect(second.outs!.version).to.equal(2);
        expect(second.outs!.policy).to.be.a("string");
        expect(JSON.parse(second.outs!.policy!).Statement).to.have.length(2);
        await provider.delete!(first.id, first.outs);
        const listed = await emulator.client.send(new ListLayerVersionsCommand({ LayerName: "lifecycle-replace" }));
        expect(listed.LayerVersions!.map((version) => version.Version)).to.deep.equal([2]);
    });

    it("publishes a prebuilt zipFile byte for byte", async () => {
        const dir = makeTree(LAYER_TREE);
        const first = await checkAndCreate({ layerName: "lifecycle-zip-source", source: { path: dir } });
        const { bytes } = await downloadLayerZip(emulator.client, first.id);
        const zipPath = path.join(tempDir("prebuilt-"), "layer.zip");
        fs.writeFileSync(zipPath, bytes);
        const { outs } = await checkAndCreate({ layerName: "lifecycle-zipfile", zipFile: zipPath });
        expect(outs.codeSha256).to.equal(createHash("sha256").update(bytes).digest("base64"));
        expect(outs.sourceHash).to.equal(createHash("sha256").update(bytes).digest("hex"));
    });

    it("reads drift back: permissions added and removed out of band show, and update restores the declared set", async () => {
        const dir = makeTree(LAYER_TREE);
        const declared = [{ statementId: "partner", principal: "210987654321" }];
        const news = { layerName: "lifecycle-drift", source: { path: dir }, permissions: declared };
        const { id, outs } = await checkAndCreate(news);
        await emulator.client.send(
            new AddLayerVersionPermissionCommand({
                LayerName: "lifecycle-drift",
                VersionNumber: 1,
                StatementId: "intruder",
                Action: "lambda:GetLayerVersion",
                Principal: "*",
            }),
        );
        await emulator.client.send(
            new RemoveLayerVersionPermissionCommand({
                LayerName: "lifecycle-drift",
                VersionNumber: 1,
                StatementId: "partner",
            }),
        );
        emulator.resetCounts();
        const refreshed = await provider.read!(id, outs);
        expect(emulator.counts()).to.deep.equal({ GetLayerVersion: 1, GetLayerVersionPolicy: 1 });
        expect(refreshed.id).to.equal(id);
        expect(refreshed.props!.permissions).to.deep.equal([{ statementId: "intruder", principal: "*" }]);
        expect(refreshed.inputs!.permissions).to.deep.equal([{ statementId: "intruder", principal: "*" }]);

        const checked = await provider.check(refreshed.inputs!, news as unknown as LayerVersionInputs);
        const diff = await provider.diff!(id, refreshed.props!, checked.inputs!);
        expect(diff.changes).to.equal(true);
        expect(diff.replaces ?? []).to.deep.equal([]);
        const updated = await provider.update!(id, refreshed.props!, checked.inputs!);
        const after = await provider.read!(id, updated.outs!);
        expect(after.props!.permissions).to.deep.equal(declared);
    });

    it("reports a version deleted out of band as gone, and deleting it again succeeds", async () => {
        const dir = makeTree(LAYER_TREE);
        const { id, outs } = await checkAndCreate({ layerName: "lifecycle-gone", source: { path: dir } });
        await emulator.client.send(new DeleteLayerVersionCommand({ LayerName: "lifecycle-gone", VersionNumber: 1 }));
        const refreshed = await provider.read!(id, outs);
        expect(refreshed.id).to.equal(undefined);
        await provider.delete!(id, outs);
    });

    it("flips retainOnDelete without any API call, and a retained version survives delete", async () => {
        const dir = makeTree(LAYER_TREE);
        const news = { layerName: "lifecycle-retain", source: { path: dir } };
        const { id, outs } = await checkAndCreate(news);
        const checked = await provider.check(outs, { ...news, retainOnDelete: true } as LayerVersionInputs);
        const diff = await provider.diff!(id, outs, checked.inputs!);
        expect(diff.replaces ?? []).to.deep.equal([]);
        emulator.resetCounts();
        const updated = await provider.update!(id, outs, checked.inputs!);
        expect(emulator.counts()).to.deep.equal({});
        expect(updated.outs!.retainOnDelete).to.equal(true);
        await provider.delete!(id, updated.outs!);
        const listed = await emulator.client.send(new ListLayerVersionsCommand({ LayerName: "lifecycle-retain" }));
        expect(listed.LayerVersions!.map((version) => version.LayerVersionArn)).to.deep.equal([id]);
    });

    it("deletes the new version when a permission fails after the publish (transactional create)", async () => {
        const dir = makeTree(LAYER_TREE);
        const checked = await provider.check(
            {} as LayerVersionInputs,
            {
                layerName: "lifecycle-transactional",
                source: { path: dir },
            } as LayerVersionInputs,
        );
        // A principal that check would refuse, handed straight to create, makes the emulator refuse the grant.
        const inputs = { ...checked.inputs!, permissions: [{ statementId: "bad", principal: "not-an-account" }] };
        const failure = await provider.create(inputs).then(
            () => undefined,
            (error: Error) => error,
        );
        expect(failure?.message).to.include('layer "lifecycle-transactional"');
        expect(failure?.message).to.include("AddLayerVersionPermission");
        expect(failure?.message).to.include("ValidationException");
        const listed = await emulator.client.send(
            new ListLayerVersionsCommand({ LayerName: "lifecycle-transactional" }),
        );
        expect(listed.LayerVersions ?? []).to.deep.equal([]);
    });

    it("names the layer, operation, AWS error code and request id when the service refuses", async () => {
        const checked = await provider.check(
            {} as LayerVersionInputs,
            {
                layerName: "lifecycle-s3",
                s3: { bucket: "some-bucket", key: "layer.zip" },
            } as LayerVersionInputs,
        );
        const failure = await provider.create(checked.inputs!).then(
            () => undefined,
            (error: Error) => error,
        );
        expect(failure?.message).to.match(
            /^layer "lifecycle-s3": PublishLayerVersion failed: InvalidParameterValueException \(request id [\w-]+, HTTP 400\)/,
        );
    });
});

describe("what a preview's check loads", () => {
    after(removeTempDirs);

    /** The packages a check of `inputs` loads, in a new process (as every preview starts one) with the digest cache in `cacheDir`. */
    function packagesLoadedByCheck(inputs: Record<string, unknown>, cacheDir: string): string[] {
        const script = `
            const { LayerVersionProvider } = require(provider);
            new LayerVersionProvider().check({}, args).then((result) => {
                if (result.failures && result.failures.length) throw new Error(JSON.stringify(result.failures));
                const packages = Object.keys(require.cache).flatMap((file) => {
                    const match = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/].*\\.js$/.exec(file);
                    return match ? [match[1]] : [];
                });
                console.log(JSON.stringify([...new Set(packages)].sort()));
            }).catch((error) => { console.error(error); process.exit(1); });`;
        return runInNode<string[]>(script, inputs, { PULUMI_LAMBDA_LAYER_CACHE_DIR: cacheDir });
    }

    it("loads no AWS SDK and no zip reader, and a no-op check not even the lister (each costs every preview tens of ms)", () => {
        const dir = makeTree(LAYER_TREE);
        // Folders a second old may still change within their timestamps' granularity: such a listing is not kept.
        setTimes(dir, new Date("2020-01-01T00:00:00Z"));
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2_100);
        const inputs = {
            layerName: "light",
            source: { path: dir, prefix: "nodejs/" },
            compatibleRuntimes: ["nodejs22.x"],
        };
        const cacheDir = tempDir("check-loads-");
        const cold = packagesLoadedByCheck(inputs, cacheDir);
        expect(cold.filter((name) => name.startsWith("@aws-sdk/") || name.startsWith("@smithy/"))).to.deep.equal([]);
        expect(cold, "the zip reader is for a zipFile").to.not.include("yauzl");
        expect(cold, "the first check lists the tree").to.include("fast-glob");
        const noOp = packagesLoadedByCheck(inputs, cacheDir);
        expect(noOp, "the kept listing is reused").to.not.include("fast-glob");
        expect(noOp).to.not.include("yauzl");
    });
});

/** Runs check + create of `dir` in a separate node process with its own TZ and umask. */
async function publishInChildProcess(
    dir: string,
    layerName: string,
    settings: { TZ: string; UMASK: string },
): Promise<LayerVersionOutputs> {
    const { execFile } = await import("node:child_process");
    const script = `
        process.umask(parseInt(process.env.UMASK, 8));
        const { LayerVersionProvider } = require(${JSON.stringify(path.resolve(__dirname, "../../provider"))});
        const provider = new LayerVersionProvider();
        (async () => {
            const checked = await provider.check({}, { layerName: ${JSON.stringify(layerName)}, source: { path: ${JSON.stringify(dir)} } });
            const created = await provider.create(checked.inputs);
            process.stdout.write("\\n" + JSON.stringify(created.outs));
        })().catch((error) => { console.error(error); process.exit(1); });`;
    return new Promise((resolve, reject) => {
        execFile(process.execPath, ["-e", script], { env: { ...process.env, ...settings } }, (error, stdout, stderr) =>
            // The outputs are the last line; the provider's progress lines come before it.
            error
                ? reject(new Error(`${error.message}\n${stderr}`))
                : resolve(JSON.parse(stdout.trim().split("\n").pop()!)),
        );
    });
}
