/**
 * The provider's one edge to the Lambda API: building a client from the standard AWS chain and turning
 * service errors into messages a user can act on. Clients are created per call, never captured, because
 * this code runs inside Pulumi's dynamic-provider host from a serialized closure.
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { loadConfig } from "@smithy/core/config";
import { NODE_MAX_ATTEMPT_CONFIG_OPTIONS } from "@smithy/core/retry";

/**
 * Attempts per call (the first try included) when neither `AWS_MAX_ATTEMPTS` nor the profile's
 * `max_attempts` says otherwise. The SDK's own default, 3, leaves a call that meets a 30% rate of
 * throttles and 500s failing once in 37; a deployment makes a dozen calls per layer. Ten attempts make
 * that one in 170,000 per call, at the price of up to two minutes of back-off (about one on average) when
 * a call is throttled every time (standard mode: exponential with full jitter, 1 s base for throttles, 20 s cap).
 */
export const DEFAULT_MAX_ATTEMPTS = 10;

/**
 * The region to publish in: the resource's own `region` input, then the standard chain (`AWS_REGION`,
 * `AWS_DEFAULT_REGION`, the profile's region), then the stack's `aws:region` config, as @pulumi/aws does.
 */
export async function resolveRegion(
    explicitRegion: string | undefined,
    stackRegion: string | undefined,
): Promise<string> {
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
 * retry strategy (`AWS_RETRY_MODE` / `retry_mode`) come from the SDK's own standard chain; so does the
 * attempt count (`AWS_MAX_ATTEMPTS` / `max_attempts`), read by the SDK's own loader with
 * {@link DEFAULT_MAX_ATTEMPTS} as its default in place of the SDK's 3.
 */
export function createLambdaClient(region: string): LambdaClient {
    return new LambdaClient({
        region,
        maxAttempts: loadConfig({ ...NODE_MAX_ATTEMPT_CONFIG_OPTIONS, default: DEFAULT_MAX_ATTEMPTS }),
    });
}

/** What a user should do about a service error, by its code. */
const ADVICE: Record<string, string> = {
    CodeStorageExceededException:
        "the account's Lambda code storage (75 GB by default) is full: delete old layer versions or functions, or ask AWS to raise the quota",
    RequestEntityTooLargeException:
        "the zip is over the direct-upload limit: set the `staging` input (or the stack config pulumi-lambda-layer:stagingBucket) so that it goes through S3",
    TooManyRequestsException:
        "the API kept throttling after every retry: raise AWS_MAX_ATTEMPTS or run with fewer parallel operations (`pulumi up --parallel`)",
    ServiceException: "AWS had an internal error after every retry: run the command again",
    PreconditionFailedException:
        "the layer version's policy changed since it was last read: run `pulumi refresh`, then `pulumi up` again",
    ResourceConflictException: "a permission with that statement id already exists: run `pulumi refresh` to adopt it",
    ResourceNotFoundException:
        "the layer version is gone: run `pulumi refresh` so that the next `pulumi up` publishes it again",
    AccessDeniedException: "the credentials lack this Lambda permission: check the IAM policy of the identity in use",
    UnrecognizedClientException: "the credentials are not valid for this account or region",
    InvalidParameterValueException: "an input was refused by the Lambda API: correct it and run again",
    ValidationException: "an input broke a Lambda API constraint (the message names it): correct it and run again",
};

/** The fields of an AWS SDK v3 error that an error message needs. */
interface ServiceErrorLike {
    name?: string;
    message?: string;
    /** Node's error code for a network failure, e.g. `ECONNREFUSED`. */
    code?: unknown;
    /** Set on service exceptions only: the service answered with an error. */
    $fault?: "client" | "server";
    /** Set by the SDK's retry middleware on every error that went through it, service answer or not. */
    $metadata?: { requestId?: string; httpStatusCode?: number; attempts?: number };
}

/** What to do when no answer came back at all. */
const NO_ANSWER_ADVICE =
    "the Lambda API could not be reached: check the network, the region, and any endpoint setting (AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL)";

/**
 * What to do when the SDK's default chain found no credentials: where it looked, in its order, and how
 * to set one. Read when the error happens, so that it names the profile and the settings in effect.
 */
function missingCredentialsAdvice(): string {
    const env = process.env;
    const profile = env.AWS_PROFILE || "default";
    const files = [env.AWS_SHARED_CREDENTIALS_FILE || "~/.aws/credentials", env.AWS_CONFIG_FILE || "~/.aws/config"];
    const metadataOff = env.AWS_EC2_METADATA_DISABLED === "true";
    const looked = [
        "the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
        `the profile "${profile}" in ${files.join(" and ")} (keys, SSO, role, credential_process)`,
        "a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)",
        "the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI)",
        metadataOff ? "not the EC2 instance metadata (AWS_EC2_METADATA_DISABLED=true)" : "the EC2 instance metadata",
    ];
    return (
        `no AWS credentials were found; the SDK looked at ${looked.join(", ")}. ` +
        "Set one: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE=<profile> with a profile made by " +
        "`aws configure` (or `aws configure sso` then `aws sso login`). The local emulator accepts any non-empty pair, " +
        "e.g. AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test"
    );
}

/** The SDK's default chain gave up: no source of credentials had any. */
function isMissingCredentials(error: ServiceErrorLike | undefined): boolean {
    return error?.name === "CredentialsProviderError" && !error.$fault;
}

/** A failed Lambda call, as the provider raises it: the message says it all, the fields let callers branch. */
export class LambdaCallError extends Error {
    constructor(
        message: string,
        /** The AWS error code (e.g. `PreconditionFailedException`); absent for a network failure or a bug. */
        readonly code: string | undefined,
        /** The failed call, e.g. `PublishLayerVersion`. */
        readonly operation: string,
        /** The last attempt's HTTP status; absent when no answer came (a network failure). */
        readonly httpStatus?: number,
        /** How many attempts the SDK made. */
        readonly attempts?: number,
    ) {
        super(message);
        this.name = "LambdaCallError";
    }
}

/** The AWS error code of a thrown value: an SDK service exception's name, or a LambdaCallError's code. */
export function awsErrorCode(error: unknown): string | undefined {
    if (error instanceof LambdaCallError) {
        return error.code;
    }
    const candidate = error as ServiceErrorLike | undefined;
    return candidate?.$fault ? candidate.name : undefined;
}

/** A failure to reach the service at all: refused, reset, unresolved or timed out. */
function isNetworkFailure(error: ServiceErrorLike | undefined): boolean {
    return (
        error?.name === "TimeoutError" ||
        (typeof error?.code === "string" &&
            /^(ECONN|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|EPIPE|EHOSTUNREACH|ENETUNREACH)/.test(error.code))
    );
}

/**
 * Whether a failed call's request surely never reached the service: no credentials to sign it, or no
 * connection (refused, no such host, no route). A reset or a timeout may come after the service acted.
 */
export function requestNeverSent(error: unknown): boolean {
    const candidate = error as ServiceErrorLike | undefined;
    return (
        candidate?.name === "CredentialsProviderError" ||
        (typeof candidate?.code === "string" &&
            /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(candidate.code))
    );
}

/**
 * An error that names the layer, the operation, the AWS error code and request id, and what to do.
 * Non-service errors (a network failure, a bug) keep their message under the same prefix.
 */
function describeLambdaError(layerName: string, operation: string, error: unknown): LambdaCallError {
    const serviceError = error as ServiceErrorLike | undefined;
    const code = awsErrorCode(error);
    // Without its closing period, so that the advice follows as part of the same sentence list.
    const message = (serviceError?.message ?? String(error)).replace(/\.$/, "");
    const meta = serviceError?.$metadata ?? {};
    const attempts = meta.attempts && meta.attempts > 1 ? [`${meta.attempts} attempts`] : [];
    if (!code) {
        const details = attempts.length ? ` (${attempts.join(", ")})` : "";
        const advice = isNetworkFailure(serviceError)
            ? `; ${NO_ANSWER_ADVICE}`
            : isMissingCredentials(serviceError)
              ? `; ${missingCredentialsAdvice()}`
              : "";
        const failure = new LambdaCallError(
            `layer "${layerName}": ${operation} failed${details}: ${message}${advice}`,
            undefined,
            operation,
            undefined,
            meta.attempts,
        );
        failure.cause = error; // for requestNeverSent
        return failure;
    }
    const details = [`request id ${meta.requestId ?? "unknown"}`, `HTTP ${meta.httpStatusCode ?? "?"}`, ...attempts];
    const advice = ADVICE[code] ? `; ${ADVICE[code]}` : "";
    const text = `layer "${layerName}": ${operation} failed: ${code} (${details.join(", ")}): ${message}${advice}`;
    return new LambdaCallError(text, code, operation, meta.httpStatusCode, meta.attempts);
}

/** Runs one Lambda call, rethrowing any failure as {@link describeLambdaError}. */
export async function callLambda<T>(layerName: string, operation: string, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (error) {
        throw describeLambdaError(layerName, operation, error);
    }
}

/**
 * "Not found" as AWS says it (ResourceNotFoundException), or as another Lambda-compatible endpoint says it:
 * a 404 whose error code names it (`NotFound`, `LayerVersionNotFoundException`, ...). A 404 without such a
 * code (an empty or HTML page from a wrong endpoint path) is not taken as "gone": that would drop live
 * versions from the state.
 */
function isNotFound(error: unknown): boolean {
    const code = awsErrorCode(error);
    if (code === "ResourceNotFoundException") return true;
    const status = (error as ServiceErrorLike | undefined)?.$metadata?.httpStatusCode;
    return status === 404 && code !== undefined && /NotFound/i.test(code);
}

/** Runs one Lambda call and answers `undefined` when the target does not exist (see {@link isNotFound}). */
export async function callLambdaOrMissing<T>(
    layerName: string,
    operation: string,
    call: () => Promise<T>,
): Promise<T | undefined> {
    try {
        return await call();
    } catch (error) {
        if (isNotFound(error)) {
            return undefined;
        }
        throw describeLambdaError(layerName, operation, error);
    }
}
