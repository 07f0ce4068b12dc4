/** Layer and layer-version ARNs: how AWS writes them, and reading the parts back. */

/** Where a layer lives and what it is called: the parts of its ARN. */
export interface LayerAddress {
    region: string;
    accountId: string;
    name: string;
}

/** The ARN partition of a region: `aws`, or `aws-cn` / `aws-us-gov` for the isolated partitions. */
export function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

export function layerArn(layer: LayerAddress): string {
    return `arn:${partitionOf(layer.region)}:lambda:${layer.region}:${layer.accountId}:layer:${layer.name}`;
}

export function layerVersionArn(layer: LayerAddress, version: number): string {
    return `${layerArn(layer)}:${version}`;
}

const LAYER_ARN = /^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9_-]+)$/;
const LAYER_VERSION_ARN = /^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9_-]+):([0-9]+)$/;

/**
 * The parts of a LayerName path parameter that already passed validation: a plain name, or a layer
 * ARN (which then also names the region and account).
 */
export function parseLayerName(value: string): { name: string; region?: string; accountId?: string } {
    const arn = LAYER_ARN.exec(value);
    if (!arn) return { name: value };
    return { region: arn[1], accountId: arn[2], name: arn[3] };
}

/** The parts of a layer-version ARN, or undefined when it is not one. */
export function parseLayerVersionArn(value: string): (LayerAddress & { version: number }) | undefined {
    const arn = LAYER_VERSION_ARN.exec(value);
    if (!arn) return undefined;
    return { region: arn[1], accountId: arn[2], name: arn[3], version: Number(arn[4]) };
}
