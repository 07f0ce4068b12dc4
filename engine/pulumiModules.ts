/**
 * Loads gRPC and Pulumi's generated protocol stubs from the copy of @pulumi/pulumi installed in a
 * program directory: the very copy whose dynamic-provider host the tests start. Messages built with
 * another copy's classes (another google-protobuf `Struct`, say) are not guaranteed to serialize the same.
 * The types come from the repository's copy (type-only imports), the values from the program's.
 */
import * as fs from "node:fs";
import * as path from "node:path";

type GrpcModule = typeof import("@grpc/grpc-js");
type ProviderPbModule = typeof import("@pulumi/pulumi/proto/provider_pb");
type ProviderGrpcModule = typeof import("@pulumi/pulumi/proto/provider_grpc_pb");
type EnginePbModule = typeof import("@pulumi/pulumi/proto/engine_pb");
type EngineGrpcModule = typeof import("@pulumi/pulumi/proto/engine_grpc_pb");
type EmptyPbModule = typeof import("google-protobuf/google/protobuf/empty_pb");
type StructPbModule = typeof import("google-protobuf/google/protobuf/struct_pb");

/** The modules a harness needs to speak Pulumi's plugin protocol, all from one @pulumi/pulumi install. */
export interface PulumiModules {
    /** The real path of the @pulumi/pulumi package directory. */
    pulumiDir: string;
    /** Its version, e.g. `3.248.0`. */
    version: string;
    /** The absolute path of the dynamic-provider host's entry script. */
    hostEntry: string;
    grpc: GrpcModule;
    providerPb: ProviderPbModule;
    providerGrpc: ProviderGrpcModule;
    enginePb: EnginePbModule;
    engineGrpc: EngineGrpcModule;
    emptyPb: EmptyPbModule;
    structPb: StructPbModule;
}

/**
 * Loads the protocol modules from the @pulumi/pulumi that `programDir` resolves, the way Node resolves
 * them for the host (from the package's real path, so a symlinked SDK works too).
 *
 * @throws when `programDir` has no @pulumi/pulumi installed
 */
export function loadPulumiModules(programDir: string): PulumiModules {
    const pulumiDir = resolvePulumiDir(programDir);
    const fromPulumi = (request: string): string => require.resolve(request, { paths: [pulumiDir] });
    return {
        pulumiDir,
        version: readVersion(pulumiDir),
        hostEntry: path.join(pulumiDir, "cmd", "dynamic-provider", "index.js"),
        grpc: require(fromPulumi("@grpc/grpc-js")),
        providerPb: require(path.join(pulumiDir, "proto", "provider_pb.js")),
        providerGrpc: require(path.join(pulumiDir, "proto", "provider_grpc_pb.js")),
        enginePb: require(path.join(pulumiDir, "proto", "engine_pb.js")),
        engineGrpc: require(path.join(pulumiDir, "proto", "engine_grpc_pb.js")),
        emptyPb: require(fromPulumi("google-protobuf/google/protobuf/empty_pb")),
        structPb: require(fromPulumi("google-protobuf/google/protobuf/struct_pb")),
    };
}

/** The real path of the @pulumi/pulumi that `fromDir` resolves. */
export function resolvePulumiDir(fromDir: string): string {
    let manifest: string;
    try {
        manifest = require.resolve("@pulumi/pulumi/package.json", { paths: [fromDir] });
    } catch (error) {
        throw new Error(
            `no @pulumi/pulumi is installed for ${fromDir}: install it in the program ` +
                `(installPackedProgram does) before starting a host or capturing resources`,
            { cause: error },
        );
    }
    return fs.realpathSync(path.dirname(manifest));
}

/** The version of the @pulumi/pulumi that `fromDir` resolves, e.g. `3.248.0`. */
export function resolvePulumiVersion(fromDir: string): string {
    return readVersion(resolvePulumiDir(fromDir));
}

function readVersion(pulumiDir: string): string {
    const manifest: { version: string } = JSON.parse(fs.readFileSync(path.join(pulumiDir, "package.json"), "utf8"));
    return manifest.version;
}
