import { expect } from "chai";
import { layoutFailures, layoutProblems } from "../../../provider/rules/layout";
import { UNKNOWN } from "../../../provider/rules/unknowns";

describe("rules/layout: zips no declared runtime can load", () => {
    it("refuses node_modules/ at the root for a nodejs runtime, with the prefix to set and the opt-out", () => {
        const failures = layoutFailures(["node_modules/greeting/index.js"], ["nodejs20.x"]);
        expect(failures).to.have.length(1);
        expect(failures[0].property).to.equal("source.prefix");
        expect(failures[0].reason)
            .to.include("node_modules/greeting/index.js")
            .and.include('set source.prefix to "nodejs/"')
            .and.include("source.allowAnyLayout: true");
    });

    it("refuses Python packages, distributions and modules at the root for a python runtime", () => {
        for (const entry of ["shared/__init__.py", "requests-2.32.0.dist-info/METADATA", "helpers.py"]) {
            const failures = layoutFailures([entry], ["python3.12"]);
            expect(failures, entry).to.have.length(1);
            expect(failures[0].reason).to.include('set source.prefix to "python/"').and.include(entry);
        }
    });

    it("refuses a doubled prefix whatever the runtimes, saying to drop the prefix", () => {
        for (const [entry, runtimes] of [
            ["nodejs/nodejs/node_modules/x/index.js", ["nodejs20.x"]],
            ["python/python/pkg/__init__.py", undefined],
            ["nodejs/nodejs/node_modules/x/index.js", ["provided.al2023"]],
        ] as const) {
            const failures = layoutFailures([entry], runtimes);
            expect(failures, entry).to.have.length(1);
            expect(failures[0].reason).to.include("twice").and.include("remove source.prefix");
        }
    });

    it("accepts the layouts Lambda loads", () => {
        const loadable = [
            "nodejs/node_modules/a/index.js",
            "nodejs/node20/node_modules/b/index.js",
            "python/pkg/__init__.py",
            "python/lib/python3.12/site-packages/c/__init__.py",
            "bin/tool",
            "lib/libfoo.so",
        ];
        expect(layoutProblems(loadable, ["nodejs20.x", "python3.12"])).to.deep.equal([]);
    });

    it("judges only the doubled prefix when the runtimes are not declared, are unknown, or include a custom one", () => {
        const rootLevel = ["node_modules/a/index.js", "pkg/__init__.py"];
        expect(layoutProblems(rootLevel, undefined)).to.deep.equal([]);
        expect(layoutProblems(rootLevel, UNKNOWN)).to.deep.equal([]);
        expect(layoutProblems(rootLevel, ["nodejs20.x", UNKNOWN])).to.deep.equal([]);
        expect(layoutProblems(rootLevel, ["nodejs20.x", "provided.al2023"])).to.deep.equal([]);
    });

    it("does not take node_modules at the root as Python code, nor Python code as Node's", () => {
        expect(layoutProblems(["node_modules/a/index.js"], ["python3.12"])).to.deep.equal([]);
        expect(layoutProblems(["pkg/__init__.py"], ["nodejs20.x"])).to.deep.equal([]);
    });
});
