/**
 * "Did you mean ...?" for names a user mistyped: an input name, a runtime, an architecture. Pure: no I/O.
 */

/** Names people write for an architecture, and the name the Lambda API uses for it. */
const ARCHITECTURE_ALIASES: Record<string, string> = {
    amd64: "x86_64",
    x64: "x86_64",
    "x86-64": "x86_64",
    aarch64: "arm64",
};

/**
 * Edits (insertions, deletions, substitutions, swaps of two neighbours) between `a` and `b`, ignoring
 * case: the optimal string alignment distance.
 */
export function editDistance(a: string, b: string): number {
    const s = a.toLowerCase();
    const t = b.toLowerCase();
    const rows: number[][] = Array.from({ length: s.length + 1 }, (_row, i) =>
        Array.from({ length: t.length + 1 }, (_column, j) => (i === 0 ? j : j === 0 ? i : 0)),
    );
    for (let i = 1; i <= s.length; i++) {
        for (let j = 1; j <= t.length; j++) {
            const cost = s[i - 1] === t[j - 1] ? 0 : 1;
            rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
                rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
            }
        }
    }
    return rows[s.length][t.length];
}

/** How many leading characters two names share, ignoring case. */
function commonPrefixLength(a: string, b: string): number {
    let length = 0;
    while (length < a.length && length < b.length && a[length].toLowerCase() === b[length].toLowerCase()) length++;
    return length;
}

/**
 * The candidate `value` most likely stands for: a known alias, or the nearest candidate within a third
 * of the longer name's length (at least 2 edits). On a tie, the one sharing the longest start with
 * `value` (`nodejs22` -> `nodejs22.x`, not `nodejs`), then the first listed. Undefined when none is near
 * enough to be worth suggesting.
 */
export function closestName(value: string, candidates: readonly string[]): string | undefined {
    const alias = ARCHITECTURE_ALIASES[value.toLowerCase()];
    if (alias !== undefined && candidates.includes(alias)) return alias;
    let best: { name: string; distance: number; prefix: number } | undefined;
    for (const name of candidates) {
        const distance = editDistance(value, name);
        const allowed = Math.max(2, Math.floor(Math.max(value.length, name.length) / 3));
        const prefix = commonPrefixLength(value, name);
        const better =
            best === undefined || distance < best.distance || (distance === best.distance && prefix > best.prefix);
        if (distance <= allowed && better) best = { name, distance, prefix };
    }
    return best?.name;
}
