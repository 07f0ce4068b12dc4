/**
 * Self-test of the engine harness with a throwaway dynamic provider (not the project's): packs and
 * installs a tiny package, captures its serialized provider from a program, and drives the real
 * dynamic-provider host through Configure, Check, Diff, Create, Read, Update and Delete.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DiagnosticLog } from "../../engine/diagnostics";
import {
    CapturedResource,
    captureResources,
    ConfigureResult,
    installPackedProgram,
    InstalledProgram,
    loadPulumiModules,
    PropertyMap,
    ProviderHost,
    ProviderRpcError,
    resolvePulumiVersion,
    serializeDynamicResource,
    startEngineStub,
    startProviderHost,
    UNKNOWN,
} from "../../engine";

const PROJECT = "tinyproj";
const CONFIG = { "tinyproj:greeting": "hello", "aws:region": "eu-west-1" };
/** The program's own config, read by `new pulumi.Config()` while it declares resources. */
const PROGRAM_CONFIG = { "tinyproj:motto": "carpe diem" };

/**
 * A canned provider: each behaviour is switched on by an input, so one serialized provider covers all.
 * It captures `format` (an exported subpath) by reference; `Leaky`'s provider captures `internal`, which
 * the package does not export, so it cannot be serialized.
 */
const TINY_PACKAGE_INDEX = `"use strict";
const pulumi = require("@pulumi/pulumi");
const format = require("./format");
const internal = require("./internal");

class TinyProvider {
    async configure(request) {
        this.greeting = request.config.get("greeting") || "none";
    }
    async check(olds, news) {
        if (news.label === "throw-in-check") {
            throw new Error("check refused label throw-in-check");
        }
        const failures = news.size < 0 ? [{ property: "size", reason: "size must not be negative" }] : [];
        return { inputs: news, failures };
    }
    async diff(id, olds, news) {
        const replaces = olds.label === news.label ? [] : ["label"];
        return {
            changes: replaces.length > 0 || olds.size !== news.size,
            replaces,
            deleteBeforeReplace: news.deleteFirst === true,
        };
    }
    async create(inputs) {
        if (inputs.explode) {
            throw new Error("create exploded for " + inputs.label);
        }
        console.log("creating " + inputs.label);
        console.error("stderr note for " + inputs.label);
        const region = new (require("@pulumi/pulumi").Config)("aws").get("region") || "none";
        const outs = Object.assign({}, inputs, { greeting: this.greeting, region });
        if (inputs.undefinedOutput) {
            outs.missing = undefined;
        }
        return { id: inputs.noId ? "" : format.idFor(inputs.label), outs };
    }
    async read(id, props) {
        if (props.gone) {
            return {};
        }
        return { id, props: Object.assign({}, props, { size: 42 }), inputs: { label: props.label, size: 42 } };
    }
    async update(id, olds, news) {
        return { outs: Object.assign({}, olds, news, { updated: true }) };
    }
    async delete(id, props) {
        require("fs").writeFileSync(props.deleteMarker, id);
    }
}

class Tiny extends pulumi.dynamic.Resource {
    constructor(name, args, opts) {
        super(new TinyProvider(), name, args, opts);
    }
}

class LeakyProvider {
    async create(inputs) {
        return { id: internal.secretId(), outs: inputs };
    }
}

class Leaky extends pulumi.dynamic.Resource {
    constructor(name, args, opts) {
        super(new LeakyProvider(), name, args, opts);
    }
}

module.exports = { Tiny, Leaky };
`;

const TINY_PACKAGE_FILES: Record<string, string> = {
    "index.js": TINY_PACKAGE_INDEX,
    "format.js": `exports.idFor = (label) => "tiny-" + label;\n`,
    "internal.js": `exports.secretId = () => "internal";\n`,
    "notShipped.txt": "left out by the files list",
};

const TINY_PACKAGE_MANIFEST = {
    name: "tiny-dynamic-provider",
    version: "1.0.0",
    main: "index.js",
    files: ["index.js", "format.js", "internal.js"],
    exports: { ".": "./index.js", "./format": "./format.js" },
    peerDependencies: { "@pulumi/pulumi": "^3.142.0" },
};

const PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const { Tiny } = require("tiny-dynamic-provider");
const first = new Tiny("first", { label: "one", size: 1 });
new Tiny("second", { label: first.id, size: 2, token: pulumi.secret("s3cr3t-token") });
new Tiny("third", { label: new pulumi.Config().require("motto"), size: 3 });
`;

const LEAKY_PROGRAM = `"use strict";
const { Leaky } = require("tiny-dynamic-provider");
new Leaky("leaky", { label: "x" });
`;

async function writeTinyPackage(dir: string): Promise<void> {
    await fs.promises.mkdir(dir, { recursive: true });
    await fs.promises.writeFile(path.join(dir, "package.json"), JSON.stringify(TINY_PACKAGE_MANIFEST));
    for (const [name, text] of Object.entries(TINY_PACKAGE_FILES)) {
        await fs.promises.writeFile(path.join(dir, name), text);
    }
}

/** A resource as `pulumi up` leaves it after Check and Create. */
interface Created {
    inputs: PropertyMap;
    properties: PropertyMap;
    id: string;
}

/** The captured resource called `name` (registration order follows dependencies, not the source). */
function named(captured: CapturedResource[], name: string): CapturedResource {
    const found = captured.find((resource) => resource.name === name);
    if (found === undefined) {
        throw new Error(`the program registered no ${name}`);
    }
    return found;
}

/** Returns `map` without the serialized provider, for readable comparisons. */
function withoutProvider(map: PropertyMap): PropertyMap {
    const { __provider: _provider, ...rest } = map;
    return rest;
}

describe("engine harness (self-test with a throwaway dynamic provider)", function () {
    let workDir: string;
    let program: InstalledProgram;
    let first: CapturedResource;
    let second: CapturedResource;
    let third: CapturedResource;
    let secondInPreview: CapturedResource;
    let host: ProviderHost;
    let configured: ConfigureResult;

    before(async function () {
        this.timeout(300_000);
        workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "harness-self-test-"));
        const packageDir = path.join(workDir, "tiny-dynamic-provider");
        await writeTinyPackage(packageDir);
        program = await installPackedProgram({
            packageDir,
            programFiles: { "index.js": PROGRAM, "leaky.js": LEAKY_PROGRAM },
            // The throwaway package has no dev install of its own: use the repository's SDK version.
            pulumiVersion: resolvePulumiVersion(__dirname),
        });
        const [up, preview] = await Promise.all([
            captureResources(program.dir, "index.js", { project: PROJECT, config: PROGRAM_CONFIG }),
            captureResources(program.dir, "index.js", { project: PROJECT, config: PROGRAM_CONFIG, preview: true }),
        ]);
        [first, second, third] = ["first", "second", "third"].map((name) => named(up, name));
        secondInPreview = named(preview, "second");
        host = await startProviderHost(program.dir, { project: PROJECT, config: CONFIG });
        configured = await host.configure(CONFIG, { secretKeys: ["tinyproj:greeting"] });
    });

    after(async () => {
        await host?.close();
        await program?.cleanup();
        await fs.promises.rm(workDir, { recursive: true, force: true });
    });

    /** Checks and creates `first` (with `overrides`), as `pulumi up` does for a new resource. */
    async function createFirst(overrides: PropertyMap = {}): Promise<Created> {
        const checked = await host.check(first.urn, {}, { ...first.inputs, ...overrides });
        const created = await host.create(first.urn, checked.inputs);
        return { inputs: checked.inputs, properties: created.properties, id: created.id };
    }

    describe("installPackedProgram", () => {
        it("installs the packed tarball as a real package, with only the files it ships", async () => {
            const installed = path.join(program.dir, "node_modules", "tiny-dynamic-provider");
            expect((await fs.promises.lstat(installed)).isDirectory()).to.equal(true);
            expect(fs.existsSync(path.join(installed, "index.js"))).to.equal(true);
            expect(fs.existsSync(path.join(installed, "notShipped.txt"))).to.equal(false);
        });

        it("installs @pulumi/pulumi of the requested version into the program", async () => {
            const sdk = path.join(program.dir, "node_modules", "@pulumi", "pulumi");
            expect((await fs.promises.lstat(sdk)).isDirectory()).to.equal(true);
            expect(loadPulumiModules(program.dir).version).to.equal(resolvePulumiVersion(__dirname));
        });
    });

    describe("captureResources", () => {
        it("returns each resource's type, name, URN and serialized provider", () => {
            expect(first.type).to.equal("pulumi-nodejs:dynamic:Resource");
            expect(first.name).to.equal("first");
            expect(first.urn).to.equal("urn:pulumi:stack::tinyproj::pulumi-nodejs:dynamic:Resource::first");
            expect(first.custom).to.equal(true);
            expect(withoutProvider(first.inputs)).to.deep.equal({ label: "one", size: 1 });
            expect(first.inputs.__provider).to.be.a("string").and.to.include("exports.handler");
        });

        it("gives an input that depends on another resource that resource's id, or UNKNOWN in a preview", () => {
            expect(second.inputs.label).to.equal("first-id");
            expect(secondInPreview.inputs.label).to.equal(UNKNOWN);
        });

        it("gives the program its stack config", () => {
            expect(third.inputs.label).to.equal("carpe diem");
        });

        it("strips secrets as the engine does for this host and lists their paths", () => {
            expect(second.inputs.token).to.equal("s3cr3t-token");
            expect(second.secretPaths).to.deep.equal(["token"]);
            expect(first.secretPaths).to.deep.equal([]);
        });

        it("serializes a captured module by its exported subpath, as a user's install does", () => {
            expect(first.inputs.__provider).to.include('require("tiny-dynamic-provider/format")');
        });

        it("reports why a provider could not be serialized", async () => {
            const error = await captureResources(program.dir, "leaky.js").catch((e: Error) => e);
            expect(error).to.be.instanceOf(Error);
            expect((error as Error).message).to.include(
                'package.json export path for "tiny-dynamic-provider/internal.js" not found',
            );
        });

        it("names the registered resources when asked for one that does not exist", async () => {
            const error = await serializeDynamicResource(program.dir, "index.js", "fourth", {
                project: PROJECT,
                config: PROGRAM_CONFIG,
            }).catch((e: Error) => e);
            expect(error).to.be.instanceOf(Error);
            expect((error as Error).message).to.include("first (pulumi-nodejs:dynamic:Resource)");
        });
    });

    describe("startProviderHost", () => {
        it("runs the program's SDK host, which declares no secrets and no preview support", () => {
            expect(host.pluginVersion).to.equal(loadPulumiModules(program.dir).version);
            expect(configured).to.deep.equal({
                acceptSecrets: false,
                supportsPreview: false,
                acceptResources: false,
                acceptOutputs: false,
            });
        });

        it("check keeps an UNKNOWN input of a preview and returns the provider's failures", async () => {
            const previewed = await host.check(secondInPreview.urn, {}, secondInPreview.inputs);
            expect(previewed.inputs.label).to.equal(UNKNOWN);
            expect(previewed.failures).to.deep.equal([]);
            const invalid = await host.check(first.urn, {}, { ...first.inputs, size: -1 });
            expect(invalid.failures).to.deep.equal([{ property: "size", reason: "size must not be negative" }]);
        });

        it("create returns the id and outputs, with __provider and the stack config the provider read", async () => {
            const created = await createFirst();
            expect(created.id).to.equal("tiny-one");
            expect(created.properties.__provider).to.equal(first.inputs.__provider);
            // greeting went through Configure as a secret; region through PULUMI_CONFIG.
            expect(withoutProvider(created.properties)).to.deep.equal({
                label: "one",
                size: 1,
                greeting: "hello",
                region: "eu-west-1",
            });
        });

        it("diff compares the old outputs with the new inputs", async () => {
            const { id, inputs, properties } = await createFirst();
            expect(await host.diff(id, first.urn, properties, inputs)).to.deep.equal({
                changes: "none",
                replaces: [],
                deleteBeforeReplace: false,
            });
            expect(await host.diff(id, first.urn, properties, { ...inputs, size: 5 })).to.deep.equal({
                changes: "some",
                replaces: [],
                deleteBeforeReplace: false,
            });
            expect(
                await host.diff(id, first.urn, properties, { ...inputs, label: "uno", deleteFirst: true }),
            ).to.deep.equal({ changes: "some", replaces: ["label"], deleteBeforeReplace: true });
        });

        it("diff does not replace a resource only because its __provider changed", async () => {
            const { id, inputs, properties } = await createFirst();
            const stateFromAnotherProvider = { ...properties, __provider: "exports.handler = () => undefined;" };
            expect((await host.diff(id, first.urn, stateFromAnotherProvider, inputs)).changes).to.equal("none");
        });

        it("update returns the new outputs", async () => {
            const { id, inputs, properties } = await createFirst();
            const updated = await host.update(id, first.urn, properties, { ...inputs, size: 5 }, { oldInputs: inputs });
            expect(updated.properties.__provider).to.equal(first.inputs.__provider);
            expect(withoutProvider(updated.properties)).to.deep.equal({
                label: "one",
                size: 5,
                greeting: "hello",
                region: "eu-west-1",
                updated: true,
            });
        });

        it("read returns the refreshed outputs and inputs, or no id when the resource is gone", async () => {
            const { id, inputs, properties } = await createFirst();
            const refreshed = await host.read(id, first.urn, properties, inputs);
            expect(refreshed.id).to.equal(id);
            expect(refreshed.properties.size).to.equal(42);
            expect(refreshed.inputs).to.deep.equal({ label: "one", size: 42, __provider: first.inputs.__provider });
            const gone = await host.read(id, first.urn, { ...properties, gone: true }, inputs);
            expect(gone.id).to.equal("");
        });

        it("delete runs the provider's delete with the outputs", async () => {
            const { id, properties } = await createFirst();
            const deleteMarker = path.join(workDir, "deleted.txt");
            await host.delete(id, first.urn, { ...properties, deleteMarker });
            expect(await fs.promises.readFile(deleteMarker, "utf8")).to.equal("tiny-one");
        });

        it("rejects with the provider's message when it throws, in create and in check", async () => {
            const created = await host
                .create(first.urn, { ...first.inputs, label: "boom", explode: true })
                .catch((e: unknown) => e);
            expect(created).to.be.instanceOf(ProviderRpcError);
            expect((created as ProviderRpcError).message).to.equal("create exploded for boom");
            expect((created as ProviderRpcError).method).to.equal("create");
            const checked = await host
                .check(first.urn, {}, { ...first.inputs, label: "throw-in-check" })
                .catch((e: unknown) => e);
            expect((checked as Error).message).to.equal("check refused label throw-in-check");
        });

        it("fails a create whose outputs hold undefined, after the provider has run", async () => {
            const error = await host
                .create(first.urn, { ...first.inputs, label: "hollow", undefinedOutput: true })
                .catch((e: unknown) => e);
            expect((error as Error).message).to.include("Unexpected struct type");
            await host.waitForDiagnostic((d) => d.message === "creating hollow");
        });

        it("rejects an empty id from create, as the engine does", async () => {
            const error = await host
                .create(first.urn, { ...first.inputs, label: "nameless", noId: true })
                .catch((e: unknown) => e);
            expect((error as Error).message).to.include("returned empty resource.ID");
        });

        it("refuses a call without __provider before sending anything", async () => {
            const sent = host.calls.length;
            const error = await host.create(first.urn, withoutProvider(first.inputs)).catch((e: unknown) => e);
            expect((error as Error).message).to.include("properties.__provider is missing");
            expect(host.calls.length).to.equal(sent);
        });

        it("records every call with its plain request and response", async () => {
            await createFirst({ label: "recorded" });
            const create = host.calls.find(
                (call) =>
                    call.method === "create" &&
                    call.response !== undefined &&
                    (call.request.properties as PropertyMap).label === "recorded",
            );
            expect(create?.response).to.deep.include({ id: "tiny-recorded" });
            const configure = host.calls.find((call) => call.method === "configure");
            expect(configure?.request.args).to.have.nested.property("tinyproj:greeting.value", "hello");
            const failed = host.calls.find((call) => call.error === "create exploded for boom");
            expect(failed?.method).to.equal("create");
        });

        it("records the host's stdout and stderr lines as diagnostics", async () => {
            await createFirst({ label: "chatty" });
            const stdout = await host.waitForDiagnostic((d) => d.message === "creating chatty");
            const stderr = await host.waitForDiagnostic((d) => d.message === "stderr note for chatty");
            expect(stdout.source).to.equal("stdout");
            expect(stderr.source).to.equal("stderr");
        });
    });

    describe("startEngineStub", () => {
        it("records the Log RPCs it receives as diagnostics", async () => {
            const modules = loadPulumiModules(program.dir);
            const log = new DiagnosticLog();
            const engine = await startEngineStub(modules, log);
            const credentials = modules.grpc.credentials.createInsecure();
            const client = new modules.engineGrpc.EngineClient(engine.address, credentials);
            try {
                const request = new modules.enginePb.LogRequest()
                    .setSeverity(modules.enginePb.LogSeverity.WARNING)
                    .setMessage("disk almost full")
                    .setUrn(first.urn);
                await new Promise<void>((resolve, reject) =>
                    client.log(request, (error) => (error ? reject(error) : resolve())),
                );
                expect(log.entries).to.deep.equal([
                    { source: "engine-log", severity: "warning", message: "disk almost full", urn: first.urn },
                ]);
            } finally {
                client.close();
                await engine.close();
            }
        });
    });
});
