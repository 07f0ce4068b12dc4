/**
 * No credential, session token or pre-signed URL ends up anywhere Pulumi keeps or shows: unique marker
 * values sit in the AWS credential variables of both the program that serializes the provider and the
 * dynamic-provider host that runs it, a full lifecycle runs through the real host over gRPC, and none
 * of them appears in any payload, in the state after any step, in the host's output, or in the files
 * the provider writes (the publish journal, the digest cache).
 *
 * The markers are in the serializing program's environment too: a closure capturing `process.env`
 * would carry them into the state.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { ListLayerVersionsCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { captureResources, EngineStack } from "../../engine";
import { useInstalledExample } from "../helpers/installedExample";

const PROJECT = "lambda-layer-basic";
const LAYER_NAME = "secrets-lifecycle";

/** Credential values unique to this run. */
const MARKERS = {
    AWS_ACCESS_KEY_ID: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`,
    AWS_SECRET_ACCESS_KEY: `secret-marker-${randomBytes(16).toString("hex")}`,
    AWS_SESSION_TOKEN: `session-marker-${randomBytes(16).toString("hex")}`,
};

/** Every file under `dir`, as text. */
function filesUnder(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => fs.readFileSync(path.join(entry.parentPath ?? entry.path, entry.name), "utf8"));
}

describe("reliability: no credential or download link in state, payloads, output or files (engine path)", function () {
    this.timeout(300_000);
    // Made when the describe is defined, since the host's environment is fixed then: not a tempDir(),
    // which another test file's after hook would remove before these tests run.
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-state-"));
    const journalDir = path.join(stateDir, "journal");
    const cacheDir = path.join(stateDir, "cache");
    fs.mkdirSync(journalDir);
    fs.mkdirSync(cacheDir);
    after(() => fs.rmSync(stateDir, { recursive: true, force: true }));
    const example = useInstalledExample("basic", {
        project: PROJECT,
        env: { PULUMI_LAMBDA_LAYER_JOURNAL_DIR: journalDir, PULUMI_LAMBDA_LAYER_CACHE_DIR: cacheDir, ...MARKERS },
    });

    it("walks create, no-op, permission update, replace, refresh and destroy with marker credentials, and leaks none", async () => {
        const config = {
            [`${PROJECT}:layerName`]: LAYER_NAME,
            [`${PROJECT}:permissions`]: JSON.stringify([{ statementId: "all", principal: "*" }]),
        };
        const { emulator, program, host } = example;
        const capture = { project: PROJECT, config, env: { ...MARKERS, AWS_ENDPOINT_URL_LAMBDA: emulator.endpoint } };
        const stack = new EngineStack(host, { dir: program.dir, entry: "index.js", capture });
        const states: string[] = [];
        const step = async (run: () => Promise<unknown>) => {
            await run();
            states.push(JSON.stringify([...stack.state.values()]));
        };

        await step(() => stack.up());
        await step(() => stack.up());
        stack.setConfig({
            [`${PROJECT}:permissions`]: JSON.stringify([{ statementId: "partner", principal: "210987654321" }]),
        });
        await step(() => stack.up());
        const greeting = path.join(program.dir, "layer/node_modules/greeting/index.js");
        fs.appendFileSync(greeting, "exports.wave = () => 'o/';\n");
        await step(() => stack.up());
        await step(() => stack.refresh());
        const serialized = await captureResources(program.dir, "index.js", capture);
        await step(() => stack.destroy());

        const listed = await example.lambda.send(new ListLayerVersionsCommand({ LayerName: LAYER_NAME }));
        expect(listed.LayerVersions ?? [], "the lifecycle ran to the end").to.deep.equal([]);
        expect(host.calls.filter((call) => call.method === "create")).to.have.length(2);

        const places: Record<string, string> = {
            "gRPC requests and answers": JSON.stringify(host.calls),
            "host output and logs": JSON.stringify(host.diagnostics),
            "state after each step": states.join("\n"),
            "serialized provider and inputs": JSON.stringify(serialized),
            "publish journal and digest cache": [...filesUnder(journalDir), ...filesUnder(cacheDir)].join("\n"),
        };
        expect(places["publish journal and digest cache"], "the digest cache was written").to.not.equal("");
        for (const [place, text] of Object.entries(places)) {
            for (const [variable, marker] of Object.entries(MARKERS)) {
                expect(text.includes(marker), `${variable} in the ${place}`).to.equal(false);
            }
            expect(text.includes(emulator.endpoint), `a download link or the endpoint in the ${place}`).to.equal(false);
            expect(
                /X-Amz-(Signature|Credential|Security-Token)/i.test(text),
                `pre-signed URL parameters in the ${place}`,
            ).to.equal(false);
        }
    });
});
