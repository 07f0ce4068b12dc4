/**
 * Unknown values during `pulumi preview`: an input computed from a resource that does not exist yet
 * reaches the provider as a fixed sentinel string, in place of a whole property, an array element or a
 * nested field. Such values are neither validated, hashed nor compared: they are simply not known yet.
 */

/** The sentinel Pulumi's engine sends for an unknown value (`@pulumi/pulumi/runtime/rpc` `unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when the value itself is unknown. */
export function isUnknown(value: unknown): boolean {
    return value === UNKNOWN;
}

/** True when the value, or anything nested in it (array elements, object fields), is unknown. */
export function containsUnknown(value: unknown): boolean {
    if (isUnknown(value)) {
        return true;
    }
    if (Array.isArray(value)) {
        return value.some(containsUnknown);
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).some(containsUnknown);
    }
    return false;
}
