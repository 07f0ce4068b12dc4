/**
 * Fault injection: a seeded, reproducible fraction of API requests answered with 429
 * TooManyRequestsException or 500 ServiceException, before any change.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
    AddLayerVersionPermissionCommand,
    GetLayerVersionPolicyCommand,
    ListLayersCommand,
    ListLayerVersionsCommand,
    PublishLayerVersionCommand,
    ServiceException,
    TooManyRequestsException,
} from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startEmulator } from "../../emulator";
import { download, lambdaClient, makeZip, rejectionOf } from "../helpers/emulator";

/** What each of `count` ListLayers calls gets from an emulator with these fault settings. */
async function outcomes(faultRate: number, faultSeed: number, count: number): Promise<string[]> {
    const emulator = await startEmulator({ faultRate, faultSeed });
    try {
        const lambda = lambdaClient(emulator.endpoint);
        const results: string[] = [];
        for (let i = 0; i < count; i++) {
            results.push(
                await lambda.send(new ListLayersCommand({})).then(
                    () => "ok",
                    (error: Error) => error.name,
                ),
            );
        }
        return results;
    } finally {
        await emulator.close();
    }
}

describe("emulator: fault injection", () => {
    it("faults the same requests for the same seed, and other requests for another seed", async () => {
        const first = await outcomes(0.5, 42, 40);
        expect(await outcomes(0.5, 42, 40)).to.deep.equal(first);
        expect(await outcomes(0.5, 7, 40)).to.not.deep.equal(first);
        expect(new Set(first)).to.have.all.keys("ok", "TooManyRequestsException", "ServiceException");
        expect(await outcomes(0, 42, 10)).to.deep.equal(Array(10).fill("ok"));
        expect(await outcomes(1, 42, 10)).to.not.include("ok");
    });

    it("answers with the SDK's TooManyRequestsException (429) and ServiceException (500), which the SDK retries", async () => {
        const emulator = await startEmulator({ faultRate: 0.5, faultSeed: 3 });
        try {
            const once = lambdaClient(emulator.endpoint);
            const errors = new Map<string, Error & { $metadata: { httpStatusCode?: number }; Reason?: string }>();
            while (errors.size < 2) {
                const error = await once.send(new ListLayersCommand({})).then(
                    () => undefined,
                    (caught: Error) => caught,
                );
                if (error) errors.set(error.name, error as never);
            }
            const throttle = errors.get("TooManyRequestsException");
            expect(throttle).to.be.instanceOf(TooManyRequestsException);
            expect(throttle?.$metadata.httpStatusCode).to.equal(429);
            expect(throttle?.Reason).to.equal("CallerRateLimitExceeded");
            expect(throttle?.message).to.equal("Rate exceeded");
            const internal = errors.get("ServiceException");
            expect(internal).to.be.instanceOf(ServiceException);
            expect(internal?.$metadata.httpStatusCode).to.equal(500);

            const retrying = lambdaClient(emulator.endpoint, { maxAttempts: 10 });
            emulator.resetRequestCounts();
            let attempts = 0;
            for (let i = 0; i < 4; i++) {
                attempts += (await retrying.send(new ListLayersCommand({}))).$metadata.attempts ?? 1;
            }
            expect(attempts).to.be.above(4);
            expect(emulator.requestCounts()).to.deep.equal({ ListLayers: attempts });
        } finally {
            await emulator.close();
        }
    });

    it("changes nothing when it faults a request, and does not fault downloads", async () => {
        const dataDir = await mkdtemp(join(tmpdir(), "emulator-faults-"));
        try {
            const zip = await makeZip({ "a.txt": "a" });
            const faulty = await startEmulator({ dataDir, faultRate: 0.5, faultSeed: 11 });
            const acknowledged: number[] = [];
            const granted: string[] = [];
            const locations: string[] = [];
            const lambda = lambdaClient(faulty.endpoint);
            for (let i = 0; i < 20; i++) {
                const published = await lambda
                    .send(new PublishLayerVersionCommand({ LayerName: "flaky", Content: { ZipFile: zip } }))
                    .catch(() => undefined);
                if (published) {
                    acknowledged.push(published.Version as number);
                    locations.push(published.Content?.Location as string);
                }
            }
            for (let i = 0; i < 12; i++) {
                const statement = `grant-${i}`;
                const added = await lambda
                    .send(
                        new AddLayerVersionPermissionCommand({
                            LayerName: "flaky",
                            VersionNumber: 1,
                            StatementId: statement,
                            Action: "lambda:GetLayerVersion",
                            Principal: "*",
                        }),
                    )
                    .catch(() => undefined);
                if (added) granted.push(statement);
            }
            expect(faulty.requestCounts()).to.deep.equal({ PublishLayerVersion: 20, AddLayerVersionPermission: 12 });
            for (const location of locations) expect((await download(location)).status).to.equal(200);
            await faulty.close();

            // Read back with faults off, from what the faulty emulator left on disk.
            const calm = await startEmulator({ dataDir });
            try {
                const reader = lambdaClient(calm.endpoint);
                expect(acknowledged.length).to.be.within(1, 19);
                // A faulted publish did not even take a number: the acknowledged ones are 1..n.
                expect(acknowledged).to.deep.equal(acknowledged.map((_, index) => index + 1));
                const listed = await reader.send(new ListLayerVersionsCommand({ LayerName: "flaky" }));
                expect(listed.LayerVersions?.map((item) => item.Version).reverse()).to.deep.equal(acknowledged);
                const policy = await reader.send(
                    new GetLayerVersionPolicyCommand({ LayerName: "flaky", VersionNumber: 1 }),
                );
                const sids = JSON.parse(policy.Policy as string).Statement.map(
                    (statement: { Sid: string }) => statement.Sid,
                );
                expect(sids).to.deep.equal(granted);
                expect(granted.length).to.be.within(1, 11);
            } finally {
                await calm.close();
            }
        } finally {
            await rm(dataDir, { recursive: true, force: true });
        }
    });

    it("refuses fault settings outside their range", async () => {
        for (const options of [{ faultRate: 1.5 }, { faultRate: -0.1 }, { faultSeed: 1.5 }]) {
            const error = await rejectionOf(startEmulator(options));
            expect(error).to.be.instanceOf(RangeError);
            expect(error.message).to.contain(Object.keys(options)[0]);
        }
    });
});
