/**
 * What a `build` targets and how each tool is told so: the Lambda platform (CPU, glibc of the runtime's
 * Amazon Linux, Python version) worked out from `compatibleArchitectures` and `compatibleRuntimes`, the
 * tools' platform arguments, and the rules between those inputs that `check` reports. Pure.
 */
import type { InputFailure, LayerBuild, LayerVersionInputs } from "../types";
import { isUnknown } from "./unknowns";

/** The oldest npm whose `npm ci` takes `--os`, `--cpu` and `--libc`. */
export const NPM_MIN_VERSION: readonly [number, number] = [10, 3];

/** Where each tool's result goes in the zip: where Lambda's Node.js and Python runtimes look in /opt. */
export const BUILD_PREFIX: Record<LayerBuild["tool"], string> = { npm: "nodejs/node_modules/", pip: "python/" };

/** The platform a build targets. */
export interface BuildTarget {
    architecture: "x86_64" | "arm64";
    /** ELF `e_machine` of the architecture: x86-64 = 62, aarch64 = 183. */
    elfMachine: number;
    /** The newest glibc every declared runtime's Amazon Linux has, as [major, minor]. */
    glibc: readonly [number, number];
    /** `3.12` for pip builds; absent for npm. */
    pythonVersion?: string;
}

/** Amazon Linux 2023 (glibc 2.34) runs python3.12+, nodejs20.x+ and provided.al2023; the rest, AL2 (glibc 2.26). */
const AL2023_GLIBC: readonly [number, number] = [2, 34];
const AL2_GLIBC: readonly [number, number] = [2, 26];

const ELF_MACHINE = { x86_64: 62, arm64: 183 } as const;

/** The glibc of the Amazon Linux a runtime runs on. */
export function runtimeGlibc(runtime: string): readonly [number, number] {
    const python = /^python3\.(\d+)$/.exec(runtime);
    if (python) return Number(python[1]) >= 12 ? AL2023_GLIBC : AL2_GLIBC;
    const node = /^nodejs(\d+)\.x$/.exec(runtime);
    if (node) return Number(node[1]) >= 20 ? AL2023_GLIBC : AL2_GLIBC;
    if (runtime === "provided.al2023") return AL2023_GLIBC;
    return AL2_GLIBC;
}

/**
 * The glibc a build may need: the oldest among the declared runtimes (the layer must load in all of
 * them), or AL2's when none is declared, since any runtime may then use it.
 */
export function glibcBaseline(runtimes: readonly string[] | undefined): readonly [number, number] {
    const relevant = runtimes ?? [];
    if (relevant.length === 0) return AL2_GLIBC;
    return relevant.map(runtimeGlibc).reduce((oldest, next) => (compareVersions(next, oldest) < 0 ? next : oldest));
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
    for (let index = 0; index < Math.max(a.length, b.length); index++) {
        const difference = (a[index] ?? 0) - (b[index] ?? 0);
        if (difference !== 0) return difference;
    }
    return 0;
}

/** `python3.12` -> `3.12`; undefined for other runtimes. */
function pythonVersionOf(runtime: string): string | undefined {
    return /^python(3\.\d+)$/.exec(runtime)?.[1];
}

/**
 * Why `build` cannot target one platform, as check failures: it needs exactly one architecture (native
 * packages exist per CPU), and pip needs exactly one `python3.x` runtime (wheels exist per Python
 * version). Unknown values are not judged.
 */
export function buildTargetFailures(inputs: Record<string, unknown>): InputFailure[] {
    const build = inputs.build as Partial<LayerBuild> | undefined;
    if (!build || isUnknown(build) || typeof build !== "object") return [];
    const failures: InputFailure[] = [];
    const architectures = inputs.compatibleArchitectures;
    if (!isUnknown(architectures) && !(Array.isArray(architectures) && architectures.some(isUnknown))) {
        const given = Array.isArray(architectures) ? architectures : [];
        if (given.length !== 1) {
            failures.push({
                property: "compatibleArchitectures",
                reason:
                    `compatibleArchitectures ${given.length === 0 ? "is not set" : `lists ${given.join(" and ")}`}; ` +
                    'a build needs exactly one, ["x86_64"] or ["arm64"], since native packages are built per CPU ' +
                    "(for both, declare one LayerVersion per architecture)",
            });
        }
    }
    const runtimes = inputs.compatibleRuntimes;
    if (build.tool === "pip" && !isUnknown(runtimes) && !(Array.isArray(runtimes) && runtimes.some(isUnknown))) {
        const pythons = (Array.isArray(runtimes) ? runtimes : []).filter(
            (runtime): runtime is string => typeof runtime === "string" && pythonVersionOf(runtime) !== undefined,
        );
        if (pythons.length !== 1) {
            failures.push({
                property: "compatibleRuntimes",
                reason:
                    `compatibleRuntimes ${pythons.length === 0 ? "names no python3.x runtime" : `names ${pythons.join(" and ")}`}; ` +
                    'a pip build needs exactly one, e.g. ["python3.12"], since wheels are built per Python version ' +
                    "(for several, declare one LayerVersion per version)",
            });
        }
    }
    return failures;
}

