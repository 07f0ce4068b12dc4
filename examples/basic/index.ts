// A Node.js layer published from ./layer: the greeting module under nodejs/node_modules, and an
// executable under nodejs/bin (its exec bit survives into the zip). Configuration, all optional:
//   layerName       the layer's name (default lambda-layer-basic-greeting)
//   permissions     JSON list of { statementId, principal, organizationId? }
//   retainOnDelete  keep the version in AWS when this stack lets it go
//   bigLayerPath    a folder to publish as a second layer, "big", whose zip may be over 50 MB: it goes
//                   through S3 staging (`npm run demo` makes one of random data)
//   bigLayerName    that layer's name (default lambda-layer-basic-big)
//   staging         JSON { bucket, prefix?, mode?, keepObject?, ... } for the big layer; without it, the
//                   stack config pulumi-lambda-layer:stagingBucket applies
import * as pulumi from "@pulumi/pulumi";
import { LayerVersion, LayerPermission, LayerStaging } from "pulumi-lambda-layer";

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

const bigLayerPath = config.get("bigLayerPath");
const big =
    bigLayerPath === undefined
        ? undefined
        : new LayerVersion("big", {
              layerName: config.get("bigLayerName") ?? "lambda-layer-basic-big",
              description: "A layer over the 50 MB direct-upload limit, published through S3",
              source: { path: bigLayerPath },
              staging: config.getObject<LayerStaging>("staging"),
          });

export const bigCodeSha256 = big?.codeSha256;
