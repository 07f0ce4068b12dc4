/**
 * Layers declared as data: a YAML or JSON manifest (schema: `schema/layers.schema.json`) turned into
 * `LayerVersion` resources. Parsing and validation are pure; only {@link layersFromManifest} reads a file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { LayerVersion } from "./layerVersion";
import { validateInputs } from "../provider/rules/validation";
import type { LayerVersionInputs } from "../provider/types";

/** One layer as a manifest declares it: the plain form of `LayerVersionArgs`. */
export type ManifestLayer = Omit<LayerVersionInputs, "sourceHash">;

/**
 * A manifest file:
 * ```yaml
 * defaults:               # optional; merged under every layer (a layer's own fields win)
 *   compatibleRuntimes: [nodejs20.x]
 * layers:
 *   deps:                 # the Pulumi resource name
 *     layerName: shared-deps
 *     source: { path: ./layers/deps, prefix: nodejs/ }
 * ```
 */
export interface LayerManifest {
    defaults?: Partial<ManifestLayer>;
    layers: Record<string, ManifestLayer>;
}

/** A manifest that cannot be used; the message names the file, the layer and the field. */
export class ManifestError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ManifestError";
    }
}

/**
 * Parses and validates a manifest's text; a ManifestError lists the problems of every layer at once.
 * Relative `source.path`, `zipFile` and `build.path` values are taken relative
 * to the manifest's own folder (`manifestDir`) and returned relative to `programDir`, so the state holds
 * no absolute paths and moving the checkout changes nothing.
 */
export function parseLayerManifest(
    text: string,
    fileName: string,
    dirs: { manifestDir: string; programDir: string },
): Record<string, ManifestLayer> {
    const manifest = parseDocument(text, fileName);
    const layers: Record<string, ManifestLayer> = {};
    // Every layer is judged before anything is thrown, so one run shows every problem in the file.
    const problems: string[] = [];
    for (const [name, declared] of Object.entries(manifest.layers)) {
        if (!isPlainObject(declared)) {
            problems.push(`layer "${name}": must be a mapping of LayerVersion fields`);
            continue;
        }
        const layer = { ...manifest.defaults, ...declared } as ManifestLayer;
        const failures = validateInputs(layer as unknown as Record<string, unknown>);
        if (failures.length) {
            const lines = failures.map((failure) => `  ${failure.property}: ${failure.reason}`);
            problems.push(`layer "${name}":\n${lines.join("\n")}`);
            continue;
        }
        layers[name] = rebasePaths(layer, dirs);
    }
    if (problems.length === 1) {
        throw new ManifestError(`${fileName}: ${problems[0]}`);
    }
    if (problems.length > 1) {
        throw new ManifestError(`${fileName}: ${problems.length} layers have problems:\n${problems.join("\n")}`);
    }
    return layers;
}

/** Reads a manifest file and declares one `LayerVersion` per layer, keyed by its name in the file. */
export function layersFromManifest(
    manifestPath: string,
    opts?: pulumi.CustomResourceOptions,
): Record<string, LayerVersion> {
    let text: string;
    try {
        text = fs.readFileSync(manifestPath, "utf8");
    } catch (error) {
        throw new ManifestError(`${manifestPath}: cannot be read: ${(error as Error).message}`);
    }
    const layers = parseLayerManifest(text, manifestPath, {
        manifestDir: path.dirname(path.resolve(manifestPath)),
        programDir: process.cwd(),
    });
    const resources: Record<string, LayerVersion> = {};
    for (const [name, args] of Object.entries(layers)) {
        resources[name] = new LayerVersion(name, args, opts);
    }
    return resources;
}

function parseDocument(text: string, fileName: string): LayerManifest {
    let document: unknown;
    try {
        document = parseYaml(text);
    } catch (error) {
        throw new ManifestError(`${fileName}: is neither valid YAML nor JSON: ${(error as Error).message}`);
    }
    if (!isPlainObject(document) || !isPlainObject(document.layers)) {
        throw new ManifestError(`${fileName}: must be a mapping with a \`layers\` mapping (layer name -> fields)`);
    }
    const unexpected = Object.keys(document).filter((key) => key !== "layers" && key !== "defaults");
    if (unexpected.length) {
        throw new ManifestError(
            `${fileName}: unknown top-level field(s) ${unexpected.join(", ")}: only \`defaults\` and \`layers\` are allowed`,
        );
    }
    if (document.defaults !== undefined && !isPlainObject(document.defaults)) {
        throw new ManifestError(`${fileName}: \`defaults\` must be a mapping of LayerVersion fields`);
    }
    return document as unknown as LayerManifest;
}

function rebasePaths(layer: ManifestLayer, dirs: { manifestDir: string; programDir: string }): ManifestLayer {
    const rebase = (relativeToManifest: string): string =>
        path.relative(dirs.programDir, path.resolve(dirs.manifestDir, relativeToManifest)).split(path.sep).join("/") ||
        ".";
    return {
        ...layer,
        ...(layer.source ? { source: { ...layer.source, path: rebase(layer.source.path) } } : {}),
        ...(layer.zipFile ? { zipFile: rebase(layer.zipFile) } : {}),
        ...(layer.build ? { build: { ...layer.build, path: rebase(layer.build.path) } } : {}),
    };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
