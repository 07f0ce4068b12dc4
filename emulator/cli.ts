#!/usr/bin/env node
/**
 * The `lambda-layer-emulator` command: starts the emulator, prints one line
 * `listening on http://HOST:PORT` once it accepts connections, and stops cleanly on SIGINT/SIGTERM.
 * A bad flag is reported on stderr, naming the flag, with exit code 2.
 */
import { parseArgs } from "node:util";
import { startEmulator } from "./index";
import { optionProblems, type EmulatorOptions } from "./options";

const DEFAULT_CLI_PORT = 4566;

const USAGE = `Usage: lambda-layer-emulator [options]

A local AWS Lambda layers API, with the S3 subset that staging layers needs on the same
endpoint. Point clients at it with
  AWS_ENDPOINT_URL=http://127.0.0.1:${DEFAULT_CLI_PORT}   (or --endpoint-url for the AWS CLI)

Options:
  --host HOST         interface to listen on (default 127.0.0.1)
  --port PORT         port to listen on (default ${DEFAULT_CLI_PORT}; 0 = any free port)
  --data-dir DIR      keep layers and S3 objects in DIR across restarts (created if missing)
  --in-memory         keep nothing across restarts (the default without --data-dir)
  --account-id ID     12-digit account id used in ARNs (default 123456789012)
  --fault-rate R      answer a fraction R (0 to 1) of API requests with 429 or 500 (default 0)
  --fault-seed N      seed of the fault sequence, for reproducible runs (default 0)
  --help              show this help
`;

/** The flag of each option, for messages. */
const FLAG_OF: Partial<Record<keyof EmulatorOptions, string>> = {
    host: "--host",
    port: "--port",
    dataDir: "--data-dir",
    accountId: "--account-id",
    faultRate: "--fault-rate",
    faultSeed: "--fault-seed",
};

class UsageError extends Error {}

/** The options the flags ask for, or "help". */
function parseFlags(args: string[]): EmulatorOptions | "help" {
    let values;
    try {
        ({ values } = parseArgs({
            args,
            strict: true,
            allowPositionals: false,
            options: {
                host: { type: "string" },
                port: { type: "string" },
                "data-dir": { type: "string" },
                "in-memory": { type: "boolean" },
                "account-id": { type: "string" },
                "fault-rate": { type: "string" },
                "fault-seed": { type: "string" },
                help: { type: "boolean" },
            },
        }));
    } catch (error) {
        throw new UsageError((error as Error).message);
    }
    if (values.help) return "help";
    if (values["data-dir"] !== undefined && values["in-memory"]) {
        throw new UsageError("--data-dir and --in-memory cannot be used together");
    }
    const options: EmulatorOptions = {
        host: values.host,
        port: values.port === undefined ? DEFAULT_CLI_PORT : numberOrNaN(values.port),
        dataDir: values["data-dir"],
        accountId: values["account-id"],
        faultRate: values["fault-rate"] === undefined ? undefined : numberOrNaN(values["fault-rate"]),
        faultSeed: values["fault-seed"] === undefined ? undefined : numberOrNaN(values["fault-seed"]),
    };
    const problems = optionProblems(options);
    if (problems.length > 0) {
        throw new UsageError(
            problems.map(({ option, problem }) => `${FLAG_OF[option] ?? option} ${problem}`).join("; "),
        );
    }
    return options;
}

/** Number() reads "" and " " as 0; a flag's value must be written out. */
function numberOrNaN(text: string): number {
    return /^\s*$/.test(text) ? NaN : Number(text);
}

async function main(): Promise<void> {
    let options: EmulatorOptions | "help";
    try {
        options = parseFlags(process.argv.slice(2));
    } catch (error) {
        process.stderr.write(
            `lambda-layer-emulator: ${(error as Error).message}\nRun lambda-layer-emulator --help to see the flags.\n`,
        );
        process.exit(2);
    }
    if (options === "help") {
        process.stdout.write(USAGE);
        return;
    }
    const emulator = await startEmulator(options);
    process.stdout.write(`listening on ${emulator.endpoint}\n`);
    const stop = (): void => {
        // A second signal while closing means "now".
        process.once("SIGINT", () => process.exit(130)).once("SIGTERM", () => process.exit(143));
        emulator.close().then(
            () => process.exit(0),
            (error: unknown) => {
                process.stderr.write(`lambda-layer-emulator: failed to close: ${(error as Error).message}\n`);
                process.exit(1);
            },
        );
    };
    process.once("SIGINT", stop).once("SIGTERM", stop);
}

if (require.main === module) {
    main().catch((error: unknown) => {
        process.stderr.write(`lambda-layer-emulator: ${(error as Error).message}\n`);
        process.exit(1);
    });
}
