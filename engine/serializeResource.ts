/**
 * Captures what a user's Pulumi program sends the engine for each resource it declares, above all a
 * dynamic resource's `__provider` string: the provider serialized by the program's own @pulumi/pulumi
 * (`pulumi.runtime.serializeFunction`), exactly as it would be stored in the state.
 *
 * The program runs in a child process (captureMain.js) with the program directory as its working
 * directory, under `pulumi.runtime.setMocks` of the program's installed @pulumi/pulumi, so module
 * resolution, closure serialization and `require()` capture all happen as in `pulumi up`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PropertyMap, stripSecrets } from "./properties";
import { DEFAULT_PROJECT, DEFAULT_STACK } from "./protocol";
import { runCommand } from "./runCommand";

/** Options of `captureResources`. */
export interface CaptureOptions {
    /** Project name for the mocks and the URNs (default `project`). */
    project?: string;
    /** Stack name for the mocks and the URNs (default `stack`). */
    stack?: string;
    /**
     * Run as a preview (default false). Then a resource's id, and any output not among its inputs, is
     * unknown, so inputs that depend on other resources come out as UNKNOWN, as in `pulumi preview`.
     */
    preview?: boolean;
    /** Stack configuration with full keys (`<project>:name`), visible to `new pulumi.Config()` in the program. */
    config?: Record<string, string>;
    /** Extra environment for the program, over this process's environment. */
    env?: NodeJS.ProcessEnv;
}

/** One resource the program registered, with the inputs the engine would receive. */
export interface CapturedResource {
    /** E.g. `pulumi-nodejs:dynamic:Resource` for a dynamic resource without a module. */
    type: string;
    name: string;
    /**
     * `urn:pulumi:<stack>::<project>::<type>::<name>`. Parents are not reflected (the mocks do not report
     * them), so a child resource's real URN has its parents' types in front of its own.
     */
    urn: string;
    /** False for component resources. */
    custom: boolean;
    /**
     * The inputs on the wire (UNKNOWN for values not known in a preview), secrets replaced by their plain
     * value as the engine does for the dynamic-provider host. A dynamic resource's include `__provider`.
     */
    inputs: PropertyMap;
    /** Paths of the inputs that were secret (`__provider` is one when the provider captured a secret). */
    secretPaths: string[];
}

/** What the parent hands captureMain.js (as its only argument, JSON). */
export interface CaptureRequest {
    programDir: string;
    entry: string;
    project: string;
    stack: string;
    preview: boolean;
    /** Where captureMain.js writes the RawCapture[] JSON (stdout belongs to the program). */
    outFile: string;
}

/** One resource as captureMain.js writes it: inputs in wire form, secrets still wrapped. */
export interface RawCapture {
    type: string;
    name: string;
    custom: boolean;
    inputs: PropertyMap;
}

/** A program run is a fresh Node process loading the SDK: a few seconds at most. */
const CAPTURE_TIMEOUT_MS = 60_000;

/**
 * Runs the program `entry` (a JS file relative to `programDir`) under the mocks of the @pulumi/pulumi
 * installed in `programDir` and returns every resource it registered, in registration order.
 * If the module exports a function (or a `default` one) it is called and awaited, as Pulumi does;
 * then the run waits until every registration has completed. Each resource's state is its inputs and its
 * id `<name>-id` (unknown in a preview), so a resource that reads another's outputs sees those.
 *
 * @throws (rejects) with the program's stderr when it fails
 */
export async function captureResources(
    programDir: string,
    entry: string,
    options: CaptureOptions = {},
): Promise<CapturedResource[]> {
    const workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "capture-"));
    try {
        const request: CaptureRequest = {
            programDir: path.resolve(programDir),
            entry,
            project: options.project ?? DEFAULT_PROJECT,
            stack: options.stack ?? DEFAULT_STACK,
            preview: options.preview ?? false,
            outFile: path.join(workDir, "captured.json"),
        };
        await runCaptureMain(request, options);
        const raw: RawCapture[] = JSON.parse(await fs.promises.readFile(request.outFile, "utf8"));
        return raw.map((resource) => toCaptured(resource, request));
    } finally {
        await fs.promises.rm(workDir, { recursive: true, force: true });
    }
}

/**
 * Captures the program's resources and returns the one named `name`: the usual way to get the
 * `__provider` string and inputs of one dynamic resource.
 *
 * @throws (rejects) when the program registers no resource of that name, listing the names it did
 */
export async function serializeDynamicResource(
    programDir: string,
    entry: string,
    name: string,
    options: CaptureOptions = {},
): Promise<CapturedResource> {
    const captured = await captureResources(programDir, entry, options);
    const found = captured.find((resource) => resource.name === name);
    if (found === undefined) {
        throw new Error(
            `${entry} registers no resource named ${JSON.stringify(name)}; it registers: ` +
                captured.map((resource) => `${resource.name} (${resource.type})`).join(", "),
        );
    }
    return found;
}

function toCaptured(raw: RawCapture, request: CaptureRequest): CapturedResource {
    const { properties, secretPaths } = stripSecrets(raw.inputs);
    return {
        type: raw.type,
        name: raw.name,
        urn: `urn:pulumi:${request.stack}::${request.project}::${raw.type}::${raw.name}`,
        custom: raw.custom,
        inputs: properties,
        secretPaths,
    };
}

function runCaptureMain(request: CaptureRequest, options: CaptureOptions): Promise<string> {
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...options.env,
        ...(options.config === undefined ? {} : { PULUMI_CONFIG: JSON.stringify(options.config) }),
    };
    const script = path.join(__dirname, "captureMain.js");
    return runCommand(process.execPath, [script, JSON.stringify(request)], {
        cwd: request.programDir,
        env,
        timeoutMs: CAPTURE_TIMEOUT_MS,
        label: `capturing the resources of ${request.entry} in ${request.programDir}: the program`,
    });
}
