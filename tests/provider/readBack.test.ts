/**
 * Refresh against endpoints that answer unlike AWS (another local mock, a misrouted endpoint), served by
 * a tiny fixture server and read through the provider with the real SDK.
 */
import { expect } from "chai";
import { LayerVersionProvider } from "../../provider";
import type { LayerVersionOutputs } from "../../provider/types";
import { emulatorEnvironment } from "../helpers/fixtures";
import { json, startFixtureServer, type FixtureAnswer, type FixtureServer } from "../helpers/fixtureServer";

const provider = new LayerVersionProvider();
const LAYER_ARN = "arn:aws:lambda:us-east-1:123456789012:layer:read-back";
const ID = `${LAYER_ARN}:4`;
const STATE: LayerVersionOutputs = {
    layerName: "read-back",
    s3: { bucket: "bucket", key: "layer.zip" },
    arn: ID,
    layerArn: LAYER_ARN,
    version: 4,
    codeSha256: "tv9jJO+rPbXUUXuRKi7CwHzKtLDkDRJLB3cC3Z/ouXo=",
    codeSize: 169,
    createdDate: "2026-12-05T08:00:00.000+0000",
};
const VERSION = {
    LayerArn: LAYER_ARN,
    LayerVersionArn: ID,
    Version: 4,
    CreatedDate: STATE.createdDate,
    Content: { CodeSha256: STATE.codeSha256, CodeSize: STATE.codeSize, Location: "http://127.0.0.1/x" },
};
const NOT_FOUND = { "x-amzn-errortype": "ResourceNotFoundException" };
const GET_LAYER_VERSION_PATH = `/2018-10-31/layers/${encodeURIComponent(LAYER_ARN)}/versions/4`;

describe("refresh against endpoints that answer unlike AWS (fixture server, real SDK)", () => {
    let server: FixtureServer | undefined;
    const saved: Record<string, string | undefined> = {};

    /** Serves `version` for GetLayerVersion and `policy` for GetLayerVersionPolicy; anything else is a 400. */
    async function serve(version: FixtureAnswer, policy: FixtureAnswer = json(404, {}, NOT_FOUND)): Promise<void> {
        server = await startFixtureServer((request) => {
            if (request.method === "GET" && request.url === GET_LAYER_VERSION_PATH) return version;
            if (request.method === "GET" && request.url === `${GET_LAYER_VERSION_PATH}/policy`) return policy;
            return json(400, { message: `unexpected ${request.method} ${request.url}` });
        });
        for (const [key, value] of Object.entries({ ...emulatorEnvironment(server.endpoint), AWS_MAX_ATTEMPTS: "1" })) {
            if (!(key in saved)) saved[key] = process.env[key];
            process.env[key] = value;
        }
    }

    afterEach(async () => {
        await server?.close();
        server = undefined;
    });

    after(() => {
        for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
    });

    it("reads through GetLayerVersion with the layer ARN and the version number, then the policy", async () => {
        await serve(json(200, VERSION));
        const refreshed = await provider.read!(ID, STATE);
        expect(server!.requests.map((request) => `${request.method} ${request.url}`)).to.deep.equal([
            `GET ${GET_LAYER_VERSION_PATH}`,
            `GET ${GET_LAYER_VERSION_PATH}/policy`,
        ]);
        expect(refreshed.id).to.equal(ID);
        expect(refreshed.props).to.deep.equal(STATE);
    });

    for (const [field, answer] of [
        ["Content.CodeSha256", { ...VERSION, Content: { CodeSize: 169 } }],
        ["LayerVersionArn", { ...VERSION, LayerVersionArn: undefined }],
        ["CreatedDate", { ...VERSION, CreatedDate: undefined }],
    ] as const) {
        it(`fails naming GetLayerVersion and ${field} when the answer lacks it`, async () => {
            await serve(json(200, answer));
            const failure = await provider.read!(ID, STATE).then(
                () => undefined,
                (error: Error) => error,
            );
            expect(failure?.message).to.equal(
                `layer "read-back": GetLayerVersion answered without ${field}, which the state needs: ` +
                    "the endpoint does not answer as the Lambda API does (check AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL)",
            );
        });
    }

    for (const [name, answer] of [
        ["ResourceNotFoundException", json(404, { message: "gone" }, NOT_FOUND)],
        ["a mock's own NotFound code", json(404, { __type: "NotFound", message: "no such version" })],
    ] as const) {
        it(`takes a 404 with ${name} as the version gone (no id)`, async () => {
            await serve(answer);
            expect(await provider.read!(ID, STATE)).to.deep.equal({});
        });
    }

    it("does not take a 404 page without a not-found code for a deletion: it fails naming GetLayerVersion", async () => {
        await serve({ status: 404, headers: { "content-type": "text/html" }, body: "<html>Not Found</html>" });
        const failure = await provider.read!(ID, STATE).then(
            () => undefined,
            (error: Error) => error,
        );
        expect(failure?.message).to.match(/^layer "read-back": GetLayerVersion failed/);
    });

    it("reads a mock's plain-string principals and single statement", async () => {
        const policy = {
            Version: "2012-10-17",
            Statement: {
                Sid: "p",
                Effect: "Allow",
                Principal: "210987654321",
                Action: "lambda:GetLayerVersion",
                Resource: ID,
            },
        };
        await serve(json(200, VERSION), json(200, { Policy: JSON.stringify(policy), RevisionId: "r1" }));
        const refreshed = await provider.read!(ID, STATE);
        expect(refreshed.props!.permissions).to.deep.equal([{ statementId: "p", principal: "210987654321" }]);
        expect(refreshed.props!.revisionId).to.equal("r1");
    });

    it("fails on a policy that is not JSON, showing its text", async () => {
        await serve(json(200, VERSION), json(200, { Policy: "<Policy>allow all</Policy>", RevisionId: "r1" }));
        const failure = await provider.read!(ID, STATE).then(
            () => undefined,
            (error: Error) => error,
        );
        expect(failure?.message).to.include("The layer version's policy is not JSON");
        expect(failure?.message).to.include('the endpoint answered "<Policy>allow all</Policy>"');
    });
});
