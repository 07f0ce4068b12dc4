/**
 * Layer ARNs, `arn:aws:lambda:<region>:<account>:layer:<name>` with `:<version>` for a layer version:
 * their one grammar, and addressing a published version by the parts of its ARN (also the resource id).
 */

/** The parts of a LayerVersionArn that the Lambda API's per-version calls take. */
export interface LayerVersionRef {
    /** The layer's ARN (without the version): accepted wherever the API takes a LayerName. */
    layerArn: string;
    version: number;
    region: string;
}

/** A region as an endpoint may write it in the ARNs it answers with; the `region` input is held to REGION_PATTERN. */
const ANSWERED_REGION_SOURCE = "[a-z0-9-]+";

/**
 * The pattern source of a layer ARN without its version, whose region matches `regionSource`; the
 * region and the layer's name are the named groups `region` and `name`.
 */
export function layerArnSource(regionSource: string = ANSWERED_REGION_SOURCE): string {
    return String.raw`arn:aws[a-zA-Z-]*:lambda:(?<region>${regionSource}):\d{12}:layer:(?<name>[a-zA-Z0-9-_]+)`;
}

const LAYER_ARN = new RegExp(`^${layerArnSource()}$`);
const LAYER_VERSION_ARN = new RegExp(String.raw`^(?<layerArn>${layerArnSource()}):(?<version>\d+)$`);

/** Splits `arn:aws:lambda:<region>:<account>:layer:<name>:<version>`; throws on anything else. */
export function parseLayerVersionArn(arn: string): LayerVersionRef {
    const groups = LAYER_VERSION_ARN.exec(arn)?.groups;
    if (!groups) {
        throw new Error(
            `"${arn}" is not a Lambda layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)`,
        );
    }
    return { layerArn: groups.layerArn, region: groups.region, version: Number(groups.version) };
}

/** The region of a layer version ARN; `undefined` for anything else. */
export function regionOfLayerVersionArn(arn: string | undefined): string | undefined {
    return arn === undefined ? undefined : LAYER_VERSION_ARN.exec(arn)?.groups?.region;
}

/** The layer's name: `layerName` itself, or the name part of a layer ARN (the same layer). */
export function bareLayerName(layerName: string): string {
    return LAYER_ARN.exec(layerName)?.groups?.name ?? layerName;
}