/** The target of a build whose inputs passed `buildTargetFailures`. */
export function buildTarget(inputs: LayerVersionInputs): BuildTarget {
    const architecture = inputs.compatibleArchitectures![0] as BuildTarget["architecture"];
    const runtimes = inputs.compatibleRuntimes ?? [];
    const pythonVersion =
        inputs.build?.tool === "pip" ? runtimes.map(pythonVersionOf).find((version) => version) : undefined;
    return { architecture, elfMachine: ELF_MACHINE[architecture], glibc: glibcBaseline(runtimes), pythonVersion };
}

/** `npm ci`'s arguments for the target, before the user's own. */
export function npmArguments(target: BuildTarget): string[] {
    const cpu = target.architecture === "arm64" ? "arm64" : "x64";
    return ["ci", "--omit=dev", "--os=linux", `--cpu=${cpu}`, "--libc=glibc", "--no-audit", "--no-fund"];
}

/**
 * The wheel platform tags pip may take for the target, newest first: every `manylinux_2_N` from the
 * runtime's glibc down to 2.17, and `manylinux2014` (pip adds manylinux2010 and manylinux1 to that one
 * itself, but expands no `manylinux_2_N` tag to older ones).
 */
export function pipPlatformTags(target: BuildTarget): string[] {
    const machine = target.architecture === "arm64" ? "aarch64" : "x86_64";
    const tags: string[] = [];
    for (let minor = target.glibc[1]; minor >= 17; minor--) tags.push(`manylinux_2_${minor}_${machine}`);
    return [...tags, `manylinux2014_${machine}`];
}

/**
 * `python3 -m pip`'s arguments for the target, before the user's own: binary wheels only, for CPython
 * at the runtime's version, into `targetDir`, without byte-compiling (a .pyc holds its source's mtime).
 */
export function pipArguments(target: BuildTarget, requirementsFile: string, targetDir: string): string[] {
    const platforms = pipPlatformTags(target).flatMap((tag) => ["--platform", tag]);
    return [
        "install",
        "--requirement",
        requirementsFile,
        ...platforms,
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        target.pythonVersion!,
        "--target",
        targetDir,
        "--no-compile",
        "--disable-pip-version-check",
        "--no-input",
    ];
}

/**
 * Requirements not pinned to one version with `==` (or `===`), by name: each run may resolve them to a
 * newer release that the input hash cannot see. Options, includes and URLs are not judged.
 */
export function unpinnedRequirements(requirementsText: string): string[] {
    return requirementsText
        .split(/\r?\n/)
        .map((line) =>
            line
                .replace(/(^|\s)#.*$/, "")
                .split(";")[0]
                .trim(),
        )
        .filter((line) => line !== "" && !line.startsWith("-") && !/^[a-z][a-z0-9+.-]*:\/\//i.test(line))
        .filter((line) => !PINNED.test(line))
        .map((line) => REQUIREMENT_NAME.exec(line)?.[0] ?? line);
}

const REQUIREMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*/;
/** `name`, optional `[extras]`, then `==` or `===` and one exact version (no wildcard, no second clause). */
const PINNED = /^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*===?\s*[^\s,*]+$/;

/** `10.9.2` -> [10, 9, 2]; undefined when the text holds no version. */
export function parseVersion(text: string): number[] | undefined {
    const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
    return match
        ? match
              .slice(1)
              .filter((part) => part !== undefined)
              .map(Number)
        : undefined;
}
