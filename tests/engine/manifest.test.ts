/** The manifest example (examples/manifest) installed from the packed package and run through the provider host. */
import * as path from "node:path";
import { expect } from "chai";
import { GetLayerVersionPolicyCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { startEmulator } from "../../emulator";
import { EngineStack, InstalledProgram, installExample, ProviderHost, startProviderHost } from "../../engine";
import { downloadLayerZip } from "../provider/fixtures";

const REPO_ROOT = path.resolve(__dirname, "../../..");

describe("layers declared in a manifest, through Pulumi's dynamic-provider host", function () {
    let emulator: Awaited<ReturnType<typeof startEmulator>>;
    let program: InstalledProgram;
    let host: ProviderHost;

    before(async function () {
        this.timeout(300_000);
        emulator = await startEmulator({});
        program = await installExample(REPO_ROOT, "manifest");
        host = await startProviderHost(program.dir, {
            env: { AWS_ENDPOINT_URL_LAMBDA: emulator.endpoint, AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "t", AWS_SECRET_ACCESS_KEY: "t" },
        });
        await host.configure();
    });

    after(async () => {
        await host?.close();
        await program?.cleanup();
        await emulator?.close();
    });

    it("publishes one version per manifest entry with its own prefix and permissions, then destroys them", async () => {
        const stack = new EngineStack(host, { dir: program.dir, entry: "index.js" });
        const created = await stack.up();
        expect(created.map((event) => `${event.op} ${event.name}`).sort()).to.deep.equal(["create shared-py", "create utils"]);

        const lambda = new LambdaClient({ endpoint: emulator.endpoint, region: "eu-west-1", credentials: { accessKeyId: "t", secretAccessKey: "t" } });
        const utils = stack.state.get("utils")!.outputs;
        expect(utils.arn).to.equal("arn:aws:lambda:eu-west-1:123456789012:layer:lambda-layer-manifest-utils:1");
        const { zip } = await downloadLayerZip(lambda, utils.arn as string);
        expect(Object.keys(zip.files)).to.deep.equal(["nodejs/node_modules/utils/index.js"]);

        const python = stack.state.get("shared-py")!.outputs;
        const policy = await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: "lambda-layer-manifest-shared-py", VersionNumber: 1 }));
        expect(JSON.parse(policy.Policy!).Statement[0].Sid).to.equal("partner-account");
        expect(python.licenseInfo, "defaults apply to every layer").to.equal("Apache-2.0");

        expect((await stack.up()).map((event) => event.op)).to.deep.equal(["same", "same"]);
        expect((await stack.destroy()).map((event) => event.op)).to.deep.equal(["delete", "delete"]);
    });
});
