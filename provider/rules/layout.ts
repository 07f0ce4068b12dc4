/**
 * Layouts Lambda cannot load: a layer is extracted into /opt, where Node.js looks in
 * /opt/nodejs/node_modules (and /opt/nodejs/nodeNN/node_modules) and Python in /opt/python (and
 * /opt/python/lib/python3.x/site-packages). A tree packaged without its prefix, or with it twice, is
 * published fine and then never found by the function. Pure: judged from the zip's entry names.
 */
import type { InputFailure } from "../types";
import { containsUnknown } from "./unknowns";

/** What to say about one entry that no declared runtime will load. */
interface LayoutProblem {
    what: string;
    fix: string;
}

const OPT_OUT = "or set source.allowAnyLayout: true if this layout is meant";

/** A Python package or distribution at the zip's root: `pkg/__init__.py`, `pkg-1.0.dist-info/...`, or `mod.py`. */
function isRootPythonEntry(name: string): boolean {
    const segments = name.split("/");
    if (segments.length === 1) return name.endsWith(".py");
    if (["python", "nodejs", "bin", "lib", "etc", "share"].includes(segments[0])) return false;
    return (segments.length === 2 && segments[1] === "__init__.py") || /\.(dist|egg)-info$/.test(segments[0]);
}

function firstMatch(names: readonly string[], test: (name: string) => boolean): string | undefined {
    return names.find(test);
}

/**
 * The layout problems of a zip whose entries are `zipPaths`, for the declared `runtimes`: a doubled
 * `nodejs/nodejs/` or `python/python/` prefix (never loadable); `node_modules/` at the root for a
 * `nodejs*` runtime; a Python package at the root for a `python*` runtime. A custom runtime
 * (`provided*`) may load anything, so with one declared, or none, only the doubled prefix is judged.
 */
export function layoutProblems(zipPaths: readonly string[], declaredRuntimes: unknown): LayoutProblem[] {
    // Runtimes not declared, or still unknown (preview), may mean a custom one: only the doubled prefix is judged then.
    const runtimes =
        Array.isArray(declaredRuntimes) && !containsUnknown(declaredRuntimes)
            ? declaredRuntimes.filter((runtime): runtime is string => typeof runtime === "string")
            : ["provided"];
    const problems: LayoutProblem[] = [];
    for (const folder of ["nodejs", "python"]) {
        const doubled = firstMatch(zipPaths, (name) => name.startsWith(`${folder}/${folder}/`));
        if (doubled) {
            problems.push({
                what: `${folder}/ twice (${doubled}), and Lambda looks only in /opt/${folder}/`,
                fix: `the source folder already holds ${folder}/: remove source.prefix, or point source.path at the ${folder} folder itself`,
            });
        }
    }
    const custom = runtimes.some((runtime) => runtime.startsWith("provided"));
    if (!custom && runtimes.some((runtime) => runtime.startsWith("nodejs"))) {
        const atRoot = firstMatch(zipPaths, (name) => name.startsWith("node_modules/"));
        if (atRoot) {
            problems.push({
                what: `node_modules/ at its root (${atRoot}), where Node.js on Lambda never looks (it loads /opt/nodejs/node_modules)`,
                fix: 'set source.prefix to "nodejs/" (or build the tree with build: { tool: "npm" })',
            });
        }
    }
    if (!custom && runtimes.some((runtime) => runtime.startsWith("python"))) {
        const atRoot = firstMatch(zipPaths, isRootPythonEntry);
        if (atRoot) {
            problems.push({
                what: `Python code at its root (${atRoot}), where Python on Lambda never looks (it imports from /opt/python)`,
                fix: 'set source.prefix to "python/" (or build the tree with build: { tool: "pip" })',
            });
        }
    }
    return problems;
}

/** `layoutProblems` as check failures on `source.prefix`, each with its fix and the opt-out. */
export function layoutFailures(zipPaths: readonly string[], runtimes: unknown): InputFailure[] {
    return layoutProblems(zipPaths, runtimes).map((problem) => ({
        property: "source.prefix",
        reason: `source: the layer's zip would hold ${problem.what}; ${problem.fix}, ${OPT_OUT}`,
    }));
}
