/**
 * The ProviderHost implementation: a gRPC client of the host's ResourceProvider service that builds each
 * request as the engine does, records it, and maps the answer to plain values.
 */
import * as crypto from "node:crypto";
import type * as grpcTypes from "@grpc/grpc-js";
import type { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import type {
    CheckResponse,
    ConfigureResponse,
    CreateResponse,
    DiffResponse,
    ReadResponse,
    UpdateResponse,
} from "@pulumi/pulumi/proto/provider_pb";
import type { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import type { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Diagnostic, DiagnosticLog } from "./diagnostics";
import { EngineStub } from "./engineStub";
import { HostProcess } from "./hostProcess";
import { PropertyMap, toWire, UNKNOWN, WireObject, wrapSecret } from "./properties";
import {
    CheckResult,
    ConfigureOptions,
    ConfigureResult,
    CreateResult,
    DEFAULT_PROJECT,
    DEFAULT_STACK,
    DiffChanges,
    DiffResult,
    DYNAMIC_PACKAGE,
    OldInputsOptions,
    parseUrn,
    PreviewOptions,
    PROVIDER_KEY,
    ProviderHost,
    ProviderHostOptions,
    ProviderRpcError,
    ReadResult,
    RecordedCall,
    UpdateResult,
} from "./protocol";
import { PulumiModules } from "./pulumiModules";

type Callback<Response> = (error: grpcTypes.ServiceError | null, response?: Response) => void;

/** A ProviderHost over a started host process and engine stub; call `open()` before handing it out. */
export class GrpcProviderHost implements ProviderHost {
    pluginVersion = "";
    private readonly client: ResourceProviderClient;
    private readonly recorded: RecordedCall[] = [];
    private configured = false;

    constructor(
        private readonly modules: PulumiModules,
        private readonly engine: EngineStub,
        private readonly hostProcess: HostProcess,
        private readonly log: DiagnosticLog,
        private readonly options: ProviderHostOptions,
    ) {
        this.client = new modules.providerGrpc.ResourceProviderClient(
            `127.0.0.1:${hostProcess.port}`,
            modules.grpc.credentials.createInsecure(),
        );
    }

    get engineAddress(): string {
        return this.engine.address;
    }

    get calls(): readonly RecordedCall[] {
        return this.recorded;
    }

    get diagnostics(): readonly Diagnostic[] {
        return this.log.entries;
    }

    waitForDiagnostic(predicate: (diagnostic: Diagnostic) => boolean, timeoutMs?: number): Promise<Diagnostic> {
        return this.log.waitFor(predicate, timeoutMs);
    }

    /**
     * The engine's opening calls: Handshake (UNIMPLEMENTED is the expected answer) and GetPluginInfo. A
     * @pulumi/pulumi older than the Handshake RPC (3.142 is one) has no stubs for it: the engine's call
     * would get UNIMPLEMENTED from it as well, so it is left out.
     */
    async open(): Promise<void> {
        const { providerPb, emptyPb, grpc } = this.modules;
        if (typeof providerPb.ProviderHandshakeRequest === "function") {
            const handshake = new providerPb.ProviderHandshakeRequest()
                .setEngineAddress(this.engine.address)
                .setConfigureWithUrn(true);
            try {
                await this.call(
                    "handshake",
                    { engineAddress: this.engine.address, configureWithUrn: true },
                    (callback) => this.client.handshake(handshake, callback),
                    () => ({}),
                );
            } catch (error) {
                if (!(error instanceof ProviderRpcError && error.code === grpc.status.UNIMPLEMENTED)) {
                    throw error;
                }
            }
        }
        const info = await this.call(
            "getPluginInfo",
            {},
            (callback) => this.client.getPluginInfo(new emptyPb.Empty(), callback),
            (response: PluginInfo) => ({ version: response.getVersion() }),
        );
        this.pluginVersion = info.version;
    }

    async configure(config = this.options.config ?? {}, options: ConfigureOptions = {}): Promise<ConfigureResult> {
        const { providerPb } = this.modules;
        const secretKeys = new Set(options.secretKeys ?? []);
        const args: WireObject = {};
        for (const [key, value] of Object.entries(config)) {
            args[key] = secretKeys.has(key) ? wrapSecret(value) : value;
        }
        const project = this.options.project ?? DEFAULT_PROJECT;
        const stack = this.options.stack ?? DEFAULT_STACK;
        const type = `pulumi:providers:${DYNAMIC_PACKAGE}`;
        const request = new providerPb.ConfigureRequest()
            .setArgs(this.struct(args))
            .setAcceptsecrets(true)
            .setAcceptresources(true)
            .setSendsOldInputs(true)
            .setSendsOldInputsToDelete(true);
        // The provider's own identity, sent since the Handshake RPC; an older SDK's stubs have no field for it.
        if (typeof request.setUrn === "function") {
            request
                .setUrn(`urn:pulumi:${stack}::${project}::${type}::default`)
                .setName("default")
                .setType(type)
                .setId(crypto.randomUUID());
        }
        // The engine also sends the older `<package>:config:<key>` spelling; the host reads only `args`.
        for (const [key, value] of Object.entries(config)) {
            request.getVariablesMap().set(`${DYNAMIC_PACKAGE}:config:${key}`, value);
        }
        const result = await this.call(
            "configure",
            { args },
            (callback) => this.client.configure(request, callback),
            (response: ConfigureResponse) => ({
                acceptSecrets: response.getAcceptsecrets(),
                supportsPreview: response.getSupportspreview(),
                acceptResources: response.getAcceptresources(),
                acceptOutputs: response.getAcceptoutputs(),
            }),
        );
        this.configured = true;
        return result;
    }

    async check(urn: string, olds: PropertyMap, news: PropertyMap): Promise<CheckResult> {
        this.requireReady("check", news[PROVIDER_KEY] === UNKNOWN ? { olds } : { news });
        const wire = { urn, olds: toWire(olds, "check olds"), news: toWire(news, "check news") };
        const request = this.withUrn(new this.modules.providerPb.CheckRequest(), urn)
            .setOlds(this.struct(wire.olds))
            .setNews(this.struct(wire.news));
        return this.call(
            "check",
            wire,
            (callback) => this.client.check(request, callback),
            (response: CheckResponse) => ({
                inputs: plain(response.getInputs()),
                failures: response.getFailuresList().map((failure) => ({
                    property: failure.getProperty(),
                    reason: failure.getReason(),
                })),
            }),
        );
    }

    async diff(
        id: string,
        urn: string,
        olds: PropertyMap,
        news: PropertyMap,
        options: OldInputsOptions = {},
    ): Promise<DiffResult> {
        this.requireReady("diff", news[PROVIDER_KEY] === UNKNOWN ? { olds } : { news });
        const wire = {
            id,
            urn,
            olds: toWire(olds, "diff olds"),
            news: toWire(news, "diff news"),
            ...this.oldInputs(options, "diff"),
        };
        const request = this.withUrn(new this.modules.providerPb.DiffRequest(), urn)
            .setId(id)
            .setOlds(this.struct(wire.olds))
            .setNews(this.struct(wire.news))
            .setOldInputs(this.optionalStruct(wire.oldInputs));
        return this.call(
            "diff",
            wire,
            (callback) => this.client.diff(request, callback),
            (response: DiffResponse) => ({
                changes: this.diffChanges(response.getChanges()),
                replaces: response.getReplacesList(),
                deleteBeforeReplace: response.getDeletebeforereplace(),
            }),
        );
    }

    async create(urn: string, properties: PropertyMap, options: PreviewOptions = {}): Promise<CreateResult> {
        this.requireReady("create", { properties });
        const preview = options.preview ?? false;
        const wire = { urn, properties: toWire(properties, "create properties"), preview };
        const request = this.withUrn(new this.modules.providerPb.CreateRequest(), urn)
            .setProperties(this.struct(wire.properties))
            .setPreview(preview);
        const result = await this.call(
            "create",
            wire,
            (callback) => this.client.create(request, callback),
            (response: CreateResponse) => ({ id: response.getId(), properties: plain(response.getProperties()) }),
        );
        if (result.id === "" && !preview) {
            throw new Error(
                `plugin for package '${DYNAMIC_PACKAGE}' returned empty resource.ID from create '${urn}' ` +
                    "(the engine fails the update this way: the provider's create must return an id)",
            );
        }
        return result;
    }

    async read(id: string, urn: string, properties: PropertyMap, inputs: PropertyMap): Promise<ReadResult> {
        this.requireReady("read", { properties });
        const wire = {
            id,
            urn,
            properties: toWire(properties, "read properties"),
            inputs: toWire(inputs, "read inputs"),
        };
        const request = this.withUrn(new this.modules.providerPb.ReadRequest(), urn)
            .setId(id)
            .setProperties(this.struct(wire.properties))
            .setInputs(this.struct(wire.inputs));
        return this.call(
            "read",
            wire,
            (callback) => this.client.read(request, callback),
            (response: ReadResponse) => ({
                id: response.getId(),
                properties: plain(response.getProperties()),
                inputs: response.hasInputs() ? plain(response.getInputs()) : undefined,
            }),
        );
    }

    async update(
        id: string,
        urn: string,
        olds: PropertyMap,
        news: PropertyMap,
        options: PreviewOptions & OldInputsOptions = {},
    ): Promise<UpdateResult> {
        this.requireReady("update", { news });
        const preview = options.preview ?? false;
        const wire = {
            id,
            urn,
            olds: toWire(olds, "update olds"),
            news: toWire(news, "update news"),
            ...this.oldInputs(options, "update"),
            preview,
        };
        const request = this.withUrn(new this.modules.providerPb.UpdateRequest(), urn)
            .setId(id)
            .setOlds(this.struct(wire.olds))
            .setNews(this.struct(wire.news))
            .setOldInputs(this.optionalStruct(wire.oldInputs))
            .setPreview(preview);
        return this.call(
            "update",
            wire,
            (callback) => this.client.update(request, callback),
            (response: UpdateResponse) => ({ properties: plain(response.getProperties()) }),
        );
    }

    async delete(id: string, urn: string, properties: PropertyMap, options: OldInputsOptions = {}): Promise<void> {
        this.requireReady("delete", { properties });
        const wire = {
            id,
            urn,
            properties: toWire(properties, "delete properties"),
            ...this.oldInputs(options, "delete"),
        };
        const request = this.withUrn(new this.modules.providerPb.DeleteRequest(), urn)
            .setId(id)
            .setProperties(this.struct(wire.properties))
            .setOldInputs(this.optionalStruct(wire.oldInputs));
        await this.call(
            "delete",
            wire,
            (callback) => this.client.delete(request, callback),
            () => ({}),
        );
    }

    async close(): Promise<void> {
        this.client.close();
        await this.hostProcess.stop();
        await this.engine.close();
    }

    /**
     * Sends one unary RPC, records it, and maps the answer to plain values.
     * A gRPC error becomes a ProviderRpcError carrying the host's message.
     */
    private call<Response, Result>(
        method: string,
        request: PropertyMap,
        send: (callback: Callback<Response>) => void,
        toResult: (response: Response) => Result,
    ): Promise<Result> {
        const record: RecordedCall = { method, request };
        this.recorded.push(record);
        return new Promise((resolve, reject) => {
            send((error, response) => {
                if (error) {
                    record.error = error.details;
                    reject(new ProviderRpcError(method, error.code, error.details));
                } else if (response === undefined) {
                    record.error = "empty response";
                    reject(new ProviderRpcError(method, -1, `${method} returned no response`));
                } else {
                    const result = toResult(response);
                    record.response = result;
                    resolve(result);
                }
            });
        });
    }

    /** Refuses what the engine never does: CRUD before Configure, or a map without `__provider`. */
    private requireReady(method: string, maps: Record<string, PropertyMap>): void {
        if (!this.configured) {
            throw new Error(`${method} before configure(): the engine always configures the provider first`);
        }
        for (const [name, map] of Object.entries(maps)) {
            if (typeof map[PROVIDER_KEY] !== "string" || map[PROVIDER_KEY] === UNKNOWN) {
                throw new Error(
                    `${method}: ${name}.${PROVIDER_KEY} is missing, so the host cannot load the ` +
                        "provider; pass the inputs captureResources() returned or the properties of an earlier result",
                );
            }
        }
    }

    private oldInputs(options: OldInputsOptions, method: string): { oldInputs?: WireObject } {
        return options.oldInputs === undefined ? {} : { oldInputs: toWire(options.oldInputs, `${method} oldInputs`) };
    }

    /**
     * Sets urn, name and type as the engine does (name and type come from the URN); an older SDK's stubs
     * (3.142) have the urn field only.
     */
    private withUrn<Request extends UrnRequest>(request: Request, urn: string): Request {
        const { type, name } = parseUrn(urn);
        request.setUrn(urn);
        if (typeof request.setName === "function") {
            request.setName(name);
            request.setType(type);
        }
        return request;
    }

    private struct(value: WireObject): Struct {
        return this.modules.structPb.Struct.fromJavaScript(value);
    }

    private optionalStruct(value: WireObject | undefined): Struct | undefined {
        return value === undefined ? undefined : this.struct(value);
    }

    private diffChanges(changes: number): DiffChanges {
        const codes = this.modules.providerPb.DiffResponse.DiffChanges;
        if (changes === codes.DIFF_NONE) {
            return "none";
        }
        return changes === codes.DIFF_SOME ? "some" : "unknown";
    }
}

/** The setters every resource request shares. */
interface UrnRequest {
    setUrn(value: string): unknown;
    setName(value: string): unknown;
    setType(value: string): unknown;
}

function plain(struct: Struct | undefined): PropertyMap {
    return struct === undefined ? {} : struct.toJavaScript();
}
