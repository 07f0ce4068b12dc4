/**
 * Property values as the engine puts them on the wire (a protobuf `Struct`) and as tests write them
 * (plain JS objects), plus the few special markers of Pulumi's wire format that a test meets.
 */

/** The string the engine sends in place of a value that is not known yet (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The key that marks a special value (secret, asset, resource reference) in Pulumi's wire format. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** The signature of a secret on the wire: `{ [SIG_KEY]: SECRET_SIG, value }`. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A resource's properties as plain JS values (what goes into and comes out of a `Struct`). */
export type PropertyMap = Record<string, unknown>;

/** A value a protobuf `Struct` can hold. */
export type WireValue = null | boolean | number | string | WireValue[] | WireObject;

/** An object a protobuf `Struct` can hold. */
export interface WireObject {
    [key: string]: WireValue;
}

/** Secret-free properties and where the secrets were, as `stripSecrets` returns them. */
export interface StrippedProperties {
    /** The properties with every secret replaced by its plain value. */
    properties: PropertyMap;
    /** Dotted paths (`token`, `nested.list[0]`) of the values that were secret. */
    secretPaths: string[];
}

/**
 * Checks that `map` holds only values a `Struct` can carry and returns it in that shape.
 * Keys whose value is `undefined` are dropped: the engine's property maps cannot hold `undefined`,
 * so a test writing `{ ...outs, x: undefined }` means "no x", as the SDK does.
 *
 * @param map the properties to send
 * @param label names the map in errors, e.g. `check news`
 * @throws when a value is a function, a class instance, `undefined` inside a list, or not finite
 */
export function toWire(map: PropertyMap, label: string): WireObject {
    return toWireObject(map, label);
}

function toWireObject(value: object, path: string): WireObject {
    const result: WireObject = {};
    for (const [key, entry] of Object.entries(value)) {
        if (entry !== undefined) {
            result[key] = toWireValue(entry, `${path}.${key}`);
        }
    }
    return result;
}

function toWireValue(value: unknown, path: string): WireValue {
    if (value === null || typeof value === "boolean" || typeof value === "string") {
        return value;
    }
    if (typeof value === "number" && Number.isFinite(value)) {
        return value;
    }
    if (Array.isArray(value)) {
        return value.map((entry, index) => {
            if (entry === undefined) {
                throw new Error(`${path}[${index}] is undefined: a list on the wire cannot hold undefined`);
            }
            return toWireValue(entry, `${path}[${index}]`);
        });
    }
    if (isPlainObject(value)) {
        return toWireObject(value, path);
    }
    throw new Error(
        `${path} is ${describe(value)}: only JSON-like values (null, booleans, finite numbers, ` +
            `strings, lists, plain objects) can travel in a Struct`,
    );
}

function isPlainObject(value: unknown): value is object {
    if (typeof value !== "object" || value === null) {
        return false;
    }
    const prototype = Object.getPrototypeOf(value);
    return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
    if (typeof value === "object" && value !== null) {
        return `an instance of ${value.constructor?.name ?? "an unknown class"}`;
    }
    return `of type ${typeof value} (${String(value)})`;
}

/** Wraps `value` as a secret in Pulumi's wire format, as the engine sends secret stack config in Configure. */
export function wrapSecret(value: WireValue): WireObject {
    return { [SIG_KEY]: SECRET_SIG, value };
}

/**
 * Replaces every secret in `properties` by its plain value and reports where they were. This is what the
 * engine does before calling a provider that does not accept secrets, as the dynamic-provider host
 * (ConfigureResponse.acceptSecrets = false): the provider sees secrets in plain text.
 */
export function stripSecrets(properties: PropertyMap): StrippedProperties {
    const secretPaths: string[] = [];
    const stripped = stripValue(properties, "", secretPaths);
    return { properties: stripped as PropertyMap, secretPaths };
}

function stripValue(value: unknown, path: string, secretPaths: string[]): unknown {
    if (Array.isArray(value)) {
        return value.map((entry, index) => stripValue(entry, `${path}[${index}]`, secretPaths));
    }
    if (typeof value !== "object" || value === null) {
        return value;
    }
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) {
        secretPaths.push(path);
        return stripValue(record.value, path, secretPaths);
    }
    const result: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(record)) {
        result[key] = stripValue(entry, path === "" ? key : `${path}.${key}`, secretPaths);
    }
    return result;
}
