/**
 * How the layer's files are named in its zip: the files `source` takes by default, `source.prefix`, and
 * the rule every entry name follows so that no unzip can write outside the layer's folder. Pure.
 */

/** `source.include` when it is not given: every file, dot files included. */
export const DEFAULT_INCLUDE: readonly string[] = ["**/*"];

/** What lets an entry name be extracted outside its target folder, and how a failure says so. */
const ESCAPES: readonly (readonly [RegExp, string])[] = [
    [/\\/, "contains a backslash"], // a separator to Windows unzip tools
    [/^\//, "starts with /"],
    [/^[A-Za-z]:/, "starts with a drive letter"],
    [/(?:^|\/)\.\.(?:\/|$)/, "has a .. segment"],
];

/** What makes a path not the one spelling of a file: an empty path, or an empty or `.` segment. */
const NOT_CANONICAL: readonly [RegExp, string] = [/^$|\/\/|\/$|(?:^|\/)\.(?:\/|$)/, "has an empty or . segment"];

/** Any of the above at once: the per-file test of the listing. */
const UNSAFE = new RegExp([...ESCAPES, NOT_CANONICAL].map(([pattern]) => pattern.source).join("|"));

/**
 * Why a careless unzip would write the entry `name` outside its target (a backslash, a leading `/` or
 * drive letter, a `..` segment), or `undefined`. Names such as `dir/`, `./a` or `..hidden` are fine.
 */
export function escapeProblem(name: string): string | undefined {
    return ESCAPES.find(([pattern]) => pattern.test(name))?.[1];
}

/** Why `name` is not a safe relative POSIX path (escapeProblem, or an empty or `.` segment), or `undefined`. */
export function relativePathProblem(name: string): string | undefined {
    return escapeProblem(name) ?? (NOT_CANONICAL[0].test(name) ? NOT_CANONICAL[1] : undefined);
}

/** A relative POSIX path that cannot leave its folder and has one spelling: relativePathProblem finds nothing. */
export function isSafeRelativePath(name: string): boolean {
    return !UNSAFE.test(name);
}

/**
 * What is wrong with `prefix` as `source.prefix`, in words that name the property and the rule, or
 * `undefined`. `""` means no prefix; `nodejs` and `nodejs/` are the same prefix.
 */
export function prefixFailure(prefix: string, property = "source.prefix"): string | undefined {
    const problem = prefix === "" ? undefined : relativePathProblem(prefix.replace(/\/$/, ""));
    const rule = "it must be a relative POSIX path inside the zip such as nodejs/ or python/lib/";
    return problem && `${property} ${JSON.stringify(prefix)} ${problem}; ${rule}`;
}

/** `prefix` as it is prepended to entry names: `""` for none, otherwise ending in `/`. */
export function canonicalPrefix(prefix: string | undefined): string {
    if (!prefix) return "";
    return prefix.endsWith("/") ? prefix : `${prefix}/`;
}
