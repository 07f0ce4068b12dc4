/** `pulumi-lambda-layer`: declarative AWS Lambda layer versions for Pulumi programs. */
export { LayerVersion } from "./layerVersion";
export type { LayerVersionArgs } from "./layerVersion";
export type {
    KnownArchitecture,
    KnownRuntime,
    LayerBuild,
    LayerRuntime,
    LayerPermission,
    LayerS3Content,
    LayerSource,
    LayerStaging,
    LayerVersionInputs,
    LayerVersionOutputs,
} from "../provider/types";
export { layersFromManifest, parseLayerManifest, ManifestError } from "./manifest";
export type { LayerManifest, ManifestLayer } from "./manifest";
