/**
 * `pulumi-lambda-layer/provider`: the dynamic provider behind `LayerVersion`, and the lifecycle its
 * serialized form loads at run time.
 */
export { LayerVersionProvider } from "./layerVersionProvider";
export * as lifecycle from "./lifecycle";
export type { ProviderSettings } from "./lifecycle";
export * from "./types";
