/**
 * Names and patterns that used to pass check or get a misleading message: control characters and
 * lengths in `source.prefix` and patterns, backslashes and brace-made `..` in patterns, a file name
 * with a colon, and a file name that is not UTF-8. Each is refused in check, naming the property (or
 * the file) and the limit, with no API call.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { makeTree } from "../helpers/fixtures";
import { checkAndCreate, emulatorForTest, provider } from "../helpers/reliability";
import type { InputFailure, LayerVersionInputs } from "../../provider/types";

async function failuresOf(news: Record<string, unknown>): Promise<InputFailure[]> {
    const checked = await provider.check({} as LayerVersionInputs, news as unknown as LayerVersionInputs);
    return checked.failures ?? [];
}

describe("reliability: names and patterns", function () {
    this.timeout(60_000);
    const tree = makeTree({ "index.js": "1\n", "docs/readme.md": "# r\n" });
    const cases: Array<{ name: string; source: Record<string, unknown>; property: string; reason: string[] }> = [
        {
            name: "a prefix holding NUL",
            source: { prefix: "x\u0000y" },
            property: "source.prefix",
            reason: ['"x\\u0000y"', "control character (U+0000) at position 1"],
        },
        {
            name: "a prefix holding a newline",
            source: { prefix: "node\njs/" },
            property: "source.prefix",
            reason: ["control character (U+000a)"],
        },
        {
            name: "a prefix of 70,000 bytes",
            source: { prefix: "p".repeat(70_000) },
            property: "source.prefix",
            reason: ["is 70000 bytes", "at most 4089", "/opt/"],
        },
        {
            name: "a pattern of 70,000 bytes",
            source: { include: ["x".repeat(70_000)] },
            property: "source.include[0]",
            reason: ["is 70000 bytes", "at most 65535"],
        },
        {
            name: "a pattern holding a control character",
            source: { exclude: ["a\u0001b"] },
            property: "source.exclude[0]",
            reason: ["control character (U+0001)"],
        },
        {
            name: "a pattern with Windows separators",
            source: { exclude: ["**\\*.md"] },
            property: "source.exclude[0]",
            reason: ["backslash", 'patterns use "/"'],
        },
        {
            name: "a pattern whose braces make ..",
            source: { include: [".{.,}/x"] },
            property: "source.include[0]",
            reason: ["must stay inside source.path", '".." segment (braces included)'],
        },
    ];
    for (const { name, source, property, reason } of cases) {
        it(`refuses ${name}, naming ${property}`, async () => {
            const failures = await failuresOf({ layerName: "names", source: { path: tree, ...source } });
            const failure = failures.find((candidate) => candidate.property === property);
            expect(failure, JSON.stringify(failures)).to.not.equal(undefined);
            for (const part of reason) expect(failure!.reason).to.include(part);
        });
    }

    it("says why `c:d.txt` cannot be an entry name: a drive on Windows, not a backslash", async () => {
        const withColon = makeTree({ "c:d.txt": "colon\n" });
        const [failure] = await failuresOf({ layerName: "names", source: { path: withColon } });
        expect(failure.property).to.equal("source.path");
        expect(failure.reason).to.include('"c:d.txt"').and.include("drive letter");
        expect(failure.reason).to.not.include("backslash");
    });

    it("names a file whose name is not UTF-8 with its bytes escaped", async () => {
        const root = makeTree({ "index.js": "1\n" });
        fs.mkdirSync(path.join(root, "lib"));
        fs.writeFileSync(
            Buffer.concat([Buffer.from(path.join(root, "lib") + "/"), Buffer.from([0xff]), Buffer.from(".txt")]),
            "x",
        );
        const [failure] = await failuresOf({ layerName: "names", source: { path: root } });
        expect(failure.property).to.equal("source.path");
        expect(failure.reason).to.include('"lib/\\xff.txt" is not valid UTF-8');
        expect(failure.reason).to.not.include("ENOENT");
    });

    it("still publishes a name that really holds U+FFFD", async () => {
        const test = await emulatorForTest();
        try {
            const root = makeTree({ "odd-\ufffd.txt": "fine\n" });
            const { outs } = await checkAndCreate({ layerName: "replacement-char", source: { path: root } });
            expect(outs.version).to.equal(1);
        } finally {
            await test.stop();
        }
    });
});
