/**
 * The fault soak: 50 full lifecycles (create, no-op, permission update, replace, refresh, delete)
 * through LayerVersionProvider against emulators that answer a seeded 30% of API requests with 429
 * TooManyRequestsException or 500 ServiceException, with the retry settings a user gets by default.
 * Every lifecycle must succeed, and after every step AWS must hold exactly the versions and
 * permissions the state says: no duplicate published by a retry, no orphan (soakShard.ts checks that).
 *
 * The shards run in parallel processes (one AWS environment per process) because most of the time is
 * the SDK's back-off, not work; within a shard requests are sequential, so its faults repeat exactly.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import type { ShardReport, ShardSettings } from "./soakShard";

const SHARDS = 10;
const LIFECYCLES_PER_SHARD = 5;
const FAULT_RATE = 0.3;

/** Runs one shard; its report is its last stdout line (the provider's progress lines come before it). */
function runShard(settings: ShardSettings): Promise<ShardReport> {
    return promisify(execFile)(process.execPath, [path.join(__dirname, "soakShard.js"), JSON.stringify(settings)], {
        env: { ...process.env, NODE_NO_WARNINGS: "1" },
        maxBuffer: 16 * 1024 * 1024,
    }).then(({ stdout }) => JSON.parse(stdout.trim().split("\n").pop() as string) as ShardReport);
}

describe("reliability: fault soak", function () {
    this.timeout(300_000);

    it(`survives ${SHARDS * LIFECYCLES_PER_SHARD} lifecycles with ${FAULT_RATE * 100}% of requests faulted, AWS matching the state after every step`, async () => {
        const started = Date.now();
        const reports = await Promise.all(
            Array.from({ length: SHARDS }, (_, shard) =>
                runShard({ shard, lifecycles: LIFECYCLES_PER_SHARD, faultRate: FAULT_RATE, faultSeed: 1000 + shard }),
            ),
        );
        const total = (field: "lifecycles" | "requests" | "throttles" | "serviceErrors") =>
            reports.reduce((sum, report) => sum + report[field], 0);
        const faults = total("throttles") + total("serviceErrors");
        console.log(
            `      soak: ${total("lifecycles")} lifecycles in ${SHARDS} parallel shards, ${total("requests")} API requests, ` +
                `${faults} faults injected and retried (${total("throttles")} x 429, ${total("serviceErrors")} x 500), ` +
                `${((Date.now() - started) / 1000).toFixed(1)} s (slowest shard ${(Math.max(...reports.map((report) => report.durationMs)) / 1000).toFixed(1)} s)`,
        );
        expect(total("lifecycles")).to.be.at.least(50);
        expect(faults / total("requests"), "the fault rate held").to.be.within(0.25, 0.35);
        expect(
            reports.flatMap((report) => report.warnings),
            "no suspected duplicate or unrecovered publish",
        ).to.deep.equal([]);
    });

    it("fails with the SDK's own default of 3 attempts, naming the call that ran out of them: why the default is 10", async () => {
        const failure = await runShard({
            shard: 0,
            lifecycles: LIFECYCLES_PER_SHARD,
            faultRate: FAULT_RATE,
            faultSeed: 1000,
            maxAttempts: 3,
        }).then(
            (report) => expect.fail(`the shard succeeded: ${JSON.stringify(report)}`),
            (error: Error & { stderr: string }) => error.stderr,
        );
        expect(failure).to.match(
            /layer "soak-0-\d": \w+.* failed: (TooManyRequestsException|ServiceException) \(request id [\w-]+, HTTP (429|500), 3 attempts\)/,
        );
    });
});
