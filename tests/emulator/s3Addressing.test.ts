/**
 * How clients name buckets: the JS SDK uses virtual-host style (`bucket.localhost:port`) for a
 * host-name endpoint, path style for an IP endpoint or with `forcePathStyle`; the emulator serves
 * all three on the one endpoint that also serves Lambda, told apart by Lambda's dated paths.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { ListLayersCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { lambdaClient } from "../helpers/emulator";
import { s3Client } from "../helpers/s3";

const REGION = "us-west-2";

describe("emulator: S3 path-style and virtual-host-style requests", () => {
    let emulator: RunningEmulator;
    let port: string;

    before(async () => {
        emulator = await startEmulator();
        port = new URL(emulator.endpoint).port;
    });
    after(async () => {
        await emulator.close();
    });

    const roundTrip = async (endpoint: string, bucket: string, forcePathStyle?: boolean) => {
        const { client, sent } = s3Client(endpoint, { region: REGION, forcePathStyle });
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: "nested/key.txt", Body: `in ${bucket}` }));
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "nested/key.txt" }));
        const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
        expect(listed.Contents?.map((object) => object.Key)).to.deep.equal(["nested/key.txt"]);
        return { text: await (got.Body as { transformToString(): Promise<string> }).transformToString(), sent };
    };

    it("serves the SDK's virtual-host requests to a host-name endpoint (bucket.localhost)", async () => {
        const { text, sent } = await roundTrip(`http://localhost:${port}`, "virtual-bucket");
        expect(text).to.equal("in virtual-bucket");
        expect(sent.map((request) => `${request.hostname} ${request.path}`)).to.include(
            "virtual-bucket.localhost /nested/key.txt",
        );
    });

    it("serves the SDK's path-style requests to an IP endpoint", async () => {
        const { text, sent } = await roundTrip(emulator.endpoint, "ip-bucket");
        expect(text).to.equal("in ip-bucket");
        expect(sent.map((request) => `${request.hostname} ${request.path}`)).to.include(
            "127.0.0.1 /ip-bucket/nested/key.txt",
        );
    });

    it("serves path-style requests to a host name with forcePathStyle", async () => {
        const { text, sent } = await roundTrip(`http://localhost:${port}`, "forced-path-bucket", true);
        expect(text).to.equal("in forced-path-bucket");
        expect(sent.map((request) => `${request.hostname} ${request.path}`)).to.include(
            "localhost /forced-path-bucket/nested/key.txt",
        );
    });

    it("keeps serving Lambda on the same endpoint", async () => {
        const layers = await lambdaClient(`http://localhost:${port}`).send(new ListLayersCommand({}));
        expect(layers.Layers).to.deep.equal([]);
        expect(emulator.requestCounts()).to.include({ ListLayers: 1, CreateBucket: 3, PutObject: 3, GetObject: 3 });
    });

    it("answers S3's XML NotImplemented for a subresource outside the subset", async () => {
        const response = await fetch(`${emulator.endpoint}/ip-bucket?acl`);
        expect(response.status).to.equal(501);
        const body = await response.text();
        expect(body).to.match(/<Error><Code>NotImplemented<\/Code><Message>[^<]*\?acl/);
    });
});
