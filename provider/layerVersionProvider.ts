/**
 * The provider object that Pulumi serializes into the stack's state (the `__provider` input) and runs in
 * its dynamic-provider host. It is deliberately a thin shim: each method loads the lifecycle from the
 * installed package at call time, so the serialized text stays small and stable, captures no client or
 * module state, and a package upgrade reaches `refresh` and `destroy` of stacks created with older code.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { LayerVersionInputs, LayerVersionOutputs } from "./types";

type Lifecycle = typeof import("./lifecycle");

/** The `pulumi.dynamic.ResourceProvider` behind `LayerVersion`. Works with no constructor arguments. */
export class LayerVersionProvider implements pulumi.dynamic.ResourceProvider<LayerVersionInputs, LayerVersionOutputs> {
    /** The stack's `aws:region`, kept on the instance: module state does not survive serialization. */
    private stackRegion?: string;
    /** The stack config's `pulumi-lambda-layer:stagingBucket` and `stagingPrefix`: staging for every layer without its own. */
    private stagingBucket?: string;
    private stagingPrefix?: string;

    async configure(request: pulumi.dynamic.ConfigureRequest): Promise<void> {
        this.stackRegion = request.config.get("aws:region");
        this.stagingBucket = request.config.get("pulumi-lambda-layer:stagingBucket");
        this.stagingPrefix = request.config.get("pulumi-lambda-layer:stagingPrefix");
    }

    async check(
        olds: LayerVersionInputs,
        news: LayerVersionInputs,
    ): Promise<pulumi.dynamic.CheckResult<LayerVersionInputs>> {
        return lifecycle().check(
            olds as unknown as Record<string, unknown>,
            news as unknown as Record<string, unknown>,
        );
    }

    async diff(id: string, olds: LayerVersionOutputs, news: LayerVersionInputs): Promise<pulumi.dynamic.DiffResult> {
        return lifecycle().diff(id, olds, news);
    }

    async create(inputs: LayerVersionInputs): Promise<pulumi.dynamic.CreateResult<LayerVersionOutputs>> {
        return lifecycle().create(inputs, {
            stackRegion: this.stackRegion,
            stagingBucket: this.stagingBucket,
            stagingPrefix: this.stagingPrefix,
        });
    }

    async read(id: string, props?: LayerVersionOutputs): Promise<pulumi.dynamic.ReadResult<LayerVersionOutputs>> {
        return lifecycle().read(id, props);
    }

    async update(
        id: string,
        olds: LayerVersionOutputs,
        news: LayerVersionInputs,
    ): Promise<pulumi.dynamic.UpdateResult<LayerVersionOutputs>> {
        return lifecycle().update(id, olds, news);
    }

    async delete(id: string, props: LayerVersionOutputs): Promise<void> {
        return lifecycle().remove(id, props);
    }
}

/** The lifecycle of the installed package, resolved by name from the program's node_modules. */
function lifecycle(): Lifecycle {
    return require("pulumi-lambda-layer/provider").lifecycle as Lifecycle;
}
