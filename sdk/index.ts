/** `pulumi-lambda-layer`: declarative AWS Lambda layer versions for Pulumi programs. */
export { LayerVersion } from "./layerVersion";
export type { LayerVersionArgs } from "./layerVersion";
export type { LayerPermission, LayerS3Content, LayerSource, LayerVersionInputs, LayerVersionOutputs } from "../provider/types";
