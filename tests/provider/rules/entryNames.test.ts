import { expect } from "chai";
import {
    canonicalPrefix,
    escapeProblem,
    isSafeRelativePath,
    prefixFailure,
    relativePathProblem,
} from "../../../provider/rules/entryNames";

/** Names a careless unzip would write outside its target, and why. */
const ESCAPING: Record<string, string> = {
    "..": "has a .. segment",
    "../a": "has a .. segment",
    "a/../../b": "has a .. segment",
    "a/..": "has a .. segment",
    "/a": "starts with /",
    "/": "starts with /",
    "a\\b": "contains a backslash",
    "c:/x": "starts with a drive letter",
    "C:x": "starts with a drive letter",
};

/** Names that stay inside, but are not the one spelling of a file. */
const NOT_CANONICAL = ["", "a/", "a//b", "./a", "a/./b", "."];

/** Names that are fine everywhere, dots and all. */
const SAFE = ["a", "a/b.txt", ".env", "a/..b", "...", "a/.x/y", "..hidden", "nodejs/node_modules/x/index.js"];

describe("entry names", () => {
    it("escapeProblem: names each way out of the target folder, and only those", () => {
        for (const [name, problem] of Object.entries(ESCAPING)) {
            expect(escapeProblem(name), name).to.equal(problem);
        }
        // A zip may hold folders ("dir/") and "./" spellings: they do not escape.
        for (const name of [...SAFE, ...NOT_CANONICAL]) {
            expect(escapeProblem(name), name).to.equal(undefined);
        }
    });

    it("relativePathProblem and isSafeRelativePath: a safe relative path also has one spelling", () => {
        for (const [name, problem] of Object.entries(ESCAPING)) {
            expect(relativePathProblem(name), name).to.equal(problem);
            expect(isSafeRelativePath(name), name).to.equal(false);
        }
        for (const name of NOT_CANONICAL) {
            expect(relativePathProblem(name), name).to.equal("has an empty or . segment");
            expect(isSafeRelativePath(name), name).to.equal(false);
        }
        for (const name of SAFE) {
            expect(relativePathProblem(name), name).to.equal(undefined);
            expect(isSafeRelativePath(name), name).to.equal(true);
        }
    });

    it("prefixFailure: a prefix is a safe relative path with at most one trailing /, or empty", () => {
        for (const good of ["", "nodejs", "nodejs/", "python/lib/", ".hidden/"]) {
            expect(prefixFailure(good), good).to.equal(undefined);
        }
        for (const bad of ["/", "/abs", "a/../b", "..", "./x", "a//b", "a\\b", "C:/x", "x//", "./"]) {
            expect(prefixFailure(bad), bad)
                .to.be.a("string")
                .that.includes(`source.prefix ${JSON.stringify(bad)} `)
                .and.includes("relative POSIX path");
        }
        expect(prefixFailure("../x", "inputs.source.prefix")).to.match(
            /^inputs\.source\.prefix "\.\.\/x" has a \.\. segment;/,
        );
    });

    it("canonicalPrefix: empty or absent is none; otherwise it ends with /", () => {
        expect(canonicalPrefix(undefined)).to.equal("");
        expect(canonicalPrefix("")).to.equal("");
        expect(canonicalPrefix("nodejs")).to.equal("nodejs/");
        expect(canonicalPrefix("nodejs/")).to.equal("nodejs/");
    });
});
