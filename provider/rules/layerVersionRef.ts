/** Addressing a published layer version by the parts of its ARN, which is also the resource id. */

/** The parts of a LayerVersionArn that the Lambda API's per-version calls take. */
export interface LayerVersionRef {
    /** The layer's ARN (without the version): accepted wherever the API takes a LayerName. */
    layerArn: string;
    version: number;
    region: string;
}

/** Splits `arn:aws:lambda:<region>:<account>:layer:<name>:<version>`; throws on anything else. */
export function parseLayerVersionArn(arn: string): LayerVersionRef {
    const match = /^(arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):\d{12}:layer:[a-zA-Z0-9-_]+):(\d+)$/.exec(arn);
    if (!match) {
        throw new Error(
            `"${arn}" is not a Lambda layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)`,
        );
    }
    return { layerArn: match[1], region: match[2], version: Number(match[3]) };
}
