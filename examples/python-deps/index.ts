// An arm64 Python dependency layer built from deps/requirements.txt, with no Docker: pip installs only
// binary wheels for CPython 3.12 on manylinux aarch64 into python/, so a native package brings its
// aarch64 build even when this machine is an x86-64 laptop or CI runner.
// Configuration, all optional:
//   layerName   the layer's name (default lambda-layer-python-deps)
//   wheelIndex  a folder of wheels to install from instead of PyPI (pip --no-index --find-links)
import * as pulumi from "@pulumi/pulumi";
import { LayerVersion } from "pulumi-lambda-layer";

const config = new pulumi.Config();
const wheelIndex = config.get("wheelIndex");

const deps = new LayerVersion("python-deps", {
    layerName: config.get("layerName") ?? "lambda-layer-python-deps",
    description: "Python dependencies for arm64 functions",
    build: {
        tool: "pip",
        path: "./deps",
        args: wheelIndex ? ["--no-index", "--find-links", wheelIndex] : [],
        // A private index set in the environment is part of what the layer is built from.
        env: ["PIP_INDEX_URL"],
    },
    compatibleRuntimes: ["python3.12"],
    compatibleArchitectures: ["arm64"],
});

/** Give this to an aws.lambda.Function's `layers` (with `architectures: ["arm64"]`). */
export const layerVersionArn = deps.arn;
export const version = deps.version;
export const codeSha256 = deps.codeSha256;
