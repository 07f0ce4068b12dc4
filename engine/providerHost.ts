/**
 * Plays the engine's side of a Pulumi dynamic provider: starts the dynamic-provider host that the
 * program's @pulumi/pulumi ships, and drives it over gRPC (pulumirpc.ResourceProvider) with the requests
 * the engine sends, taking and returning plain JS objects.
 *
 * What a test must pass, because the host (3.248) reads it:
 * - every property map the host loads the provider from must carry `__provider`, the serialized provider
 *   string (`captureResources` returns it among the inputs): Check and Diff read `news.__provider`
 *   (`olds.__provider` when the new one is UNKNOWN), Create/Read/Delete read `properties.__provider`,
 *   Update reads `news.__provider`. Results come back with `__provider` included, so passing a result on
 *   to the next call just works. The host caches one provider per distinct string and calls the
 *   provider's `configure` once, on first use, with the config of the latest Configure call.
 * - what the engine sends where: Check gets the old INPUTS (`{}` on create) and the program's new inputs;
 *   Diff gets the old OUTPUTS as `olds` and the checked new inputs as `news`; Create gets the checked
 *   inputs; Read gets the old outputs and old inputs (the 3.248 host passes only the outputs to
 *   `provider.read`); Update gets the old outputs and the checked new inputs; Delete gets the outputs.
 * - Configure first: the engine always configures a provider before any other call, so the harness
 *   refuses to do otherwise.
 *
 * What the engine does that a test should mirror rather than ask the host for:
 * - the host answers Configure with `supportsPreview: false`, so during a preview the engine never calls
 *   Create or Update on it; it uses the inputs as the planned state itself. A preview therefore runs only
 *   Check (with UNKNOWN values in the inputs) and Diff. `create`/`update` still send `preview` when asked,
 *   to probe the host, but a preview test should stop after Diff.
 * - `acceptSecrets: false`: the engine strips secret markers before every call, so the provider sees
 *   secrets in plain text. Pass plain values (captureResources already strips them and lists the paths).
 * - a changed `__provider` alone does not make the 3.248 host report a replacement: Diff runs the NEW
 *   provider's `diff` on the old outputs.
 */
import { DiagnosticLog } from "./diagnostics";
import { startEngineStub } from "./engineStub";
import { HostProcess, spawnHostProcess } from "./hostProcess";
import { DEFAULT_PROJECT, ProviderHost, ProviderHostOptions } from "./protocol";
import { GrpcProviderHost } from "./providerClient";
import { loadPulumiModules } from "./pulumiModules";

/**
 * Starts `node <programDir>/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js <engine address>`
 * in `programDir` with a fake engine service behind the address, then connects to it and performs the
 * engine's opening calls (Handshake, which this host does not implement, and GetPluginInfo).
 * Call `configure` next. About a second here, most of it the host loading the SDK.
 */
export async function startProviderHost(programDir: string, options: ProviderHostOptions = {}): Promise<ProviderHost> {
    const modules = loadPulumiModules(programDir);
    const diagnostics = new DiagnosticLog();
    const engine = await startEngineStub(modules, diagnostics);
    let hostProcess: HostProcess;
    try {
        hostProcess = await spawnHostProcess({
            hostEntry: modules.hostEntry,
            programDir,
            engineAddress: engine.address,
            env: hostEnvironment(options),
            diagnostics,
        });
    } catch (error) {
        await engine.close();
        throw error;
    }
    const host = new GrpcProviderHost(modules, engine, hostProcess, diagnostics, options);
    try {
        await host.open();
    } catch (error) {
        await host.close();
        throw error;
    }
    return host;
}

/** The engine's environment for the plugin: its own environment plus the project and config variables. */
function hostEnvironment(options: ProviderHostOptions): NodeJS.ProcessEnv {
    const project = options.project ?? DEFAULT_PROJECT;
    return {
        ...process.env,
        ...options.env,
        PULUMI_NODEJS_PROJECT: project,
        PULUMI_PROJECT: project,
        ...(options.config === undefined ? {} : { PULUMI_CONFIG: JSON.stringify(options.config) }),
    };
}
