/**
 * The provider's one edge to the Lambda API: building a client from the standard AWS chain and turning
 * service errors into messages a user can act on. Clients are created per call, never captured, because
 * this code runs inside Pulumi's dynamic-provider host from a serialized closure.
 */
import { LambdaClient } from "@aws-sdk/client-lambda";

/**
 * The region to publish in: the resource's own `region` input, then the standard chain (`AWS_REGION`,
 * `AWS_DEFAULT_REGION`, the profile's region), then the stack's `aws:region` config, as @pulumi/aws does.
 */
export async function resolveRegion(explicitRegion: string | undefined, stackRegion: string | undefined): Promise<string> {
    const fromEnvironment = explicitRegion || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
    if (fromEnvironment) {
        return fromEnvironment;
    }
    const fromProfile = await new LambdaClient({}).config.region().catch(() => undefined);
    const region = fromProfile || stackRegion;
    if (!region) {
        throw new Error(
            "no AWS region: set the resource's `region` input, AWS_REGION, a profile's region, " +
                "or `pulumi config set aws:region <region>`",
        );
    }
    return region;
}

/**
 * A client for one region. Credentials, endpoint (`AWS_ENDPOINT_URL_LAMBDA` / `AWS_ENDPOINT_URL`) and the
 * retry strategy (`AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`) come from the SDK's own standard chain.
 */
export function createLambdaClient(region: string): LambdaClient {
    return new LambdaClient({ region });
}

/** What a user should do about a service error, by its code. */
const ADVICE: Record<string, string> = {
    CodeStorageExceededException:
        "the account's Lambda code storage (75 GB by default) is full: delete old layer versions or functions, or ask AWS to raise the quota",
    RequestEntityTooLargeException:
        "the zip is over the 50 MB direct-upload limit: upload it to S3 and use the `s3` input instead",
    TooManyRequestsException:
        "the API kept throttling after every retry: raise AWS_MAX_ATTEMPTS or run with fewer parallel operations (`pulumi up --parallel`)",
    ServiceException: "AWS had an internal error after every retry: run the command again",
    PreconditionFailedException:
        "the layer version's policy changed since it was last read: run `pulumi refresh`, then `pulumi up` again",
    ResourceConflictException: "a permission with that statement id already exists: run `pulumi refresh` to adopt it",
    ResourceNotFoundException: "the layer version is gone: run `pulumi refresh` so that the next `pulumi up` publishes it again",
    AccessDeniedException: "the credentials lack this Lambda permission: check the IAM policy of the identity in use",
    UnrecognizedClientException: "the credentials are not valid for this account or region",
    InvalidParameterValueException: "an input was refused by the Lambda API: correct it and run again",
};

/** The fields of an AWS SDK v3 service exception that an error message needs. */
interface ServiceErrorLike {
    name?: string;
    message?: string;
    $metadata?: { requestId?: string; httpStatusCode?: number; attempts?: number };
}

/** The AWS error code of a thrown value, if it is a service error (e.g. `ResourceNotFoundException`). */
export function awsErrorCode(error: unknown): string | undefined {
    const candidate = error as ServiceErrorLike | undefined;
    return candidate?.$metadata ? candidate.name : undefined;
}

/**
 * An Error that names the layer, the operation, the AWS error code and request id, and what to do.
 * Non-service errors (a network failure, a bug) keep their message under the same prefix.
 */
export function describeLambdaError(layerName: string, operation: string, error: unknown): Error {
    const serviceError = error as ServiceErrorLike;
    const code = awsErrorCode(error);
    const message = serviceError?.message ?? String(error);
    if (!code) {
        return new Error(`layer "${layerName}": ${operation} failed: ${message}`);
    }
    const meta = serviceError.$metadata ?? {};
    const details = [`request id ${meta.requestId ?? "unknown"}`, `HTTP ${meta.httpStatusCode ?? "?"}`];
    if (meta.attempts && meta.attempts > 1) {
        details.push(`${meta.attempts} attempts`);
    }
    const advice = ADVICE[code] ? `; ${ADVICE[code]}` : "";
    return new Error(`layer "${layerName}": ${operation} failed: ${code} (${details.join(", ")}): ${message}${advice}`);
}

/** Runs one Lambda call, rethrowing any failure as {@link describeLambdaError}. */
export async function callLambda<T>(layerName: string, operation: string, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (error) {
        throw describeLambdaError(layerName, operation, error);
    }
}

/** Runs one Lambda call and answers `undefined` when the target does not exist (404). */
export async function callLambdaOrMissing<T>(
    layerName: string,
    operation: string,
    call: () => Promise<T>,
): Promise<T | undefined> {
    try {
        return await call();
    } catch (error) {
        if (awsErrorCode(error) === "ResourceNotFoundException") {
            return undefined;
        }
        throw describeLambdaError(layerName, operation, error);
    }
}
