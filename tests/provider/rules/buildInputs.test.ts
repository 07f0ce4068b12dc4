import { expect } from "chai";
import {
    buildTarget,
    buildTargetFailures,
    glibcBaseline,
    npmArguments,
    pipArguments,
    pipPlatformTags,
    unpinnedRequirements,
} from "../../../provider/rules/buildInputs";
import { UNKNOWN } from "../../../provider/rules/unknowns";
import type { LayerVersionInputs } from "../../../provider/types";

const npmBuild = { tool: "npm", path: "deps" } as const;
const pipBuild = { tool: "pip", path: "deps" } as const;

describe("rules/buildInputs: the platform a build targets", () => {
    it("needs exactly one architecture, and for pip exactly one python3.x runtime", () => {
        expect(buildTargetFailures({ build: npmBuild, compatibleArchitectures: ["arm64"] })).to.deep.equal([]);
        const none = buildTargetFailures({ build: npmBuild });
        expect(none.map((failure) => failure.property)).to.deep.equal(["compatibleArchitectures"]);
        expect(none[0].reason).to.include("exactly one").and.include("is not set");
        const both = buildTargetFailures({ build: npmBuild, compatibleArchitectures: ["x86_64", "arm64"] });
        expect(both[0].reason).to.include("x86_64 and arm64");
        const pip = buildTargetFailures({
            build: pipBuild,
            compatibleArchitectures: ["arm64"],
            compatibleRuntimes: ["python3.11", "python3.12"],
        });
        expect(pip.map((failure) => failure.property)).to.deep.equal(["compatibleRuntimes"]);
        expect(pip[0].reason).to.include("python3.11 and python3.12").and.include("exactly one");
        expect(
            buildTargetFailures({
                build: pipBuild,
                compatibleArchitectures: ["arm64"],
                compatibleRuntimes: ["nodejs20.x"],
            })[0].reason,
        ).to.include("names no python3.x runtime");
    });

    it("judges nothing that is still unknown", () => {
        expect(buildTargetFailures({ build: UNKNOWN })).to.deep.equal([]);
        expect(
            buildTargetFailures({ build: pipBuild, compatibleArchitectures: UNKNOWN, compatibleRuntimes: [UNKNOWN] }),
        ).to.deep.equal([]);
    });

    it("takes the oldest glibc among the runtimes: AL2023's 2.34 for python3.12+/nodejs20.x+, AL2's 2.26 otherwise", () => {
        expect(glibcBaseline(["python3.12", "nodejs22.x"])).to.deep.equal([2, 34]);
        expect(glibcBaseline(["python3.11"])).to.deep.equal([2, 26]);
        expect(glibcBaseline(["nodejs18.x", "nodejs20.x"])).to.deep.equal([2, 26]);
        expect(glibcBaseline(undefined)).to.deep.equal([2, 26]);
    });

    it("tells npm the target's OS, CPU and libc", () => {
        const target = buildTarget({
            layerName: "l",
            build: npmBuild,
            compatibleArchitectures: ["arm64"],
        } as LayerVersionInputs);
        expect(target).to.include({ architecture: "arm64", elfMachine: 183 });
        expect(npmArguments(target)).to.include.members([
            "ci",
            "--omit=dev",
            "--os=linux",
            "--cpu=arm64",
            "--libc=glibc",
        ]);
        const x64 = buildTarget({
            layerName: "l",
            build: npmBuild,
            compatibleArchitectures: ["x86_64"],
        } as LayerVersionInputs);
        expect(npmArguments(x64)).to.include("--cpu=x64");
        expect(x64.elfMachine).to.equal(62);
    });

    it("tells pip the Python version and every manylinux tag up to the runtime's glibc", () => {
        const target = buildTarget({
            layerName: "l",
            build: pipBuild,
            compatibleArchitectures: ["arm64"],
            compatibleRuntimes: ["python3.12"],
        } as LayerVersionInputs);
        const tags = pipPlatformTags(target);
        expect(tags[0]).to.equal("manylinux_2_34_aarch64");
        expect(tags).to.include.members(["manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"]);
        expect(tags).to.not.include("manylinux_2_35_aarch64");
        const args = pipArguments(target, "req.txt", "/out/python");
        expect(args).to.include.members(["--only-binary=:all:", "--no-compile", "--target", "/out/python"]);
        expect(args.join(" ")).to.include("--implementation cp --python-version 3.12");
        const old = buildTarget({
            layerName: "l",
            build: pipBuild,
            compatibleArchitectures: ["x86_64"],
            compatibleRuntimes: ["python3.11"],
        } as LayerVersionInputs);
        expect(pipPlatformTags(old)[0]).to.equal("manylinux_2_26_x86_64");
        expect(pipPlatformTags(old)).to.not.include("manylinux_2_28_x86_64");
    });

    it("names the requirements not pinned to one version with ==", () => {
        const text = [
            "# pinned",
            "requests==2.32.3",
            "urllib3 === 2.2.1",
            "boto3[crt]==1.35.0 ; python_version >= '3.9'",
            "numpy>=1.26",
            "pandas",
            "attrs==23.*",
            "six==1.16.0,<2",
            "--index-url https://example.com/simple",
            "-r other.txt",
            "https://example.com/pkg.whl",
        ].join("\n");
        expect(unpinnedRequirements(text)).to.deep.equal(["numpy", "pandas", "attrs", "six"]);
    });
});
