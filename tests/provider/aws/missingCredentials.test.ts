/**
 * A missing credential gets advice: the provider run in a child process with an empty environment, a
 * home folder without ~/.aws, and instance metadata disabled, against the emulator (the real SDK chain).
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../../emulator";
import { makeTree } from "../../helpers/fixtures";
import { removeTempDirs, tempDir } from "../../helpers/fileTrees";

const PROVIDER_MODULE = path.resolve(__dirname, "../../../provider");

/** Marks the child's answer among the progress lines create prints. */
const RESULT = "RESULT:";

/**
 * check + create of `dir` in a child process with exactly `env`; resolves with the error message create
 * raised, or `created`.
 */
function createFails(dir: string, env: Record<string, string>): Promise<string> {
    const script = `
        const { LayerVersionProvider } = require(${JSON.stringify(PROVIDER_MODULE)});
        const provider = new LayerVersionProvider();
        (async () => {
            const checked = await provider.check({}, { layerName: "no-credentials", source: { path: ${JSON.stringify(dir)} } });
            await provider.create(checked.inputs);
            process.stdout.write(${JSON.stringify(RESULT)} + "created");
        })().catch((error) => process.stdout.write(${JSON.stringify(RESULT)} + error.message));`;
    return new Promise((resolve, reject) => {
        execFile(process.execPath, ["-e", script], { env }, (error, stdout, stderr) =>
            error
                ? reject(new Error(`${error.message}\n${stderr}`))
                : resolve(stdout.slice(stdout.lastIndexOf(RESULT) + RESULT.length)),
        );
    });
}

describe("a missing credential (real SDK chain, emulator endpoint)", () => {
    let emulator: RunningEmulator;
    let env: Record<string, string>;
    let dir: string;

    before(async () => {
        emulator = await startEmulator({});
        dir = makeTree({ "index.js": "exports.x = 1;\n" });
        env = {
            PATH: process.env.PATH ?? "",
            HOME: tempDir("empty-home-"),
            AWS_REGION: "us-east-1",
            AWS_ENDPOINT_URL_LAMBDA: emulator.endpoint,
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
            PULUMI_LAMBDA_LAYER_CACHE_DIR: process.env.PULUMI_LAMBDA_LAYER_CACHE_DIR ?? "",
            PULUMI_LAMBDA_LAYER_JOURNAL_DIR: process.env.PULUMI_LAMBDA_LAYER_JOURNAL_DIR ?? "",
        };
    });

    after(async () => {
        await emulator?.close();
        removeTempDirs();
    });

    it("says where the chain looked and how to set a credential, and sends nothing", async () => {
        emulator.resetRequestCounts();
        const message = await createFails(dir, env);
        expect(message).to.match(
            /^layer "no-credentials": \w+ failed: Could not load credentials from any providers; /,
        );
        for (const part of [
            "no AWS credentials were found; the SDK looked at the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
            'the profile "default" in ~/.aws/credentials and ~/.aws/config (keys, SSO, role, credential_process)',
            "the container credentials endpoint",
            "not the EC2 instance metadata (AWS_EC2_METADATA_DISABLED=true)",
            "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE=<profile>",
            "aws sso login",
            "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test",
        ]) {
            expect(message).to.include(part);
        }
        expect(emulator.requestCounts()).to.deep.equal({});
    });

    it("names the profile and the files in effect", async () => {
        const configFile = path.join(tempDir("aws-config-"), "config");
        const message = await createFails(dir, { ...env, AWS_PROFILE: "ci", AWS_CONFIG_FILE: configFile });
        expect(message).to.include(`the profile "ci" in ~/.aws/credentials and ${configFile}`);
    });

    it("publishes once a credential is set as the advice says", async () => {
        const message = await createFails(dir, { ...env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" });
        expect(message).to.equal("created");
    });
});
