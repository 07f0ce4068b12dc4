/**
 * The engine-path test harness: install a program from the packed package, capture what it registers
 * (with each dynamic resource's `__provider`), and drive the real dynamic-provider host over gRPC.
 * See providerHost.ts for what each call must be given.
 */
export { Diagnostic, DiagnosticSeverity, DiagnosticSource } from "./diagnostics";
export { EngineStub, startEngineStub } from "./engineStub";
export {
    InstalledProgram,
    InstallPackedProgramOptions,
    installPackedProgram,
    installProgram,
    InstallProgramOptions,
    PULUMI_VERSION_VARIABLE,
} from "./installedProgram";
export { PropertyMap, SECRET_SIG, SIG_KEY, stripSecrets, UNKNOWN, wrapSecret } from "./properties";
export {
    CheckResult,
    ConfigureOptions,
    ConfigureResult,
    CreateResult,
    DEFAULT_PROJECT,
    DEFAULT_STACK,
    DiffChanges,
    DiffResult,
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
export { startProviderHost } from "./providerHost";
export { loadPulumiModules, PulumiModules, resolvePulumiVersion } from "./pulumiModules";
export { CaptureOptions, CapturedResource, captureResources, serializeDynamicResource } from "./serializeResource";
export * from "./stack";
export * from "./exampleProgram";
