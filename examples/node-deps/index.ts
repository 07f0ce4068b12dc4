// An arm64 Node.js dependency layer built from deps/package-lock.json, with no Docker: npm ci installs
// exactly what the lockfile pins, for Linux on arm64 (--os=linux --cpu=arm64 --libc=glibc), so a native
// package brings its linux-arm64 binary even when this machine is an x86-64 laptop or CI runner.
// Configuration, all optional:
//   layerName    the layer's name (default lambda-layer-node-deps)
//   npmRegistry  the registry to install from (default: npm's own config, e.g. deps/.npmrc)
import * as pulumi from "@pulumi/pulumi";
import { LayerVersion } from "pulumi-lambda-layer";

const config = new pulumi.Config();
const registry = config.get("npmRegistry");

const deps = new LayerVersion("node-deps", {
    layerName: config.get("layerName") ?? "lambda-layer-node-deps",
    description: "Node.js dependencies for arm64 functions",
    build: { tool: "npm", path: "./deps", args: registry ? [`--registry=${registry}`] : [] },
    compatibleRuntimes: ["nodejs20.x", "nodejs22.x"],
    compatibleArchitectures: ["arm64"],
});

/** Give this to an aws.lambda.Function's `layers` (with `architectures: ["arm64"]`). */
export const layerVersionArn = deps.arn;
export const version = deps.version;
export const codeSha256 = deps.codeSha256;
