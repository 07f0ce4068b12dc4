/**
 * The tool checks `check` makes before fingerprinting a build, with stand-in `npm` and `python3`
 * commands first on PATH (shell scripts printing what an old or broken install prints).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { toolVersion, ToolVersionError } from "../../../provider/build/toolVersion";

describe("build/toolVersion: the installed tool, asked locally", () => {
    let bin: string;
    let savedPath: string | undefined;
    beforeEach(() => {
        bin = fs.mkdtempSync(path.join(os.tmpdir(), "tool-bin-"));
        savedPath = process.env.PATH;
        process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
    });
    afterEach(() => {
        process.env.PATH = savedPath;
        fs.rmSync(bin, { recursive: true, force: true });
    });

    function standIn(name: string, script: string): void {
        fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    }

    async function failureOf(tool: "npm" | "pip"): Promise<ToolVersionError> {
        return toolVersion(tool, bin).then(
            () => expect.fail("the tool should be refused"),
            (error: ToolVersionError) => error,
        );
    }

    it("refuses npm older than 10.3, which ignores --libc, saying what to install", async () => {
        standIn("npm", "echo 10.2.4");
        const error = await failureOf("npm");
        expect(error).to.be.instanceOf(ToolVersionError);
        expect(error.message).to.include("npm 10.2.4").and.include("10.3 or later");
    });

    it("takes npm 10.3 and pip's own version line", async () => {
        standIn("npm", "echo 10.3.0");
        expect(await toolVersion("npm", bin)).to.deep.equal([10, 3, 0]);
        standIn("python3", 'echo "pip 23.0.1 from /usr/lib/python3/dist-packages/pip (python 3.11)"');
        expect(await toolVersion("pip", bin)).to.deep.equal([23, 0, 1]);
    });

    it("says how to install pip when python3 -m pip does not run", async () => {
        standIn("python3", 'echo "/usr/bin/python3: No module named pip" >&2; exit 1');
        const error = await failureOf("pip");
        expect(error.message).to.include("No module named pip").and.include("apt-get install python3-pip");
    });
});
