// Lint rules: typescript-eslint's recommended set, plus the house rules (node: imports, no shadowing,
// and the provider's layers: pure rules import no I/O, lower folders never import the entry points).
import { builtinModules } from "node:module";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const bareBuiltins = builtinModules.filter((name) => !name.startsWith("_"));
const nodePrefix = { paths: bareBuiltins.map((name) => ({ name, message: `import "node:${name}"` })) };
const entryPoints = ["../lifecycle", "../layerVersionProvider", "../index", "../../emulator/*", "../../engine/*"];

export default tseslint.config(
    { ignores: ["dist/**", "**/node_modules/**", "examples/*/layer/**", "examples/*/layers/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            "no-restricted-imports": ["error", nodePrefix],
            "no-shadow": "off",
            "@typescript-eslint/no-shadow": "error",
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
            ],
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-explicit-any": "error",
        },
    },
    {
        files: ["provider/rules/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    ...nodePrefix,
                    patterns: [
                        {
                            group: ["../*/**", ...entryPoints],
                            message: "rules/ is pure: it imports only rules/ and types",
                        },
                        {
                            group: ["node:fs", "node:fs/*", "node:child_process", "node:net", "node:http*"],
                            message: "rules/ does no I/O",
                        },
                    ],
                },
            ],
        },
    },
    {
        files: ["provider/local/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    ...nodePrefix,
                    patterns: [{ group: ["../*/**", ...entryPoints], message: "local/ is the lowest layer" }],
                },
            ],
        },
    },
    {
        files: ["provider/*/**/*.ts"],
        ignores: ["provider/rules/**", "provider/local/**"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    ...nodePrefix,
                    patterns: [{ group: entryPoints, message: "mechanisms never import the provider's entry points" }],
                },
            ],
        },
    },
    {
        files: ["emulator/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    ...nodePrefix,
                    patterns: [
                        {
                            group: ["**/provider/**", "**/provider"],
                            message: "the emulator shares no code with the provider",
                        },
                    ],
                },
            ],
        },
    },
);
