/**
 * Loaded by mocha before any test (.mocharc.json `require`): the provider's on-disk state (digest cache,
 * publish journal, build cache) goes to a temp folder of this run, never to the user's ~/.cache, and child processes
 * started by tests inherit that.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lambda-layer-tests-"));
process.env.PULUMI_LAMBDA_LAYER_CACHE_DIR = path.join(stateDir, "cache");
process.env.PULUMI_LAMBDA_LAYER_JOURNAL_DIR = path.join(stateDir, "journal");
process.env.PULUMI_LAMBDA_LAYER_BUILD_DIR = path.join(stateDir, "builds");
// The SDK's notice that its 2027 releases need Node 22 is not about anything under test.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

export const mochaHooks = {
    afterAll(): void {
        fs.rmSync(stateDir, { recursive: true, force: true });
    },
};
