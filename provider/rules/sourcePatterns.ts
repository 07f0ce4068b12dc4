/**
 * What a `source.prefix` and a `source.include` / `source.exclude` pattern may be: the rules that keep
 * the zip inside its root and its entry names valid, with a reason a user can act on. Pure.
 */

/** Linux's PATH_MAX: the longest path, in bytes, a Lambda function can open. */
const PATH_MAX_BYTES = 4096;

/**
 * The longest prefix, in UTF-8 bytes: Lambda extracts a layer under `/opt/`, and a prefix that leaves no
 * room there for a separator and a one-byte name within PATH_MAX can hold no file.
 */
export const PREFIX_MAX_BYTES = PATH_MAX_BYTES - "/opt/".length - 2;

/** The longest pattern, in UTF-8 bytes: a zip entry name's limit (a 16-bit length), generous for any glob. */
export const PATTERN_MAX_BYTES = 65_535;

/** Why `prefix` cannot be prepended to entry names, or `undefined` when it can. */
export function prefixProblem(prefix: string): string | undefined {
    const control = controlCharacterProblem(prefix);
    if (control) return control;
    const bytes = Buffer.byteLength(prefix, "utf8");
    if (bytes > PREFIX_MAX_BYTES) {
        return `is ${bytes} bytes; at most ${PREFIX_MAX_BYTES} fit, since Lambda extracts layers under /opt/ and a path may be at most ${PATH_MAX_BYTES} bytes`;
    }
    if (prefix.includes("\\")) return "contains a backslash";
    if (prefix.startsWith("/")) return "starts with /";
    const segments = prefix === "" ? [] : prefix.replace(/\/$/, "").split("/");
    if (segments.includes("..")) return "has a .. segment";
    if (segments.some((segment) => segment === "" || segment === ".")) return "has an empty or . segment";
    return undefined;
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
