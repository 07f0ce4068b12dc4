/** The emulator's options, their defaults, and what makes one invalid (shared by the API and the CLI). */

/** How to start the emulator. Every member is optional. */
export interface EmulatorOptions {
    /** Interface to listen on. Default `127.0.0.1` (this machine only). */
    host?: string;
    /** Port to listen on; 0 (the default) picks any free port. */
    port?: number;
    /**
     * Directory that keeps layers across restarts; created if missing. Every change is on disk
     * before it is answered. Omitted: everything is kept in memory and lost on close.
     */
    dataDir?: string;
    /** The 12-digit account id in every ARN. Default `123456789012`. */
    accountId?: string;
    /** Fraction (0 to 1) of API requests answered with an injected 429 or 500 before any change. Default 0. */
    faultRate?: number;
    /** Seed of the fault sequence: the same seed and rate fault the same requests. Default 0. */
    faultSeed?: number;
    /**
     * Total archive bytes a region may hold before PublishLayerVersion answers
     * CodeStorageExceededException. Default 75 GB, Lambda's default quota.
     */
    codeStorageLimitBytes?: number;
}

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_ACCOUNT_ID = "123456789012";

/** An invalid option: its name and what is wrong with it. */
export interface OptionProblem {
    option: keyof EmulatorOptions;
    problem: string;
}

/** Everything wrong with `options`; empty when they are usable. */
export function optionProblems(options: EmulatorOptions): OptionProblem[] {
    const problems: OptionProblem[] = [];
    const check = (option: keyof EmulatorOptions, valid: boolean, problem: string): void => {
        if (options[option] !== undefined && !valid) problems.push({ option, problem });
    };
    const { host, port, dataDir, accountId, faultRate, faultSeed, codeStorageLimitBytes } = options;
    check("host", typeof host === "string" && host !== "", "must be a host name or IP address");
    check(
        "port",
        Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65535,
        "must be an integer from 0 to 65535",
    );
    check("dataDir", typeof dataDir === "string" && dataDir !== "", "must be a directory path");
    check("accountId", typeof accountId === "string" && /^\d{12}$/.test(accountId), "must be 12 digits");
    check(
        "faultRate",
        typeof faultRate === "number" && faultRate >= 0 && faultRate <= 1,
        "must be a number from 0 to 1",
    );
    check("faultSeed", Number.isSafeInteger(faultSeed), "must be an integer");
    check(
        "codeStorageLimitBytes",
        Number.isSafeInteger(codeStorageLimitBytes) && (codeStorageLimitBytes as number) >= 0,
        "must be a whole number of bytes",
    );
    return problems;
}
