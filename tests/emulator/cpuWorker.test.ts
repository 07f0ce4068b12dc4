/**
 * The CPU-heavy steps of a request run on the emulator's worker thread, so that the event loop keeps
 * answering other clients meanwhile. Checked by order, not by time: a ListLayers sent once the
 * emulator has the whole body of a big publish is answered before that publish.
 */
import { randomBytes } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { ListLayersCommand, PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { CpuWorker } from "../../emulator/worker/cpuWorker";
import { lambdaClient, rejectionOf } from "../helpers/emulator";

/** Published by Node's HTTP server before it hands a request to the emulator. */
const REQUEST_START_CHANNEL = "http.server.request.start";

describe("emulator: CPU-heavy steps on the worker thread", () => {
    let emulator: RunningEmulator;

    before(async () => {
        emulator = await startEmulator();
    });
    after(() => emulator.close());

    it("answers a ListLayers sent once a 45 MB inline publish is received before answering the publish", async () => {
        const lister = lambdaClient(emulator.endpoint);
        await lister.send(new ListLayersCommand({})); // the client and its connection, ready
        const answered: string[] = [];
        let listing: Promise<void> | undefined;
        // The emulator runs in this process: this listener hears the publish's body end just before the
        // emulator does, and the ListLayers it sends can only go out once the event loop is free.
        const onRequestStart = (message: unknown): void => {
            const { request } = message as { request: IncomingMessage };
            if (request.method !== "POST") return;
            request.once("end", () => {
                listing = lister.send(new ListLayersCommand({})).then(() => void answered.push("ListLayers"));
            });
        };
        subscribe(REQUEST_START_CHANNEL, onRequestStart);
        try {
            // Not a zip: the publish is refused once the archive is read, so nothing after the body's
            // parse and decode lets other requests in.
            const publishing = lambdaClient(emulator.endpoint).send(
                new PublishLayerVersionCommand({
                    LayerName: "not-a-zip",
                    Content: { ZipFile: randomBytes(45_000_000) },
                }),
            );
            const error = await rejectionOf(publishing.finally(() => answered.push("PublishLayerVersion")));
            expect(error.name).to.equal("InvalidParameterValueException");
            await listing;
        } finally {
            unsubscribe(REQUEST_START_CHANNEL, onRequestStart);
        }
        expect(answered).to.deep.equal(["ListLayers", "PublishLayerVersion"]);
    });

    it("rejects the tasks it has not answered when it is closed", async () => {
        const worker = new CpuWorker();
        const parsing = worker.run("parseJsonBody", Buffer.from("{}"), []);
        await worker.close();
        const error = await rejectionOf(parsing);
        expect(error.message).to.match(/^the emulator's worker thread stopped \(exit code \d+\)$/);
    });
});
