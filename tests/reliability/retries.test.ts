/**
 * Retries are the SDK's own standard strategy, configured rather than written: the attempt count comes
 * from the standard AWS settings (AWS_MAX_ATTEMPTS, a profile's max_attempts) with 10 as our default,
 * and the retry mode from AWS_RETRY_MODE. Service errors reach the user with the layer name, the
 * operation, the AWS error code, the request id and what to do.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { createLambdaClient, DEFAULT_MAX_ATTEMPTS } from "../../provider/aws/lambdaClient";
import type { LayerVersionInputs } from "../../provider/types";
import { removeTempDirs } from "../helpers/fileTrees";
import { makeTree } from "../helpers/fixtures";
import {
    checkAndCreate,
    emulatorForTest,
    failureOf,
    faultPlan,
    provider,
    setEnvironment,
    tempDir,
} from "../helpers/reliability";

const TREE = { "nodejs/node_modules/left-pad/index.js": "module.exports = (s) => s;\n" };

describe("reliability: the SDK's retry strategy, configured by the standard AWS settings", function () {
    after(removeTempDirs);
    this.timeout(60_000);

    describe("how many attempts a call makes", () => {
        let restore: () => void;
        let configDir: string;

        beforeEach(() => {
            configDir = tempDir("aws-config");
            fs.writeFileSync(
                path.join(configDir, "config"),
                "[default]\nregion = eu-west-1\n\n[profile patient]\nmax_attempts = 6\nretry_mode = adaptive\n",
            );
            restore = setEnvironment({
                AWS_CONFIG_FILE: path.join(configDir, "config"),
                AWS_SHARED_CREDENTIALS_FILE: path.join(configDir, "credentials"),
                AWS_PROFILE: undefined,
                AWS_MAX_ATTEMPTS: undefined,
                AWS_RETRY_MODE: undefined,
            });
        });
        afterEach(() => restore());

        async function resolvedSettings(): Promise<{ maxAttempts: number; retryMode: string }> {
            const { maxAttempts, retryMode } = createLambdaClient("us-east-1").config;
            return {
                maxAttempts: await maxAttempts(),
                retryMode: typeof retryMode === "string" ? retryMode : await retryMode(),
            };
        }

        it(`is ${DEFAULT_MAX_ATTEMPTS} in standard mode when nothing is set`, async () => {
            expect(DEFAULT_MAX_ATTEMPTS).to.equal(10);
            expect(await resolvedSettings()).to.deep.equal({ maxAttempts: 10, retryMode: "standard" });
        });

        it("follows the profile's max_attempts and retry_mode", async () => {
            process.env.AWS_PROFILE = "patient";
            expect(await resolvedSettings()).to.deep.equal({ maxAttempts: 6, retryMode: "adaptive" });
        });

        it("follows AWS_MAX_ATTEMPTS and AWS_RETRY_MODE over the profile", async () => {
            process.env.AWS_PROFILE = "patient";
            process.env.AWS_MAX_ATTEMPTS = "3";
            process.env.AWS_RETRY_MODE = "standard";
            expect(await resolvedSettings()).to.deep.equal({ maxAttempts: 3, retryMode: "standard" });
        });
    });

    it("makes exactly AWS_MAX_ATTEMPTS attempts, then names the layer, operation, code, request id, attempts and what to do", async () => {
        const test = await emulatorForTest(
            faultPlan({ 1: "TooManyRequestsException", 2: "TooManyRequestsException" }, 2),
            { AWS_MAX_ATTEMPTS: "2" },
        );
        try {
            const failure = await failureOf(
                checkAndCreate({ layerName: "always-throttled", source: { path: makeTree(TREE) } }),
            );
            expect(test.emulator.requestCounts()).to.deep.equal({ PublishLayerVersion: 2 });
            expect(failure.message).to.match(
                /^layer "always-throttled": PublishLayerVersion failed: TooManyRequestsException \(request id [\w-]+, HTTP 429, 2 attempts\): Rate exceeded; /,
            );
            expect(failure.message).to.include("raise AWS_MAX_ATTEMPTS");
        } finally {
            await test.stop();
        }
    });

    it("says to delete old versions or raise the quota on CodeStorageExceededException", async () => {
        const test = await emulatorForTest({ codeStorageLimitBytes: 100 });
        try {
            const failure = await failureOf(
                checkAndCreate({ layerName: "storage-full", source: { path: makeTree(TREE) } }),
            );
            expect(failure.message).to.match(
                /^layer "storage-full": PublishLayerVersion failed: CodeStorageExceededException \(request id [\w-]+, HTTP 400\)/,
            );
            expect(failure.message).to.include("delete old layer versions or functions, or ask AWS to raise the quota");
            expect(test.emulator.requestCounts(), "a 400 is not retried").to.deep.equal({ PublishLayerVersion: 1 });
        } finally {
            await test.stop();
        }
    });

    it("refuses in create, before any API call, a zip over the direct-upload limit when no staging bucket is set", async () => {
        const test = await emulatorForTest();
        const dir = tempDir("too-big");
        try {
            const zipPath = path.join(dir, "layer.zip");
            fs.writeFileSync(zipPath, Buffer.alloc(52_428_801, 1));
            test.emulator.resetRequestCounts();
            const failure = await failureOf(
                provider.create({ layerName: "too-big", zipFile: zipPath } as LayerVersionInputs),
            );
            expect(failure.message).to.match(
                /^layer "too-big": the zip is 52428801 bytes, over the 52363264-byte limit/,
            );
            expect(failure.message).to.include("`staging`");
            expect(failure.message).to.include("pulumi-lambda-layer:stagingBucket");
            expect(failure.message).to.include("nothing was uploaded or published");
            expect(test.emulator.requestCounts()).to.deep.equal({});
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
            await test.stop();
        }
    });

    it("says the API could not be reached, and where to look, when nothing answers", async () => {
        const test = await emulatorForTest({}, { AWS_MAX_ATTEMPTS: "2" });
        await test.emulator.close();
        try {
            const failure = await failureOf(
                checkAndCreate({ layerName: "nobody-home", source: { path: makeTree(TREE) } }),
            );
            expect(failure.message).to.match(
                /^layer "nobody-home": PublishLayerVersion failed \(2 attempts\): .*ECONNREFUSED/,
            );
            expect(failure.message).to.include(
                "check the network, the region, and any endpoint setting (AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL)",
            );
        } finally {
            await test.stop();
        }
    });
});
