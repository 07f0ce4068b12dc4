/**
 * The plain shapes of the engine <-> dynamic-provider host protocol as the harness exposes them, and the
 * names the engine uses.
 */
import type { InputFailure } from "../provider/types";
import { Diagnostic } from "./diagnostics";
import { PropertyMap } from "./properties";

/** The property that carries the serialized provider in every property map of a dynamic resource. */
export const PROVIDER_KEY = "__provider";

/** The package whose default provider serves Node.js dynamic resources. */
export const DYNAMIC_PACKAGE = "pulumi-nodejs";

/** The project name `setMocks` and the harness use unless told otherwise. */
export const DEFAULT_PROJECT = "project";

/** The stack name `setMocks` and the harness use unless told otherwise. */
export const DEFAULT_STACK = "stack";

/** Settings of the engine run the host belongs to. */
export interface ProviderHostOptions {
    /**
     * Extra environment for the host (AWS settings, say), laid over this process's environment:
     * the engine passes its whole environment to plugins.
     */
    env?: NodeJS.ProcessEnv;
    /**
     * The project name (default `project`, as `setMocks` uses): the engine exports it to the host as
     * `PULUMI_NODEJS_PROJECT`, and the config object a provider's `configure` receives resolves keys
     * without a namespace (`config.get("name")`) under it.
     */
    project?: string;
    /** The stack name (default `stack`), used in the default provider's URN. */
    stack?: string;
    /**
     * The stack configuration with full keys (`aws:region`, `<project>:name`), as strings. The engine
     * exports it as `PULUMI_CONFIG` (so `new pulumi.Config()` works inside the provider) and sends the
     * same map to Configure; it is what `configure()` sends when called without a map.
     */
    config?: Record<string, string>;
}

/** Options of `ProviderHost.configure`. */
export interface ConfigureOptions {
    /** Config keys the engine sends marked secret (the host unwraps them before the provider sees them). */
    secretKeys?: readonly string[];
}

/** What the host declared in its ConfigureResponse. */
export interface ConfigureResult {
    acceptSecrets: boolean;
    supportsPreview: boolean;
    acceptResources: boolean;
    acceptOutputs: boolean;
}

/** The answer to Check. */
export interface CheckResult {
    /** The checked inputs, with `__provider`. */
    inputs: PropertyMap;
    failures: InputFailure[];
}

/** Whether Diff found changes. */
export type DiffChanges = "none" | "some" | "unknown";

/** The answer to Diff. */
export interface DiffResult {
    /** `unknown` when the provider has no `diff` (the engine then compares the inputs itself). */
    changes: DiffChanges;
    /** Properties whose change requires a replacement; empty for an in-place update. */
    replaces: string[];
    deleteBeforeReplace: boolean;
}

/** The answer to Create. */
export interface CreateResult {
    id: string;
    /** The outputs, with `__provider`. */
    properties: PropertyMap;
}

/** The answer to Read. */
export interface ReadResult {
    /** Empty when the provider found no resource: the engine then drops it from the state. */
    id: string;
    /** The refreshed outputs, with `__provider`. */
    properties: PropertyMap;
    /** The inputs the provider returned for later diffs, with `__provider`; absent if it returned none. */
    inputs: PropertyMap | undefined;
}

/** The answer to Update. */
export interface UpdateResult {
    /** The new outputs, with `__provider`. */
    properties: PropertyMap;
}

/** Options of calls that can run during a preview. */
export interface PreviewOptions {
    preview?: boolean;
}

/** Old inputs, which the engine sends to Diff, Update and Delete (the 3.248 host does not read them). */
export interface OldInputsOptions {
    oldInputs?: PropertyMap;
}

/** One RPC sent to the host, with plain payloads, in the order sent. */
export interface RecordedCall {
    /** The RPC's name in camelCase: `configure`, `check`, `diff`, `create`, ... */
    method: string;
    /** The request's fields as sent (structs as plain objects, secrets in their wire form). */
    request: PropertyMap;
    /** The answer as plain values, once it arrived. */
    response?: unknown;
    /** The error message, when the call failed. */
    error?: string;
}

/** A call the host answered with a gRPC error (a thrown provider error arrives this way). */
export class ProviderRpcError extends Error {
    /**
     * @param method the RPC that failed
     * @param code the gRPC status code (2 = UNKNOWN for a thrown error)
     * @param details the error text the host sent: the provider's error message
     */
    constructor(
        readonly method: string,
        readonly code: number,
        details: string,
    ) {
        super(details);
        this.name = "ProviderRpcError";
    }
}

/** A running dynamic-provider host, driven as the engine drives it. */
export interface ProviderHost {
    /** The @pulumi/pulumi version whose host runs (from GetPluginInfo). */
    readonly pluginVersion: string;
    /** The fake engine address the host was started with. */
    readonly engineAddress: string;
    /** Every RPC sent, with its plain request and response payloads. */
    readonly calls: readonly RecordedCall[];
    /** The host's stdout/stderr lines and any Log RPCs it sent to the engine. */
    readonly diagnostics: readonly Diagnostic[];
    /** Waits for a diagnostic (output can trail the RPC answer that follows it). */
    waitForDiagnostic(predicate: (diagnostic: Diagnostic) => boolean, timeoutMs?: number): Promise<Diagnostic>;
    /** Configure: sends `config` (default: the `config` the host was started with). */
    configure(config?: Record<string, string>, options?: ConfigureOptions): Promise<ConfigureResult>;
    /** Check: `olds` are the old inputs (`{}` for a new resource), `news` the program's inputs. */
    check(urn: string, olds: PropertyMap, news: PropertyMap): Promise<CheckResult>;
    /** Diff: `olds` are the old OUTPUTS, `news` the checked new inputs. */
    diff(
        id: string,
        urn: string,
        olds: PropertyMap,
        news: PropertyMap,
        options?: OldInputsOptions,
    ): Promise<DiffResult>;
    /**
     * Create with the checked inputs. Outside a preview an empty id is rejected, as the engine rejects it.
     */
    create(urn: string, properties: PropertyMap, options?: PreviewOptions): Promise<CreateResult>;
    /** Read (refresh): `properties` are the old outputs, `inputs` the old inputs. */
    read(id: string, urn: string, properties: PropertyMap, inputs: PropertyMap): Promise<ReadResult>;
    /** Update: `olds` are the old OUTPUTS, `news` the checked new inputs. */
    update(
        id: string,
        urn: string,
        olds: PropertyMap,
        news: PropertyMap,
        options?: PreviewOptions & OldInputsOptions,
    ): Promise<UpdateResult>;
    /** Delete: `properties` are the outputs. */
    delete(id: string, urn: string, properties: PropertyMap, options?: OldInputsOptions): Promise<void>;
    /** Stops the host and the engine stub; all output is in `diagnostics` afterwards. */
    close(): Promise<void>;
}

/** A URN's resource type (the last of a parent$child chain) and name. */
export function parseUrn(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    if (!urn.startsWith("urn:pulumi:") || parts.length < 4) {
        throw new Error(`${JSON.stringify(urn)} is not a URN (urn:pulumi:<stack>::<project>::<type>::<name>)`);
    }
    const qualifiedType = parts[2];
    return { type: qualifiedType.split("$").pop() ?? qualifiedType, name: parts.slice(3).join("::") };
}
