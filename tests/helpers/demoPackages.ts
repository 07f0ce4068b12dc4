/**
 * The packages the dependency-layer examples install, published by the tests to a local registry (npm)
 * or written to a local wheel index (pip): a plain package, and a native one whose binary exists once
 * per platform, as real native packages ship them (npm: optional per-platform packages with `os` and
 * `cpu`; pip: one wheel per platform tag). The binaries are small ELF files with the platform's
 * `e_machine`, enough for the provider's native-code scan.
 */
import { EM_AARCH64, EM_X86_64, elfFile } from "./elfFiles";
import type { PackageSpec } from "./npmRegistry";
import type { WheelSpec } from "./wheelIndex";

/** `lambda-layer-demo-greeting` at `version`: plain JavaScript. */
export function greetingPackage(version: string): PackageSpec {
    return {
        manifest: { name: "lambda-layer-demo-greeting", version, main: "index.js", license: "Apache-2.0" },
        files: { "index.js": `exports.greet = (name) => \`hello \${name} (greeting ${version})\`;\n` },
    };
}

const NPM_PLATFORMS = [
    { cpu: "x64", machine: EM_X86_64 },
    { cpu: "arm64", machine: EM_AARCH64 },
];

/**
 * `lambda-layer-demo-native` 1.0.0 and its per-platform packages `lambda-layer-demo-native-linux-<cpu>`,
 * each holding `native.node` built (in ELF terms) for its CPU.
 */
export function nativePackages(): PackageSpec[] {
    const variants = NPM_PLATFORMS.map(({ cpu, machine }) => ({
        manifest: {
            name: `lambda-layer-demo-native-linux-${cpu}`,
            version: "1.0.0",
            os: ["linux"],
            cpu: [cpu],
            license: "Apache-2.0",
        },
        files: { "native.node": elfFile(machine, ["GLIBC_2.17"]) },
    }));
    const optionalDependencies = Object.fromEntries(variants.map((variant) => [variant.manifest.name, "1.0.0"]));
    const loader = {
        manifest: {
            name: "lambda-layer-demo-native",
            version: "1.0.0",
            main: "index.js",
            license: "Apache-2.0",
            optionalDependencies,
        },
        files: {
            "index.js": "module.exports = require(`lambda-layer-demo-native-linux-${process.arch}/native.node`);\n",
        },
    };
    return [...variants, loader];
}

/** Every package the node-deps example's lockfile names. */
export function nodeDepsExamplePackages(): PackageSpec[] {
    return [greetingPackage("1.0.0"), greetingPackage("1.1.0"), ...nativePackages()];
}

/** The wheels of `lambda_layer_demo_native` 1.0.0 for CPython 3.12 on Linux x86_64 and aarch64, and a pure one. */
export function pythonDepsExampleWheels(): WheelSpec[] {
    const native = [
        { machine: EM_X86_64, tag: "x86_64" },
        { machine: EM_AARCH64, tag: "aarch64" },
    ].map(({ machine, tag }) => ({
        name: "lambda_layer_demo_native",
        version: "1.0.0",
        tags: `cp312-cp312-manylinux2014_${tag}`,
        files: {
            "lambda_layer_demo_native/__init__.py": "from ._native import *\n",
            [`lambda_layer_demo_native/_native.cpython-312-${tag}-linux-gnu.so`]: elfFile(machine, ["GLIBC_2.17"]),
        },
    }));
    const greeting = {
        name: "lambda_layer_demo_greeting",
        version: "1.0.0",
        tags: "py3-none-any",
        files: { "lambda_layer_demo_greeting/__init__.py": "def greet(name):\n    return f'hello {name}'\n" },
    };
    return [...native, greeting];
}
