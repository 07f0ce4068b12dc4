/**
 * Child-process entry of `captureResources` (serializeResource.ts); not imported by anything.
 * Runs with the program directory as working directory, loads the program's own @pulumi/pulumi,
 * installs mocks that record each registered resource's inputs in wire form (so `__provider` is the
 * string the engine would store), runs the program, waits for every registration, and writes the
 * records to the file named in the request. Any failure exits with status 1 and the reason on stderr.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { CaptureRequest, RawCapture } from "./serializeResource";

type PulumiSdk = typeof import("@pulumi/pulumi");
type SerializeFunction = PulumiSdk["runtime"]["serializeFunction"];

async function main(request: CaptureRequest, serializationErrors: Error[]): Promise<void> {
    const pulumi: PulumiSdk = require(require.resolve("@pulumi/pulumi", { paths: [request.programDir] }));
    const captured: RawCapture[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: async (args) => {
                // Back to wire form: unknowns become the UNKNOWN string, secrets keep their wire marker.
                const inputs = await pulumi.runtime.serializeProperties(`capture ${args.name}`, args.inputs);
                captured.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs });
                // A provider without preview support gets its inputs back as state, as the engine does.
                return { id: request.preview ? undefined : `${args.name}-id`, state: args.inputs };
            },
            call: async () => ({}),
        },
        request.project,
        request.stack,
        request.preview,
    );
    await runProgram(path.resolve(request.programDir, request.entry));
    // Resolves once every registration that got past serializing its inputs has finished.
    await pulumi.runtime.disconnect();
    if (serializationErrors.length > 0) {
        const reasons = serializationErrors.map((error) => error.message).join("; ");
        throw new Error(`a dynamic provider could not be serialized: ${reasons}`);
    }
    fs.writeFileSync(request.outFile, JSON.stringify(captured));
}

/** Loads the program and, as Pulumi does, calls and awaits an exported function or awaits an exported promise. */
async function runProgram(entryPath: string): Promise<void> {
    const exported: unknown = require(entryPath);
    const entry = typeof exported === "function" ? exported : defaultExport(exported);
    await (typeof entry === "function" ? entry() : exported);
}

function defaultExport(exported: unknown): unknown {
    return typeof exported === "object" && exported !== null ? (exported as { default?: unknown }).default : undefined;
}

/**
 * Records the errors of the SDK's closure serializer. When a dynamic provider cannot be serialized
 * (e.g. `package.json export path for "pkg/dist/x.js" not found`), @pulumi/pulumi 3.248 leaves the
 * resource's registration pending forever instead of failing, and only reports "promises were still
 * active" at exit, so this is the only place the reason shows.
 */
function recordSerializationErrors(programDir: string): Error[] {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [programDir] }));
    const closure: { serializeFunction: SerializeFunction } = require(
        path.join(pulumiDir, "runtime", "closure", "serializeClosure.js"),
    );
    const errors: Error[] = [];
    const serialize = closure.serializeFunction;
    closure.serializeFunction = (func, args) =>
        serialize(func, args).catch((error: Error) => {
            errors.push(error);
            throw error;
        });
    return errors;
}

function fail(reason: unknown): never {
    console.error(reason instanceof Error ? reason.stack : reason);
    process.exit(1);
}

const request: CaptureRequest = JSON.parse(process.argv[2]);
// The event loop runs dry while `main` still waits when the program's own promise never settles.
process.once("beforeExit", () =>
    fail(`${request.entry} never finished: its exported function or promise never settled`),
);
main(request, recordSerializationErrors(request.programDir)).then(
    // Exit explicitly: a program may leave handles open that would keep this process alive.
    () => process.exit(0),
    fail,
);
