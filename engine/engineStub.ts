/**
 * A minimal fake of the engine's own gRPC service (`pulumirpc.Engine`), whose address the engine passes
 * to every plugin as its first argument.
 *
 * The dynamic-provider host of @pulumi/pulumi 3.248 only checks that the argument is present: it never
 * dials it. A provider's `pulumi.log.*` calls reach an engine only when `PULUMI_NODEJS_ENGINE` names one
 * in the host's environment, which the real engine does not set for plugins; otherwise they are printed
 * to stdout, which the harness records as diagnostics. The stub still serves the service for real, so a
 * host that does connect (a later SDK, or a test that sets `PULUMI_NODEJS_ENGINE`) is recorded too.
 */
import type * as grpcTypes from "@grpc/grpc-js";
import type { IEngineServer } from "@pulumi/pulumi/proto/engine_grpc_pb";
import { DiagnosticLog, DiagnosticSeverity } from "./diagnostics";
import { PulumiModules } from "./pulumiModules";

/** A running fake engine service. */
export interface EngineStub {
    /** `127.0.0.1:<port>`, the argument the host is started with. */
    readonly address: string;
    /** The URN last set through SetRootResource, if any. */
    readonly rootResource: string | undefined;
    /** Stops serving at once. */
    close(): Promise<void>;
}

/**
 * Starts the fake engine service on a free local port. Log RPCs are added to `diagnostics` with
 * source `engine-log`.
 */
export async function startEngineStub(modules: PulumiModules, diagnostics: DiagnosticLog): Promise<EngineStub> {
    const { grpc } = modules;
    const state: { rootResource: string | undefined } = { rootResource: undefined };
    const server = new grpc.Server();
    server.addService(modules.engineGrpc.EngineService, engineService(modules, diagnostics, state));
    const port = await bind(server, grpc);
    return {
        address: `127.0.0.1:${port}`,
        get rootResource() {
            return state.rootResource;
        },
        close: async () => server.forceShutdown(),
    };
}

function engineService(
    modules: PulumiModules,
    diagnostics: DiagnosticLog,
    state: { rootResource: string | undefined },
): IEngineServer {
    const { enginePb, emptyPb, grpc } = modules;
    const unimplemented = (name: string): grpcTypes.ServiceError =>
        Object.assign(new Error(name), {
            code: grpc.status.UNIMPLEMENTED,
            details: `${name} is not implemented by the test engine stub`,
            metadata: new grpc.Metadata(),
        });
    return {
        log: (call, callback) => {
            const request = call.request;
            diagnostics.add({
                source: "engine-log",
                severity: severityName(request.getSeverity(), modules),
                message: request.getMessage(),
                ...(request.getUrn() === "" ? {} : { urn: request.getUrn() }),
            });
            callback(null, new emptyPb.Empty());
        },
        getRootResource: (_call, callback) => {
            callback(null, new enginePb.GetRootResourceResponse().setUrn(state.rootResource ?? ""));
        },
        setRootResource: (call, callback) => {
            state.rootResource = call.request.getUrn();
            callback(null, new enginePb.SetRootResourceResponse());
        },
        startDebugging: (_call, callback) => callback(unimplemented("StartDebugging")),
        requirePulumiVersion: (_call, callback) => callback(unimplemented("RequirePulumiVersion")),
    };
}

function severityName(severity: number, modules: PulumiModules): DiagnosticSeverity {
    const { LogSeverity } = modules.enginePb;
    switch (severity) {
        case LogSeverity.DEBUG:
            return "debug";
        case LogSeverity.WARNING:
            return "warning";
        case LogSeverity.ERROR:
            return "error";
        default:
            return "info";
    }
}

function bind(server: grpcTypes.Server, grpc: PulumiModules["grpc"]): Promise<number> {
    return new Promise((resolve, reject) => {
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
            if (error) {
                reject(error);
            } else {
                resolve(port);
            }
        });
    });
}
