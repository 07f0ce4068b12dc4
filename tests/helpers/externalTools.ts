/**
 * Tools from outside npm that some tests use as independent checkers (Python's zipfile, the AWS CLI).
 * A test that needs one says so in its title and is pending where the tool is missing, so `npm test`
 * passes on a machine with only Node.js. CI sets PULUMI_LAMBDA_LAYER_TEST_TOOLS=required, and a missing
 * tool then fails the test instead: there every such test must run.
 */
import { spawnSync } from "node:child_process";

/** A tool a test needs: its name, as the test's title says it, and how to install it. */
export interface ExternalTool {
    name: string;
    install: string;
}

export const PYTHON3: ExternalTool = { name: "python3", install: "apt-get install python3" };
export const UNSHARE: ExternalTool = {
    name: "unshare --pid --fork --mount-proc, as root",
    install: "apt-get install util-linux, and run the tests as root (CI does)",
};
export const TMPFS_MOUNT: ExternalTool = {
    name: "mount -t tmpfs, as root",
    install: "run the tests as root (CI does), where mount can make a tmpfs",
};
export const AWS_CLI: ExternalTool = {
    name: "the AWS CLI",
    install: "apt-get install awscli, or set AWS_CLI to its path",
};

const announced = new Set<string>();
const found = new Map<string, boolean>();

/** Whether `command --version` runs (asked once per command). */
export function runs(command: string): boolean {
    if (!found.has(command)) found.set(command, spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0);
    return found.get(command)!;
}

/**
 * Marks the running test or hook pending when `found` is false, printing once per tool what to
 * install; throws instead when PULUMI_LAMBDA_LAYER_TEST_TOOLS=required.
 */
export function skipUnlessFound(context: Mocha.Context, tool: ExternalTool, isThere: boolean): void {
    if (isThere) return;
    const missing = `${tool.name} is not installed: ${tool.install}`;
    if (process.env.PULUMI_LAMBDA_LAYER_TEST_TOOLS === "required") {
        throw new Error(`${missing} (PULUMI_LAMBDA_LAYER_TEST_TOOLS=required)`);
    }
    if (!announced.has(tool.name)) {
        announced.add(tool.name);
        console.log(`      pending: ${missing}, to run the tests whose titles name it`);
    }
    context.skip();
}

/** Marks the running test pending unless python3 runs (see skipUnlessFound). */
export function needsPython3(context: Mocha.Context): void {
    skipUnlessFound(context, PYTHON3, runs("python3"));
}
