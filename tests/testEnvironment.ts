/**
 * Loaded by mocha before any test (.mocharc.json `require`). Every temp folder of the run goes under one
 * folder of its own (TMPDIR, which os.tmpdir() reads and child processes inherit): the provider's
 * on-disk state (digest cache, publish journal, build cache) is there, never in the user's ~/.cache, and
 * what a test leaves behind is named at the end of the run, then removed with the rest.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "lambda-layer-tests-"));
// Some tests run code as another user (`nobody`) on trees in their own temp folders.
fs.chmodSync(runDir, 0o755);
process.env.TMPDIR = runDir;
const stateDir = fs.mkdtempSync(path.join(runDir, "provider-state-"));
process.env.PULUMI_LAMBDA_LAYER_CACHE_DIR = path.join(stateDir, "cache");
process.env.PULUMI_LAMBDA_LAYER_JOURNAL_DIR = path.join(stateDir, "journal");
process.env.PULUMI_LAMBDA_LAYER_BUILD_DIR = path.join(stateDir, "builds");
// The SDK's notice that its 2027 releases need Node 22 is not about anything under test.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

/** Where Node.js 22 and later keep compiled modules when a tool (npm, say) turns the cache on: not a test's. */
const NODE_COMPILE_CACHE = "node-compile-cache";

export const mochaHooks = {
    afterAll(): void {
        const leftBehind = fs
            .readdirSync(runDir)
            .filter((name) => name !== path.basename(stateDir) && name !== NODE_COMPILE_CACHE);
        fs.rmSync(runDir, { recursive: true, force: true });
        if (leftBehind.length > 0) {
            throw new Error(
                `the tests left ${leftBehind.length} temp entries behind (remove them in an after hook): ${leftBehind.sort().join(", ")}`,
            );
        }
    },
};
