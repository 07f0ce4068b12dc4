/**
 * How the layer's files are named in its zip: the files `source` takes by default, `source.prefix`, the
 * patterns that pick them, and the rule every entry name follows so that no unzip can write outside the
 * layer's folder. Pure.
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
    const problem =
        prefix === "" ? undefined : (prefixSizeProblem(prefix) ?? relativePathProblem(prefix.replace(/\/$/, "")));
    const rule = "it must be a relative POSIX path inside the zip such as nodejs/ or python/lib/";
    return problem && `${property} ${JSON.stringify(prefix)} ${problem}; ${rule}`;
}

/** Linux's PATH_MAX: the longest path, in bytes, a Lambda function can open. */
const PATH_MAX_BYTES = 4096;

/**
 * The longest prefix, in UTF-8 bytes: Lambda extracts a layer under `/opt/`, and a prefix that leaves no
 * room there for a separator and a one-byte name within PATH_MAX can hold no file.
 */
export const PREFIX_MAX_BYTES = PATH_MAX_BYTES - "/opt/".length - 2;

/** The longest pattern, in UTF-8 bytes: a zip entry name's limit (a 16-bit length), generous for any glob. */
export const PATTERN_MAX_BYTES = 65_535;

/** A control character, or more bytes than fit under `/opt/` within PATH_MAX. */
function prefixSizeProblem(prefix: string): string | undefined {
    const control = controlCharacterProblem(prefix);
    if (control) return control;
    const bytes = Buffer.byteLength(prefix, "utf8");
    return bytes > PREFIX_MAX_BYTES
        ? `is ${bytes} bytes; at most ${PREFIX_MAX_BYTES} fit, since Lambda extracts layers under /opt/ and a path may be at most ${PATH_MAX_BYTES} bytes`
        : undefined;
}

/**
 * Why `pattern` cannot be used to pick files below source.path, or `undefined` when it can. A leading
 * `!` (negation) is judged as the pattern it negates.
 */
export function patternProblem(pattern: string): string | undefined {
    const control = controlCharacterProblem(pattern);
    if (control) return control;
    const bytes = Buffer.byteLength(pattern, "utf8");
    if (bytes > PATTERN_MAX_BYTES) return `is ${bytes} bytes; a pattern may be at most ${PATTERN_MAX_BYTES}`;
    if (pattern.includes("\\")) {
        return (
            'contains a backslash: patterns use "/" as the folder separator on every OS ' +
            "(to match a special character literally, use a class such as [*])"
        );
    }
    const positive = pattern.startsWith("!") ? pattern.slice(1) : pattern;
    if (positive.startsWith("/")) return 'must stay inside source.path: it starts with "/"';
    if (positive.split("/").some((segment) => expandBraces(segment).includes(".."))) {
        return 'must stay inside source.path: it has a ".." segment (braces included)';
    }
    return undefined;
}

/** A NUL, newline or other control character, named with its position. */
function controlCharacterProblem(value: string): string | undefined {
    const index = [...value].findIndex((character) => character < " " || character === "\u007f");
    if (index < 0) return undefined;
    const code = value.charCodeAt(index).toString(16).padStart(4, "0");
    return `contains a control character (U+${code}) at position ${index}; entry names and patterns cannot hold one`;
}

/** The alternatives a glob segment's braces expand to (`.{.,}` gives `..` and `.`), at most `limit` of them. */
function expandBraces(segment: string, limit = 256): string[] {
    const open = segment.indexOf("{");
    if (open < 0) return [segment];
    let depth = 0;
    const commas: number[] = [];
    for (let index = open; index < segment.length; index++) {
        const character = segment[index];
        if (character === "{") depth++;
        else if (character === "}" && --depth === 0) {
            const inner = [open, ...commas, index];
            const options = inner.slice(0, -1).map((start, at) => segment.slice(start + 1, inner[at + 1]));
            const rest = expandBraces(segment.slice(index + 1), limit);
            const expanded: string[] = [];
            for (const option of options.flatMap((choice) => expandBraces(choice, limit))) {
                for (const tail of rest) {
                    if (expanded.length >= limit) return expanded;
                    expanded.push(segment.slice(0, open) + option + tail);
                }
            }
            return expanded;
        } else if (character === "," && depth === 1) commas.push(index);
    }
    return [segment]; // an unclosed brace is a literal
}

/** `prefix` as it is prepended to entry names: `""` for none, otherwise ending in `/`. */
export function canonicalPrefix(prefix: string | undefined): string {
    if (!prefix) return "";
    return prefix.endsWith("/") ? prefix : `${prefix}/`;
}
