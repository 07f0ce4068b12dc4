/**
 * The errors the emulated Lambda layer API answers with, in the wire shape AWS uses: the status code,
 * the `x-amzn-ErrorType` header (which the SDK's restJson1 deserializer reads first to pick the
 * exception class) and a JSON body with `Type` and the message.
 */

/** Every error type the emulator can answer with. */
export type ErrorType =
    | "InvalidParameterValueException"
    | "ValidationException"
    | "InvalidRequestContentException"
    | "CodeStorageExceededException"
    | "PolicyLengthExceededException"
    | "ResourceNotFoundException"
    | "ResourceConflictException"
    | "PreconditionFailedException"
    | "RequestEntityTooLargeException"
    | "TooManyRequestsException"
    | "ServiceException"
    | "UnknownOperationException";

interface ErrorShape {
    status: number;
    /**
     * The Lambda model spells the message member `Message` on some errors and `message` on others;
     * the service writes the member as modeled (the SDK accepts both, other clients may not).
     */
    messageKey: "message" | "Message";
    /** `User` for a caller's mistake, `Service` for AWS's own failure. */
    faultType: "User" | "Service";
}

const ERROR_SHAPES: Record<ErrorType, ErrorShape> = {
    InvalidParameterValueException: { status: 400, messageKey: "message", faultType: "User" },
    // Not in the Lambda model: AWS's request validation layer answers it for pattern, length, range
    // and enum violations; the SDK raises it as a LambdaServiceException named ValidationException.
    ValidationException: { status: 400, messageKey: "message", faultType: "User" },
    InvalidRequestContentException: { status: 400, messageKey: "message", faultType: "User" },
    CodeStorageExceededException: { status: 400, messageKey: "message", faultType: "User" },
    PolicyLengthExceededException: { status: 400, messageKey: "message", faultType: "User" },
    ResourceNotFoundException: { status: 404, messageKey: "Message", faultType: "User" },
    ResourceConflictException: { status: 409, messageKey: "message", faultType: "User" },
    PreconditionFailedException: { status: 412, messageKey: "message", faultType: "User" },
    // Not in the Lambda model either: answered in front of the service for an oversized body.
    RequestEntityTooLargeException: { status: 413, messageKey: "message", faultType: "User" },
    TooManyRequestsException: { status: 429, messageKey: "message", faultType: "User" },
    ServiceException: { status: 500, messageKey: "Message", faultType: "Service" },
    UnknownOperationException: { status: 404, messageKey: "message", faultType: "User" },
};

/** An API error answer: thrown anywhere below the HTTP layer, written out by the server. */
export class ApiError extends Error {
    constructor(
        readonly type: ErrorType,
        message: string,
        /** Extra members of the error body, e.g. `Reason` on TooManyRequestsException. */
        readonly extraBody: Readonly<Record<string, string>> = {},
    ) {
        super(message);
        this.name = type;
    }

    get status(): number {
        return ERROR_SHAPES[this.type].status;
    }

    /** The JSON body AWS sends for this error. */
    body(): Record<string, string> {
        const shape = ERROR_SHAPES[this.type];
        return { ...this.extraBody, Type: shape.faultType, [shape.messageKey]: this.message };
    }
}

/** The message AWS sends when a layer version does not exist. */
export function layerVersionNotFound(layerVersionArn: string): ApiError {
    return new ApiError("ResourceNotFoundException", `Layer version ${layerVersionArn} does not exist.`);
}
