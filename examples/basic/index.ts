// A Node.js layer published from ./layer: the greeting module under nodejs/node_modules, and an
// executable under nodejs/bin (its exec bit survives into the zip). Configuration, all optional:
//   layerName       the layer's name (default lambda-layer-basic-greeting)
//   permissions     JSON list of { statementId, principal, organizationId? }
//   retainOnDelete  keep the version in AWS when this stack lets it go
import * as pulumi from "@pulumi/pulumi";
import { LayerVersion, LayerPermission } from "pulumi-lambda-layer";

const config = new pulumi.Config();

const greeting = new LayerVersion("greeting", {
    layerName: config.get("layerName") ?? "lambda-layer-basic-greeting",
    description: "Greeting helpers shared by the example's functions",
    licenseInfo: "Apache-2.0",
    source: { path: "./layer", prefix: "nodejs/", exclude: ["**/*.test.js"] },
    compatibleRuntimes: ["nodejs20.x", "nodejs22.x"],
    compatibleArchitectures: ["x86_64", "arm64"],
    permissions: config.getObject<LayerPermission[]>("permissions") ?? [],
    retainOnDelete: config.getBoolean("retainOnDelete") ?? false,
});

/** Give this to an aws.lambda.Function's `layers`. */
export const layerVersionArn = greeting.arn;
export const version = greeting.version;
export const codeSha256 = greeting.codeSha256;
