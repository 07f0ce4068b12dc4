// Every layer is declared in layers.yaml; this program only turns the manifest into resources.
import * as path from "node:path";
import { layersFromManifest } from "pulumi-lambda-layer";

const layers = layersFromManifest(path.join(__dirname, "layers.yaml"));

/** The version ARN of each layer, keyed by its name in the manifest. */
export const layerVersionArns = Object.fromEntries(Object.entries(layers).map(([name, layer]) => [name, layer.arn]));
