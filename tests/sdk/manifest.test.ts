/** The layer manifest: parsing, validation with errors that name file, layer and field, and its JSON Schema. */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import Ajv from "ajv";
import { parse as parseYaml } from "yaml";
import { Runtime } from "@aws-sdk/client-lambda";
import { ManifestError, parseLayerManifest } from "../../sdk/manifest";

const REPO_ROOT = path.resolve(__dirname, "../../..");
const EXAMPLE = path.join(REPO_ROOT, "examples/manifest/layers.yaml");
const SCHEMA = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "schema/layers.schema.json"), "utf8"));
const DIRS = { manifestDir: "/repo/stacks/app", programDir: "/repo/stacks/app" };

function parseError(text: string): string {
    try {
        parseLayerManifest(text, "layers.yaml", DIRS);
    } catch (error) {
        expect(error).to.be.instanceOf(ManifestError);
        return (error as Error).message;
    }
    throw new Error("the manifest was accepted");
}

describe("layer manifest", () => {
    it("turns the example manifest into layers keyed by name, with defaults merged under each layer", () => {
        const layers = parseLayerManifest(fs.readFileSync(EXAMPLE, "utf8"), EXAMPLE, {
            manifestDir: path.dirname(EXAMPLE),
            programDir: path.dirname(EXAMPLE),
        });
        expect(Object.keys(layers)).to.deep.equal(["utils", "shared-py"]);
        expect(layers.utils).to.deep.include({
            layerName: "lambda-layer-manifest-utils",
            licenseInfo: "Apache-2.0",
            compatibleArchitectures: ["x86_64", "arm64"],
            compatibleRuntimes: ["nodejs20.x", "nodejs22.x"],
        });
        expect(layers.utils.source).to.deep.equal({ path: "layers/utils", prefix: "nodejs/" });
        expect(layers["shared-py"].permissions).to.deep.equal([
            { statementId: "partner-account", principal: "210987654321" },
        ]);
    });

    it("lets a layer's own field win over the defaults", () => {
        const layers = parseLayerManifest(
            "defaults: { description: shared }\nlayers:\n  a: { layerName: a, s3: { bucket: my-bucket, key: a.zip }, description: own }\n",
            "layers.yaml",
            DIRS,
        );
        expect(layers.a.description).to.equal("own");
    });

    it("gives every layer the defaults' staging, validated like the input, and lets a layer set its own", () => {
        const text =
            "defaults: { staging: { bucket: deploy-artifacts, prefix: layers/ } }\n" +
            "layers:\n  a: { layerName: a, zipFile: a.zip }\n" +
            "  b: { layerName: b, zipFile: b.zip, staging: { bucket: other-bucket, mode: always } }\n";
        const layers = parseLayerManifest(text, "layers.yaml", DIRS);
        expect(layers.a.staging).to.deep.equal({ bucket: "deploy-artifacts", prefix: "layers/" });
        expect(layers.b.staging).to.deep.equal({ bucket: "other-bucket", mode: "always" });
        const validate = new Ajv({ allErrors: true }).compile(SCHEMA);
        expect(validate(parseYaml(text)), JSON.stringify(validate.errors)).to.equal(true);
        const bad = "defaults: { staging: { bucket: Bad_Bucket } }\nlayers:\n  a: { layerName: a, zipFile: a.zip }\n";
        expect(parseError(bad)).to.match(
            /layer "a":\n {2}staging\.bucket: staging\.bucket "Bad_Bucket" must hold only lowercase/,
        );
        expect(validate(parseYaml(bad))).to.equal(false);
    });

    it("reads JSON as well as YAML", () => {
        const layers = parseLayerManifest(
            '{"layers": {"a": {"layerName": "a", "zipFile": "a.zip"}}}',
            "layers.json",
            DIRS,
        );
        expect(layers.a.zipFile).to.equal("a.zip");
    });

    it("takes paths relative to the manifest and returns them relative to the program, never absolute", () => {
        const layers = parseLayerManifest(
            "layers:\n  a: { layerName: a, source: { path: ../shared/deps } }\n  b: { layerName: b, zipFile: build/b.zip }\n",
            "infra/layers.yaml",
            { manifestDir: "/repo/infra", programDir: "/repo/stacks/app" },
        );
        expect(layers.a.source!.path).to.equal("../../shared/deps");
        expect(layers.b.zipFile).to.equal("../../infra/build/b.zip");
    });

    const badManifests: [string, string, RegExp][] = [
        ["not YAML", "layers: [unclosed", /^layers\.yaml: is neither valid YAML nor JSON/],
        ["no layers mapping", "defaults: {}\n", /^layers\.yaml: must be a mapping with a `layers` mapping/],
        ["an unknown top-level field", "layers: {}\nlayer: {}\n", /unknown top-level field\(s\) layer/],
        ["a layer that is not a mapping", "layers:\n  a: [1, 2]\n", /^layers\.yaml: layer "a": must be a mapping/],
        [
            "a misspelled field",
            "layers:\n  a: { layerName: a, zipFile: a.zip, descripton: x }\n",
            /^layers\.yaml: layer "a":\n {2}descripton: /,
        ],
        [
            "a field over its limit",
            `layers:\n  a: { layerName: a, zipFile: a.zip, description: ${"x".repeat(300)} }\n`,
            /layer "a":\n {2}description: .*256/,
        ],
        [
            "an unknown runtime",
            "layers:\n  deps: { layerName: d, zipFile: a.zip, compatibleRuntimes: [nodejs99.x] }\n",
            /layer "deps":\n {2}compatibleRuntimes\[0\]: /,
        ],
        ["no content", "layers:\n  a: { layerName: a }\n", /layer "a":\n {2}source, zipFile, s3, build: /],
    ];
    for (const [what, text, expected] of badManifests) {
        it(`refuses ${what}, naming the file, the layer and the field`, () => {
            expect(parseError(text)).to.match(expected);
        });
    }

    it("reports the problems of every layer at once, each under its layer", () => {
        const text = [
            "layers:",
            "  good: { layerName: good, zipFile: g.zip }",
            "  first: { layerName: first, zipFile: f.zip, descripton: x, compatibleRuntimes: [nodejs22] }",
            "  listed: [1]",
            "  last: { layerName: last, zipFile: l.zip, compatibleArchitectures: [amd64] }",
            "",
        ].join("\n");
        expect(parseError(text)).to.equal(
            [
                "layers.yaml: 3 layers have problems:",
                'layer "first":',
                "  descripton: descripton is not an input of LayerVersion; did you mean description?",
                '  compatibleRuntimes[0]: compatibleRuntimes[0] "nodejs22" is not a Lambda runtime; did you mean "nodejs22.x"?',
                'layer "listed": must be a mapping of LayerVersion fields',
                'layer "last":',
                '  compatibleArchitectures[0]: compatibleArchitectures[0] "amd64" is not a Lambda architecture; did you mean "x86_64"?',
            ].join("\n"),
        );
    });

    describe("JSON Schema (schema/layers.schema.json)", () => {
        const validate = new Ajv({ allErrors: true }).compile(SCHEMA);

        it("accepts the example manifest", () => {
            expect(validate(parseYaml(fs.readFileSync(EXAMPLE, "utf8"))), JSON.stringify(validate.errors)).to.equal(
                true,
            );
        });

        it("refuses what the loader refuses", () => {
            const bad = [
                { layers: { a: { layerName: "a" } } },
                { layers: { a: { layerName: "a", zipFile: "a.zip", descripton: "typo" } } },
                { layers: { a: { layerName: "bad name", zipFile: "a.zip" } } },
                { layers: { a: { layerName: "a", zipFile: "a.zip", compatibleArchitectures: ["sparc"] } } },
                {
                    layers: {
                        a: {
                            layerName: "a",
                            zipFile: "a.zip",
                            permissions: [{ statementId: "x", principal: "someone" }],
                        },
                    },
                },
            ];
            for (const manifest of bad) {
                expect(validate(manifest), JSON.stringify(manifest)).to.equal(false);
            }
        });

        it("lists exactly the SDK's runtimes", () => {
            const listed = SCHEMA.properties.defaults.properties.compatibleRuntimes.items.enum;
            expect(listed).to.deep.equal(Object.values(Runtime));
        });
    });
});
