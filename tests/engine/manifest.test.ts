/** The manifest example (examples/manifest) installed from the packed package and run through the provider host. */
import { expect } from "chai";
import { GetLayerVersionPolicyCommand } from "@aws-sdk/client-lambda";
import { EngineStack } from "../../engine";
import { useInstalledExample } from "../helpers/installedExample";
import { downloadLayerZip } from "../helpers/fixtures";

describe("layers declared in a manifest, through Pulumi's dynamic-provider host", function () {
    const example = useInstalledExample("manifest", { region: "eu-west-1" });

    it("publishes one version per manifest entry with its own prefix and permissions, then destroys them", async () => {
        const stack = new EngineStack(example.host, { dir: example.program.dir, entry: "index.js" });
        const created = await stack.up();
        expect(created.map((event) => `${event.op} ${event.name}`).sort()).to.deep.equal([
            "create shared-py",
            "create utils",
        ]);

        const lambda = example.lambda;
        const utils = stack.state.get("utils")!.outputs;
        expect(utils.arn).to.equal("arn:aws:lambda:eu-west-1:123456789012:layer:lambda-layer-manifest-utils:1");
        const { zip } = await downloadLayerZip(lambda, utils.arn as string);
        expect(Object.keys(zip.files)).to.deep.equal(["nodejs/node_modules/utils/index.js"]);

        const python = stack.state.get("shared-py")!.outputs;
        const policy = await lambda.send(
            new GetLayerVersionPolicyCommand({ LayerName: "lambda-layer-manifest-shared-py", VersionNumber: 1 }),
        );
        expect(JSON.parse(policy.Policy!).Statement[0].Sid).to.equal("partner-account");
        expect(python.licenseInfo, "defaults apply to every layer").to.equal("Apache-2.0");

        expect((await stack.up()).map((event) => event.op)).to.deep.equal(["same", "same"]);
        expect((await stack.destroy()).map((event) => event.op)).to.deep.equal(["delete", "delete"]);
    });
});
