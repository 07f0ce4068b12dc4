/** Finding an installed AWS CLI (a tool from outside npm) for the tests that use it as a second client. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** An installed AWS CLI: its path and major version (v2 exits 254 on a service error, v1 255). */
export interface AwsCli {
    path: string;
    major: number;
}

/**
 * The first AWS CLI v2 among the usual places (AWS_CLI first), else the first CLI found at all;
 * undefined when none is installed (the tests that need it are then pending).
 */
export async function findAwsCli(): Promise<AwsCli | undefined> {
    const candidates = [process.env.AWS_CLI, "aws", "/usr/bin/aws", "/usr/local/bin/aws"].filter(
        (path): path is string => !!path,
    );
    const majors = await Promise.all(
        candidates.map((path) =>
            run(path, ["--version"]).then(
                ({ stdout, stderr }) => Number(/aws-cli\/(\d+)\./.exec(stdout + stderr)?.[1]),
                () => NaN,
            ),
        ),
    );
    const found = candidates.map((path, index) => ({ path, major: majors[index] })).filter(({ major }) => major > 0);
    return found.find((candidate) => candidate.major >= 2) ?? found[0];
}

/** The exit code of a failed service call: 254 for the CLI v2, 255 for v1. */
export function serviceErrorExitCode(cli: AwsCli): number {
    return cli.major >= 2 ? 254 : 255;
}

/** An environment for the CLI with dummy credentials and no user config, under `home`. */
export function awsCliEnvironment(home: string): NodeJS.ProcessEnv {
    return {
        PATH: process.env.PATH,
        HOME: home,
        AWS_ACCESS_KEY_ID: "AKIDEMULATORTEST",
        AWS_SECRET_ACCESS_KEY: "emulator-test-secret",
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_PAGER: "",
        AWS_CONFIG_FILE: `${home}/no-config`,
        AWS_SHARED_CREDENTIALS_FILE: `${home}/no-credentials`,
    };
}
