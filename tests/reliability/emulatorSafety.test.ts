/**
 * The emulator's own safety. Covered where the emulator is tested, and not repeated here:
 *   - download links expire after 10 minutes and refuse tampering: tests/emulator/downloadLinks.test.ts;
 *   - a body over the 69,905,067-byte limit is answered 413 from its Content-Length before it is sent,
 *     or as soon as a chunked body passes the limit, and the rest is discarded up to a cap:
 *     tests/emulator/bodyLimit.test.ts;
 *   - the CLI prints a 127.0.0.1 endpoint by default: tests/emulator/cli.test.ts.
 * What this adds: `startEmulator()` is bound to loopback only, not merely printing a loopback address.
 */
import * as net from "node:net";
import { expect } from "chai";
import { startEmulator } from "../../emulator";

function connects(host: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        socket.once("connect", () => {
            socket.destroy();
            resolve(true);
        });
        socket.once("error", () => resolve(false));
    });
}

describe("reliability: the emulator listens on loopback unless told otherwise", () => {
    it("answers on 127.0.0.1 only: another address of the same machine (127.0.0.2) is refused", async () => {
        const emulator = await startEmulator({});
        try {
            const port = Number(new URL(emulator.endpoint).port);
            expect(emulator.endpoint).to.equal(`http://127.0.0.1:${port}`);
            expect(await connects("127.0.0.1", port)).to.equal(true);
            // Linux routes all of 127.0.0.0/8 to the loopback device: a server bound to 0.0.0.0 would answer here.
            expect(await connects("127.0.0.2", port)).to.equal(false);
        } finally {
            await emulator.close();
        }
    });

    it("listens on every interface when told to (host 0.0.0.0), so the check above can fail", async () => {
        const emulator = await startEmulator({ host: "0.0.0.0" });
        try {
            expect(await connects("127.0.0.2", Number(new URL(emulator.endpoint).port))).to.equal(true);
        } finally {
            await emulator.close();
        }
    });
});
