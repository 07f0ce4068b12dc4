/**
 * The engine's path: the basic example installed from the packed package, its LayerVersion serialized by
 * the program's own @pulumi/pulumi, and driven through the real dynamic-provider host over gRPC in the
 * order `pulumi preview`, `up`, `refresh` and `destroy` use, against the emulator.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import {
    AddLayerVersionPermissionCommand,
    DeleteLayerVersionCommand,
    LambdaClient,
    ListLayerVersionsCommand,
} from "@aws-sdk/client-lambda";
import { startEmulator } from "../../emulator";
import {
    EngineStack,
    InstalledProgram,
    installExample,
    ProviderHost,
    serializeDynamicResource,
    startProviderHost,
    UNKNOWN,
} from "../../engine";

const REPO_ROOT = path.resolve(__dirname, "../../..");
const PROJECT = "lambda-layer-basic";

/** Credential values unique to this run, to prove that none of them leaks into any payload. */
const MARKERS = {
    AWS_ACCESS_KEY_ID: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`,
    AWS_SECRET_ACCESS_KEY: `secret-marker-${randomBytes(12).toString("hex")}`,
    AWS_SESSION_TOKEN: `session-marker-${randomBytes(12).toString("hex")}`,
};

describe("LayerVersion through Pulumi's dynamic-provider host (engine path)", function () {
    let emulator: Awaited<ReturnType<typeof startEmulator>>;
    let program: InstalledProgram;
    let host: ProviderHost;
    let lambda: LambdaClient;

    before(async function () {
        this.timeout(300_000);
        emulator = await startEmulator({});
        lambda = new LambdaClient({ endpoint: emulator.endpoint, region: "us-east-1", credentials: { accessKeyId: "t", secretAccessKey: "t" } });
        program = await installExample(REPO_ROOT, "basic");
        host = await startProviderHost(program.dir, {
            env: { AWS_ENDPOINT_URL_LAMBDA: emulator.endpoint, AWS_REGION: "us-east-1", ...MARKERS },
            project: PROJECT,
        });
        await host.configure();
    });

    after(async () => {
        await host?.close();
        await program?.cleanup();
        await emulator?.close();
    });

    /** A stack of the basic example whose layer has its own name. */
    function stackFor(layerName: string): EngineStack {
        const config = { [`${PROJECT}:layerName`]: layerName };
        return new EngineStack(host, { dir: program.dir, entry: "index.js", capture: { project: PROJECT, config } });
    }

    async function versionsOf(layerName: string): Promise<number[]> {
        const listed = await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName }));
        return (listed.LayerVersions ?? []).map((version) => version.Version!).sort();
    }

    it("walks up, no-op up, source change, permission change, refresh and destroy", async () => {
        const layerName = "engine-lifecycle";
        const stack = stackFor(layerName);

        emulator.resetRequestCounts();
        expect((await stack.up()).map((event) => event.op)).to.deep.equal(["create"]);
        expect(emulator.requestCounts()).to.deep.equal({ PublishLayerVersion: 1 });

        emulator.resetRequestCounts();
        expect((await stack.up()).map((event) => event.op)).to.deep.equal(["same"]);
        expect(emulator.requestCounts(), "a no-op up makes no API call").to.deep.equal({});

        const greeting = path.join(program.dir, "layer/node_modules/greeting/index.js");
        const original = fs.readFileSync(greeting, "utf8");
        fs.appendFileSync(greeting, "exports.wave = () => 'o/';\n");
        try {
            const [replaced] = await stack.up();
            expect(replaced.op).to.equal("replace");
            expect(replaced.properties).to.deep.equal(["sourceHash"]);
            expect(await versionsOf(layerName), "create-before-delete removed the old version").to.deep.equal([2]);

            stack.setConfig({ [`${PROJECT}:permissions`]: JSON.stringify([{ statementId: "partner", principal: "210987654321" }]) });
            const [updated] = await stack.up();
            expect(updated.op).to.equal("update");
            expect(updated.properties).to.include("permissions");
            expect(stack.state.get("greeting")!.outputs.version).to.equal(2, "a permission change publishes nothing");

            await lambda.send(
                new AddLayerVersionPermissionCommand({
                    LayerName: layerName, VersionNumber: 2, StatementId: "intruder", Action: "lambda:GetLayerVersion", Principal: "*",
                }),
            );
            emulator.resetRequestCounts();
            const [drift] = await stack.refresh();
            expect(emulator.requestCounts(), "refresh makes two calls per layer").to.deep.equal({ GetLayerVersionByArn: 1, GetLayerVersionPolicy: 1 });
            expect(drift.op).to.equal("refresh-changed");
            expect(drift.properties).to.include("permissions");
            const [restored] = await stack.up();
            expect(restored.op).to.equal("update");
            expect(stack.state.get("greeting")!.outputs.permissions).to.deep.equal([{ statementId: "partner", principal: "210987654321" }]);

            await lambda.send(new DeleteLayerVersionCommand({ LayerName: layerName, VersionNumber: 2 }));
            expect((await stack.refresh()).map((event) => event.op)).to.deep.equal(["refresh-gone"]);
            expect((await stack.up()).map((event) => event.op), "the next up publishes again").to.deep.equal(["create"]);
            expect(await versionsOf(layerName)).to.deep.equal([3]);
        } finally {
            fs.writeFileSync(greeting, original);
        }

        expect((await stack.destroy()).map((event) => event.op)).to.deep.equal(["delete"]);
        expect(await versionsOf(layerName)).to.deep.equal([]);
    });

    it("keeps a retained version on destroy, and flipping retainOnDelete is an in-place update", async () => {
        const layerName = "engine-retain";
        const stack = stackFor(layerName);
        await stack.up();
        stack.setConfig({ [`${PROJECT}:retainOnDelete`]: "true" });
        emulator.resetRequestCounts();
        const [flipped] = await stack.up();
        expect(flipped.op).to.equal("update");
        expect(emulator.requestCounts()).to.deep.equal({});
        await stack.destroy();
        expect(await versionsOf(layerName)).to.deep.equal([1]);
    });

    it("checks a preview with unknown inputs without failing, and the diff says the version may be replaced", async () => {
        const stack = stackFor("engine-preview");
        await stack.up();
        const old = stack.state.get("greeting")!;
        const captured = await serializeDynamicResource(program.dir, "index.js", "greeting", {
            project: PROJECT, preview: true, config: { [`${PROJECT}:layerName`]: "engine-preview" },
        });
        const news = { ...captured.inputs, description: UNKNOWN, source: UNKNOWN };
        const checked = await host.check(captured.urn, old.inputs, news);
        expect(checked.failures).to.deep.equal([]);
        expect(checked.inputs.sourceHash).to.equal(UNKNOWN);
        const diff = await host.diff(old.id, old.urn, old.outputs, checked.inputs, { oldInputs: old.inputs });
        expect(diff.changes).to.equal("some");
        expect(diff.replaces).to.include("sourceHash");
        await stack.destroy();
    });

    it("serializes a small provider that loads the installed package, and leaks no credential or download link", async () => {
        const captured = await serializeDynamicResource(program.dir, "index.js", "greeting", { project: PROJECT });
        const serialized = captured.inputs.__provider as string;
        expect(serialized).to.include('require("pulumi-lambda-layer/provider")');
        expect(serialized.length, `the serialized provider is ${serialized.length} characters`).to.be.below(8_000);

        const stack = stackFor("engine-secrets");
        stack.setConfig({ [`${PROJECT}:permissions`]: JSON.stringify([{ statementId: "all", principal: "*" }]) });
        await stack.up();
        await stack.refresh();
        await stack.destroy();
        const everything = JSON.stringify({ calls: host.calls, diagnostics: host.diagnostics, serialized });
        for (const [name, marker] of Object.entries(MARKERS)) {
            expect(everything, name).to.not.include(marker);
        }
        expect(everything).to.not.include(emulator.endpoint, "no pre-signed download link");
        expect(everything).to.not.include("Location");
    });
});
