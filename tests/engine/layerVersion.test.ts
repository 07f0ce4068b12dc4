/**
 * The engine's path: the basic example installed from the packed package, its LayerVersion serialized by
 * the program's own @pulumi/pulumi, and driven through the real dynamic-provider host over gRPC in the
 * order `pulumi preview`, `up`, `refresh` and `destroy` use, against the example.emulator.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import {
    AddLayerVersionPermissionCommand,
    DeleteLayerVersionCommand,
    ListLayerVersionsCommand,
} from "@aws-sdk/client-lambda";
import { EngineStack, serializeDynamicResource, UNKNOWN } from "../../engine";
import { useInstalledExample } from "../helpers/installedExample";

const PROJECT = "lambda-layer-basic";

describe("LayerVersion through Pulumi's dynamic-provider host (engine path)", function () {
    const example = useInstalledExample("basic", { project: PROJECT });

    /** A stack of the basic example whose layer has its own name. */
    function stackFor(layerName: string): EngineStack {
        const config = { [`${PROJECT}:layerName`]: layerName };
        return new EngineStack(example.host, {
            dir: example.program.dir,
            entry: "index.js",
            capture: { project: PROJECT, config },
        });
    }

    async function versionsOf(layerName: string): Promise<number[]> {
        const listed = await example.lambda.send(new ListLayerVersionsCommand({ LayerName: layerName }));
        return (listed.LayerVersions ?? []).map((version) => version.Version!).sort();
    }

    it("walks up, no-op up, source change, permission change, refresh and destroy", async () => {
        const layerName = "engine-lifecycle";
        const stack = stackFor(layerName);

        example.emulator.resetRequestCounts();
        expect((await stack.up()).map((event) => event.op)).to.deep.equal(["create"]);
        expect(example.emulator.requestCounts()).to.deep.equal({ PublishLayerVersion: 1 });

        example.emulator.resetRequestCounts();
        expect((await stack.up()).map((event) => event.op)).to.deep.equal(["same"]);
        expect(example.emulator.requestCounts(), "a no-op up makes no API call").to.deep.equal({});

        const greeting = path.join(example.program.dir, "layer/node_modules/greeting/index.js");
        const original = fs.readFileSync(greeting, "utf8");
        fs.appendFileSync(greeting, "exports.wave = () => 'o/';\n");
        try {
            const [replaced] = await stack.up();
            expect(replaced.op).to.equal("replace");
            expect(replaced.properties).to.deep.equal(["sourceHash"]);
            expect(await versionsOf(layerName), "create-before-delete removed the old version").to.deep.equal([2]);

            stack.setConfig({
                [`${PROJECT}:permissions`]: JSON.stringify([{ statementId: "partner", principal: "210987654321" }]),
            });
            const [updated] = await stack.up();
            expect(updated.op).to.equal("update");
            expect(updated.properties).to.include("permissions");
            expect(stack.state.get("greeting")!.outputs.version).to.equal(2, "a permission change publishes nothing");

            await example.lambda.send(
                new AddLayerVersionPermissionCommand({
                    LayerName: layerName,
                    VersionNumber: 2,
                    StatementId: "intruder",
                    Action: "lambda:GetLayerVersion",
                    Principal: "*",
                }),
            );
            example.emulator.resetRequestCounts();
            const [drift] = await stack.refresh();
            expect(example.emulator.requestCounts(), "refresh makes two calls per layer").to.deep.equal({
                GetLayerVersion: 1,
                GetLayerVersionPolicy: 1,
            });
            expect(drift.op).to.equal("refresh-changed");
            expect(drift.properties).to.include("permissions");
            const [restored] = await stack.up();
            expect(restored.op).to.equal("update");
            expect(stack.state.get("greeting")!.outputs.permissions).to.deep.equal([
                { statementId: "partner", principal: "210987654321" },
            ]);

            await example.lambda.send(new DeleteLayerVersionCommand({ LayerName: layerName, VersionNumber: 2 }));
            expect((await stack.refresh()).map((event) => event.op)).to.deep.equal(["refresh-gone"]);
            expect(
                (await stack.up()).map((event) => event.op),
                "the next up publishes again",
            ).to.deep.equal(["create"]);
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
        example.emulator.resetRequestCounts();
        const [flipped] = await stack.up();
        expect(flipped.op).to.equal("update");
        expect(example.emulator.requestCounts()).to.deep.equal({});
        await stack.destroy();
        expect(await versionsOf(layerName)).to.deep.equal([1]);
    });

    it("checks a preview with unknown inputs without failing, and the diff says the version may be replaced", async () => {
        const stack = stackFor("engine-preview");
        await stack.up();
        const old = stack.state.get("greeting")!;
        const captured = await serializeDynamicResource(example.program.dir, "index.js", "greeting", {
            project: PROJECT,
            preview: true,
            config: { [`${PROJECT}:layerName`]: "engine-preview" },
        });
        const news = { ...captured.inputs, description: UNKNOWN, source: UNKNOWN };
        const checked = await example.host.check(captured.urn, old.inputs, news);
        expect(checked.failures).to.deep.equal([]);
        expect(checked.inputs.sourceHash).to.equal(UNKNOWN);
        const diff = await example.host.diff(old.id, old.urn, old.outputs, checked.inputs, { oldInputs: old.inputs });
        expect(diff.changes).to.equal("some");
        expect(diff.replaces).to.include("sourceHash");
        await stack.destroy();
    });

    it("serializes a small provider that loads the installed package at call time", async () => {
        const captured = await serializeDynamicResource(example.program.dir, "index.js", "greeting", {
            project: PROJECT,
        });
        const serialized = captured.inputs.__provider as string;
        expect(serialized).to.include('require("pulumi-lambda-layer/provider")');
        expect(serialized).to.not.include("LambdaClient");
        expect(serialized.length, `the serialized provider is ${serialized.length} characters`).to.be.below(8_000);
    });
});
