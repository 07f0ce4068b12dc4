/**
 * Lambda's request body limit (69,905,067 bytes, a 50 MB zip in base64): an archive within it is
 * published; a body over it gets 413 RequestEntityTooLargeException as soon as it passes the limit,
 * and the emulator holds none of the rest.
 */
import { once } from "node:events";
import { request } from "node:http";
import { connect } from "node:net";
import { randomBytes } from "node:crypto";
import { LambdaServiceException, PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { lambdaClient, makeYazlZip, rejectionOf, sha256Base64 } from "../helpers/emulator";

const LIMIT = 69_905_067;
/** How much of a refused body the emulator still reads and drops before it cuts the connection. */
const DISCARD_CAP = 256 * 1024 * 1024;

interface RawAnswer {
    status: number;
    errorType: string | undefined;
    body: string;
    /** Body bytes this client had handed to its socket when the answer arrived. */
    bytesSentBeforeAnswer: number;
}

describe("emulator: request body limit", () => {
    let emulator: RunningEmulator;

    before(async () => {
        emulator = await startEmulator();
    });
    after(() => emulator.close());

    it("publishes a 50,000,000-byte archive sent directly", async () => {
        const archive = await makeYazlZip(
            [{ name: "java/lib/big.jar", content: randomBytes(50_000_000 - 200) }],
            false,
        );
        const published = await lambdaClient(emulator.endpoint).send(
            new PublishLayerVersionCommand({ LayerName: "biggest", Content: { ZipFile: archive } }),
        );
        expect(published.Content?.CodeSize).to.equal(archive.length);
        expect(published.Content?.CodeSha256).to.equal(sha256Base64(archive));
    });

    it("refuses a larger body with 413, raised by the SDK as RequestEntityTooLargeException", async () => {
        const tooBig = Buffer.alloc(Math.ceil((LIMIT * 3) / 4), 1);
        const error = await rejectionOf(
            lambdaClient(emulator.endpoint).send(
                new PublishLayerVersionCommand({ LayerName: "too-big", Content: { ZipFile: tooBig } }),
            ),
        );
        // Not in the Lambda model: the SDK raises its base class, named after the header.
        expect(error).to.be.instanceOf(LambdaServiceException);
        expect(error.name).to.equal("RequestEntityTooLargeException");
        expect(error.$metadata.httpStatusCode).to.equal(413);
        expect(error.message).to.equal(
            "Request must be smaller than 69905067 bytes for the PublishLayerVersion operation",
        );
    });

    it("answers a declared Content-Length over the limit before the body is sent", async () => {
        const answer = await postRaw({ "Content-Length": String(LIMIT + 1) }, (send) => send(Buffer.alloc(1024)));
        expect(answer.status).to.equal(413);
        expect(answer.errorType).to.equal("RequestEntityTooLargeException");
        expect(JSON.parse(answer.body)).to.have.property("Type", "User");
        expect(answer.bytesSentBeforeAnswer).to.equal(1024);
    });

    it("answers a chunked body as soon as it passes the limit", async () => {
        const chunk = Buffer.alloc(1 << 20, 0x61);
        const answer = await postRaw({ "Transfer-Encoding": "chunked" }, async (send, answered) => {
            for (let sent = 0; sent < 3 * LIMIT && !answered(); sent += chunk.length) await send(chunk);
        });
        expect(answer.status).to.equal(413);
        expect(answer.errorType).to.equal("RequestEntityTooLargeException");
        // What the client had written when the answer came: the limit plus what sockets buffer, far from all of it.
        expect(answer.bytesSentBeforeAnswer)
            .to.be.above(LIMIT)
            .and.below(LIMIT + 32 * chunk.length);
    });

    it("throws away what a refused client still sends, and cuts it off past the discard cap", async () => {
        // A plain socket: Node's HTTP client stops reporting drain once its response has ended.
        const url = new URL(emulator.endpoint);
        const socket = connect(Number(url.port), url.hostname);
        await once(socket, "connect");
        let answer = "";
        socket.setEncoding("utf8").on("data", (text: string) => (answer += text));
        let connected = true;
        const cut = new Promise<void>((resolve) =>
            socket.once("close", () => {
                connected = false;
                resolve();
            }),
        );
        socket.on("error", () => undefined); // the cut shows as a reset here
        socket.write(
            "POST /2018-10-31/layers/raw/versions HTTP/1.1\r\nHost: emulator\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        const chunk = Buffer.concat([Buffer.from("100000\r\n"), Buffer.alloc(1 << 20, 0x62), Buffer.from("\r\n")]);
        let sent = 0;
        while (connected && sent < LIMIT + 2 * DISCARD_CAP) {
            sent += 1 << 20;
            if (!socket.write(chunk))
                await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), cut]);
        }
        expect(connected, "the connection was cut").to.equal(false);
        expect(answer).to.match(/^HTTP\/1\.1 413 /);
        expect(sent)
            .to.be.above(LIMIT + DISCARD_CAP)
            .and.below(LIMIT + DISCARD_CAP + (64 << 20));
    });

    it("keeps serving other requests afterwards", async () => {
        const response = await fetch(`${emulator.endpoint}/2018-10-31/layers`);
        expect(response.status).to.equal(200);
    });

    /**
     * POSTs to PublishLayerVersion with `headers`, letting `write` send body chunks (each awaited
     * until the socket takes it) until it returns or the answer arrives.
     */
    function postRaw(
        headers: Record<string, string>,
        write: (send: (chunk: Buffer) => Promise<void>, answered: () => boolean) => Promise<void>,
    ): Promise<RawAnswer> {
        const url = new URL(emulator.endpoint);
        return new Promise((resolve, reject) => {
            let sent = 0;
            let answered = false;
            const outgoing = request(
                {
                    host: url.hostname,
                    port: url.port,
                    method: "POST",
                    path: "/2018-10-31/layers/raw/versions",
                    headers,
                },
                (response) => {
                    answered = true;
                    const bytesSentBeforeAnswer = sent;
                    let body = "";
                    response.setEncoding("utf8").on("data", (text: string) => (body += text));
                    response.on("end", () => {
                        outgoing.destroy();
                        resolve({
                            status: response.statusCode as number,
                            errorType: response.headers["x-amzn-errortype"] as string | undefined,
                            body,
                            bytesSentBeforeAnswer,
                        });
                    });
                },
            );
            // Once answered, the server may cut the connection while this client still writes: expected.
            outgoing.on("error", (error) => (answered ? undefined : reject(error)));
            const send = (chunk: Buffer) =>
                new Promise<void>((done) => {
                    sent += chunk.length;
                    if (outgoing.write(chunk)) done();
                    else outgoing.once("drain", done);
                });
            write(send, () => answered).catch(reject);
        });
    }
});
