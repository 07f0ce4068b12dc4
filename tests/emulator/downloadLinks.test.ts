/** The `Content.Location` links: signed, expiring after 10 minutes, answered like S3's pre-signed URLs. */
import { randomBytes } from "node:crypto";
import { DeleteLayerVersionCommand, PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { DOWNLOAD_LINK_LIFETIME_MS, DownloadLinkSigner } from "../../emulator/api/downloadLinks";
import { download, lambdaClient, makeZip } from "../helpers/emulator";

describe("emulator: download links", () => {
    describe("signing (pure)", () => {
        const signer = new DownloadLinkSigner(randomBytes(32));
        const target = { region: "eu-west-1", layerName: "libs", version: 3 };
        const issuedAt = Date.UTC(2024, 0, 1);
        const tokenOf = (path: string) => path.split("/").pop() as string;

        it("leads back to its layer version until 10 minutes have passed", () => {
            const token = tokenOf(signer.path(target, issuedAt));
            expect(DOWNLOAD_LINK_LIFETIME_MS).to.equal(600_000);
            expect(signer.verify(token, issuedAt)).to.deep.equal({ target });
            expect(signer.verify(token, issuedAt + DOWNLOAD_LINK_LIFETIME_MS - 1)).to.deep.equal({ target });
            expect(signer.verify(token, issuedAt + DOWNLOAD_LINK_LIFETIME_MS)).to.deep.equal({ refusal: "expired" });
        });

        it("refuses a token that was altered, or signed with another key", () => {
            const token = tokenOf(signer.path(target, issuedAt));
            const [payload, signature] = token.split(".");
            const otherVersion = Buffer.from(
                JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), version: 4 }),
            ).toString("base64url");
            expect(signer.verify(`${otherVersion}.${signature}`, issuedAt)).to.deep.equal({ refusal: "invalid" });
            expect(signer.verify(`${payload}.${signature.slice(1)}`, issuedAt)).to.deep.equal({ refusal: "invalid" });
            expect(signer.verify(payload, issuedAt)).to.deep.equal({ refusal: "invalid" });
            expect(new DownloadLinkSigner(randomBytes(32)).verify(token, issuedAt)).to.deep.equal({
                refusal: "invalid",
            });
        });
    });

    describe("over HTTP", () => {
        let emulator: RunningEmulator;
        before(async () => {
            emulator = await startEmulator();
        });
        after(() => emulator.close());

        it("answers 403 for an altered link and 404 once the version is deleted", async () => {
            const lambda = lambdaClient(emulator.endpoint);
            const zip = await makeZip({ "x.txt": "x" });
            const published = await lambda.send(
                new PublishLayerVersionCommand({ LayerName: "linked", Content: { ZipFile: zip } }),
            );
            const location = published.Content?.Location as string;
            const altered = await fetch(`${location.slice(0, -2)}xx`);
            expect(altered.status).to.equal(403);
            expect(await altered.text()).to.contain("<Code>SignatureDoesNotMatch</Code>");
            await lambda.send(new DeleteLayerVersionCommand({ LayerName: "linked", VersionNumber: 1 }));
            expect((await download(location)).status).to.equal(404);
        });
    });
});
