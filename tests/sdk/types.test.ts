/**
 * The public argument types: runtimes and architectures are unions of the known names, so editors
 * complete them and `tsc` refuses a wrong architecture. The type assertions below are checked when the
 * tests compile (`@ts-expect-error` fails the build if the error it expects goes away).
 */
import { expect } from "chai";
import type { KnownArchitecture, KnownRuntime, LayerRuntime, LayerVersionArgs } from "../../sdk";
import { ARCHITECTURES, RUNTIMES } from "../../provider/rules/limits";

/** `true` only when `T` is wider than string literals, i.e. editors could not complete it. */
type IsPlainString<T> = string extends T ? true : false;

const runtimesAreNamed: IsPlainString<KnownRuntime> = false;
const architecturesAreNamed: IsPlainString<KnownArchitecture> = false;

const declared: LayerVersionArgs = {
    layerName: "typed",
    zipFile: "layer.zip",
    compatibleRuntimes: ["nodejs22.x", "python3.13"],
    compatibleArchitectures: ["x86_64", "arm64"],
};

// A runtime AWS adds after this SDK release still compiles.
const laterRuntime: LayerRuntime = "nodejs99.x";

const wrongArchitecture: LayerVersionArgs = {
    layerName: "typed",
    zipFile: "layer.zip",
    // @ts-expect-error "amd64" is not a Lambda architecture: tsc refuses it
    compatibleArchitectures: ["amd64"],
};

describe("public argument types", () => {
    it("name exactly the runtimes and architectures that check accepts", () => {
        expect(runtimesAreNamed).to.equal(false);
        expect(architecturesAreNamed).to.equal(false);
        const knownRuntimes: readonly KnownRuntime[] = RUNTIMES as KnownRuntime[];
        expect(knownRuntimes).to.include.members(declared.compatibleRuntimes as string[]);
        expect(ARCHITECTURES).to.have.members(declared.compatibleArchitectures as string[]);
        expect(RUNTIMES).to.not.include(laterRuntime);
        expect(wrongArchitecture.compatibleArchitectures).to.deep.equal(["amd64"]);
    });
});
