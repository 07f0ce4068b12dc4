/**
 * A stack driven the way the Pulumi engine drives a program's dynamic resources, with no CLI: `up`,
 * `preview`, `refresh` and `destroy` as sequences of Check / Diff / Create / Update / Delete / Read calls
 * on the real dynamic-provider host, keeping the state (inputs and outputs per resource) in memory.
 * The demo prints its events; the engine tests assert on them.
 */
import { CaptureOptions, captureResources, CapturedResource } from "./serializeResource";
import type { PropertyMap } from "./properties";
import type { ProviderHost } from "./protocol";

/** One resource in the stack's state, as the engine records it. */
export interface ResourceState {
    urn: string;
    id: string;
    /** The checked inputs (with `__provider`), what the next Check gets as olds. */
    inputs: PropertyMap;
    outputs: PropertyMap;
}

/** What one step did to one resource, in Pulumi's words. */
export interface StepEvent {
    name: string;
    op: "create" | "same" | "update" | "replace" | "delete" | "refresh-same" | "refresh-changed" | "refresh-gone";
    /** For replace: the properties that forced it. For update and refresh-changed: the outputs that differ. */
    properties: string[];
    id?: string;
    /** For replace: the version that was replaced and deleted (or retained) after the new one was created. */
    replacedId?: string;
}

/** The program a stack runs: where it is installed and how it is captured. */
export interface StackProgram {
    dir: string;
    entry: string;
    capture?: CaptureOptions;
}

/** A check that refused the inputs: the engine stops the step and prints every failure. */
export class CheckFailedError extends Error {
    constructor(
        readonly resource: string,
        readonly failures: { property: string; reason: string }[],
    ) {
        super(
            `${resource}: check failed:\n${failures.map((failure) => `  ${failure.property}: ${failure.reason}`).join("\n")}`,
        );
        this.name = "CheckFailedError";
    }
}

/** An in-memory stack whose resources are all dynamic resources served by one provider host. */
export class EngineStack {
    readonly state = new Map<string, ResourceState>();

    constructor(
        private readonly host: ProviderHost,
        private program: StackProgram,
    ) {}

    /** `pulumi config set`: merges stack configuration (full keys, `<project>:<name>`) into the next steps. */
    setConfig(config: Record<string, string>): void {
        const capture = this.program.capture ?? {};
        this.program = { ...this.program, capture: { ...capture, config: { ...capture.config, ...config } } };
    }

    /** `pulumi preview`: Check and Diff only (the host does not support previews of Create/Update). */
    async preview(): Promise<StepEvent[]> {
        const events: StepEvent[] = [];
        for (const resource of await this.capture({ preview: true })) {
            const old = this.state.get(resource.name);
            const checked = await this.check(resource, old);
            if (!old) {
                events.push({ name: resource.name, op: "create", properties: [] });
                continue;
            }
            const diff = await this.host.diff(old.id, old.urn, old.outputs, checked, { oldInputs: old.inputs });
            events.push(diffEvent(resource.name, diff, old.id));
        }
        return events;
    }

    /** `pulumi up`: create, update or replace (create-before-delete) each resource; delete the dropped ones. */
    async up(): Promise<StepEvent[]> {
        const events: StepEvent[] = [];
        const declared = await this.capture({ preview: false });
        for (const resource of declared) {
            events.push(await this.upOne(resource));
        }
        const declaredNames = new Set(declared.map((resource) => resource.name));
        for (const name of [...this.state.keys()].filter((stateName) => !declaredNames.has(stateName))) {
            events.push(await this.deleteOne(name));
        }
        return events;
    }

    /** `pulumi refresh`: Read each resource; one that is gone leaves the state. */
    async refresh(): Promise<StepEvent[]> {
        const events: StepEvent[] = [];
        for (const [name, old] of this.state) {
            const read = await this.host.read(old.id, old.urn, old.outputs, old.inputs);
            if (!read.id) {
                this.state.delete(name);
                events.push({ name, op: "refresh-gone", properties: [], id: old.id });
                continue;
            }
            const changed = changedKeys(old.outputs, read.properties);
            this.state.set(name, { ...old, outputs: read.properties, inputs: read.inputs ?? old.inputs });
            events.push({
                name,
                op: changed.length ? "refresh-changed" : "refresh-same",
                properties: changed,
                id: read.id,
            });
        }
        return events;
    }

    /** `pulumi destroy`: Delete every resource. */
    async destroy(): Promise<StepEvent[]> {
        const events: StepEvent[] = [];
        for (const name of [...this.state.keys()].reverse()) {
            events.push(await this.deleteOne(name));
        }
        return events;
    }

    private async upOne(resource: CapturedResource): Promise<StepEvent> {
        const old = this.state.get(resource.name);
        const checked = await this.check(resource, old);
        if (!old) {
            const created = await this.host.create(resource.urn, checked);
            this.state.set(resource.name, {
                urn: resource.urn,
                id: created.id,
                inputs: checked,
                outputs: created.properties,
            });
            return { name: resource.name, op: "create", properties: [], id: created.id };
        }
        const diff = await this.host.diff(old.id, old.urn, old.outputs, checked, { oldInputs: old.inputs });
        const event = diffEvent(resource.name, diff, old.id);
        if (event.op === "replace") {
            const created = await this.host.create(resource.urn, checked);
            this.state.set(resource.name, {
                urn: resource.urn,
                id: created.id,
                inputs: checked,
                outputs: created.properties,
            });
            await this.host.delete(old.id, old.urn, old.outputs, { oldInputs: old.inputs });
            return { ...event, id: created.id };
        }
        if (event.op === "update") {
            const updated = await this.host.update(old.id, old.urn, old.outputs, checked, { oldInputs: old.inputs });
            this.state.set(resource.name, { ...old, inputs: checked, outputs: updated.properties });
            return { ...event, properties: changedKeys(old.outputs, updated.properties) };
        }
        return event;
    }

    private async deleteOne(name: string): Promise<StepEvent> {
        const old = this.state.get(name)!;
        await this.host.delete(old.id, old.urn, old.outputs, { oldInputs: old.inputs });
        this.state.delete(name);
        return { name, op: "delete", properties: [], id: old.id };
    }

    private async check(resource: CapturedResource, old: ResourceState | undefined): Promise<PropertyMap> {
        const checked = await this.host.check(resource.urn, old?.inputs ?? {}, resource.inputs);
        if (checked.failures.length) {
            throw new CheckFailedError(resource.name, checked.failures);
        }
        return checked.inputs;
    }

    private capture(options: CaptureOptions): Promise<CapturedResource[]> {
        return captureResources(this.program.dir, this.program.entry, { ...this.program.capture, ...options });
    }
}

function diffEvent(name: string, diff: { changes: string; replaces: string[] }, id: string): StepEvent {
    if (diff.changes === "none") {
        return { name, op: "same", properties: [], id };
    }
    return diff.replaces.length
        ? { name, op: "replace", properties: diff.replaces, replacedId: id }
        : { name, op: "update", properties: [], id };
}

/** Top-level keys whose values differ (by their JSON form), sorted. */
function changedKeys(before: PropertyMap, after: PropertyMap): string[] {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}
