/** The nine layer operations through the real @aws-sdk/client-lambda: success shapes, numbering, filters, paging. */
import {
    AddLayerVersionPermissionCommand,
    DeleteLayerVersionCommand,
    GetLayerVersionByArnCommand,
    GetLayerVersionCommand,
    GetLayerVersionPolicyCommand,
    type LambdaClient,
    ListLayersCommand,
    ListLayerVersionsCommand,
    type ListLayerVersionsCommandInput,
    PublishLayerVersionCommand,
    RemoveLayerVersionPermissionCommand,
    ResourceNotFoundException,
    type Runtime,
} from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { ACCOUNT_ID, download, lambdaClient, makeZip, rejectionOf, sha256Base64 } from "../helpers/emulator";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("emulator: layer operations through @aws-sdk/client-lambda", () => {
    let emulator: RunningEmulator;
    let lambda: LambdaClient;
    let zip: Buffer;

    before(async () => {
        emulator = await startEmulator();
        lambda = lambdaClient(emulator.endpoint, { region: "us-west-2" });
        zip = await makeZip({ "nodejs/node_modules/lib/index.js": "module.exports = 42;\n" });
    });
    after(() => emulator.close());

    const publish = (
        layerName: string,
        extra: Partial<ConstructorParameters<typeof PublishLayerVersionCommand>[0]> = {},
    ) => lambda.send(new PublishLayerVersionCommand({ LayerName: layerName, Content: { ZipFile: zip }, ...extra }));

    it("publishes a version and answers 201 with AWS's fields", async () => {
        const published = await publish("shape", {
            Description: "shared libs",
            LicenseInfo: "MIT",
            CompatibleRuntimes: ["nodejs20.x", "nodejs22.x"],
            CompatibleArchitectures: ["arm64"],
        });
        expect(published.$metadata.httpStatusCode).to.equal(201);
        expect(published.LayerArn).to.equal(`arn:aws:lambda:us-west-2:${ACCOUNT_ID}:layer:shape`);
        expect(published.LayerVersionArn).to.equal(`arn:aws:lambda:us-west-2:${ACCOUNT_ID}:layer:shape:1`);
        expect(published.Version).to.equal(1);
        expect(published.Description).to.equal("shared libs");
        expect(published.LicenseInfo).to.equal("MIT");
        expect(published.CompatibleRuntimes).to.deep.equal(["nodejs20.x", "nodejs22.x"]);
        expect(published.CompatibleArchitectures).to.deep.equal(["arm64"]);
        expect(published.CreatedDate).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
        expect(published.Content?.CodeSha256).to.equal(sha256Base64(zip));
        expect(published.Content?.CodeSize).to.equal(zip.length);
        expect(published.Content?.Location?.startsWith(`${emulator.endpoint}/`)).to.equal(true);
        const downloaded = await download(published.Content?.Location as string);
        expect(downloaded.status).to.equal(200);
        expect(downloaded.bytes.equals(zip)).to.equal(true);
    });

    it("leaves out what was not given, except Description, which is empty", async () => {
        const published = await publish("bare");
        expect(published.Description).to.equal("");
        expect(published).to.not.have.any.keys("LicenseInfo", "CompatibleRuntimes", "CompatibleArchitectures");
    });

    it("numbers versions per layer and never reuses the number of a deleted version", async () => {
        expect((await publish("count-a")).Version).to.equal(1);
        expect((await publish("count-a")).Version).to.equal(2);
        expect((await publish("count-b")).Version).to.equal(1);
        await lambda.send(new DeleteLayerVersionCommand({ LayerName: "count-a", VersionNumber: 2 }));
        expect((await publish("count-a")).Version).to.equal(3);
        await lambda.send(new DeleteLayerVersionCommand({ LayerName: "count-b", VersionNumber: 1 }));
        expect((await publish("count-b")).Version).to.equal(2);
    });

    it("gets a version by name, by layer ARN and by version ARN, with a fresh download link", async () => {
        const published = await publish("getter", { Description: "d", CompatibleRuntimes: ["python3.12"] });
        const byName = await lambda.send(new GetLayerVersionCommand({ LayerName: "getter", VersionNumber: 1 }));
        const byLayerArn = await lambda.send(
            new GetLayerVersionCommand({ LayerName: published.LayerArn, VersionNumber: 1 }),
        );
        const byArn = await lambda.send(new GetLayerVersionByArnCommand({ Arn: published.LayerVersionArn }));
        for (const answer of [byName, byLayerArn, byArn]) {
            expect(answer.$metadata.httpStatusCode).to.equal(200);
            const { $metadata: _metadata, Content, ...rest } = answer;
            const { $metadata: _published, Content: publishedContent, ...expected } = published;
            expect(rest).to.deep.equal(expected);
            expect(Content?.CodeSha256).to.equal(publishedContent?.CodeSha256);
            expect(Content?.CodeSize).to.equal(publishedContent?.CodeSize);
            expect((await download(Content?.Location as string)).bytes.equals(zip)).to.equal(true);
        }
    });

    it("lists a layer's versions newest first, filtered by runtime and architecture, page by page", async () => {
        const runtimes: Runtime[][] = [
            ["nodejs20.x"],
            ["python3.12"],
            ["nodejs20.x", "python3.12"],
            ["nodejs20.x"],
            ["python3.12"],
        ];
        for (const [index, compatible] of runtimes.entries()) {
            await publish("listed", {
                CompatibleRuntimes: compatible,
                CompatibleArchitectures: [index % 2 ? "arm64" : "x86_64"],
            });
        }
        const all = await listAllVersions({ LayerName: "listed", MaxItems: 2 });
        expect(all.versions).to.deep.equal([5, 4, 3, 2, 1]);
        expect(all.pages).to.equal(3);
        expect(
            (await listAllVersions({ LayerName: "listed", CompatibleRuntime: "nodejs20.x" })).versions,
        ).to.deep.equal([4, 3, 1]);
        expect(
            (await listAllVersions({ LayerName: "listed", CompatibleArchitecture: "arm64" })).versions,
        ).to.deep.equal([4, 2]);
        const both = {
            LayerName: "listed",
            CompatibleRuntime: "python3.12" as const,
            CompatibleArchitecture: "x86_64" as const,
        };
        expect((await listAllVersions(both)).versions).to.deep.equal([5, 3]);

        const firstPage = await lambda.send(new ListLayerVersionsCommand({ LayerName: "listed", MaxItems: 1 }));
        expect(firstPage.LayerVersions?.[0]).to.have.all.keys(
            "LayerVersionArn",
            "Version",
            "Description",
            "CreatedDate",
            "CompatibleRuntimes",
            "CompatibleArchitectures",
        );
        expect(firstPage.LayerVersions?.[0].LayerVersionArn).to.equal(
            `arn:aws:lambda:us-west-2:${ACCOUNT_ID}:layer:listed:5`,
        );
    });

    it("pages on after the marker even when the item it points at was deleted", async () => {
        for (let i = 0; i < 4; i++) await publish("paged-delete");
        const first = await lambda.send(new ListLayerVersionsCommand({ LayerName: "paged-delete", MaxItems: 2 }));
        await lambda.send(new DeleteLayerVersionCommand({ LayerName: "paged-delete", VersionNumber: 3 }));
        const second = await lambda.send(
            new ListLayerVersionsCommand({ LayerName: "paged-delete", MaxItems: 2, Marker: first.NextMarker }),
        );
        expect(second.LayerVersions?.map((item) => item.Version)).to.deep.equal([2, 1]);
        expect(second.NextMarker).to.equal(undefined);
    });

    it("lists no versions for a layer that has none", async () => {
        const answer = await lambda.send(new ListLayerVersionsCommand({ LayerName: "never-published" }));
        expect(answer.LayerVersions).to.deep.equal([]);
    });

    it("lists the region's layers with their latest matching version, by name, page by page", async () => {
        const other = lambdaClient(emulator.endpoint, { region: "ap-south-1" });
        const publishThere = (name: string, runtimes: Runtime[]) =>
            other.send(
                new PublishLayerVersionCommand({
                    LayerName: name,
                    Content: { ZipFile: zip },
                    CompatibleRuntimes: runtimes,
                }),
            );
        await publishThere("zeta", ["java21"]);
        await publishThere("alpha", ["java21"]);
        await publishThere("alpha", ["ruby3.3"]);
        await publishThere("gone", ["java21"]);
        await other.send(new DeleteLayerVersionCommand({ LayerName: "gone", VersionNumber: 1 }));

        const layers = [];
        let marker: string | undefined;
        do {
            const page = await other.send(new ListLayersCommand({ MaxItems: 1, Marker: marker }));
            layers.push(...(page.Layers ?? []));
            marker = page.NextMarker;
        } while (marker);
        expect(layers.map((layer) => [layer.LayerName, layer.LatestMatchingVersion?.Version])).to.deep.equal([
            ["alpha", 2],
            ["zeta", 1],
        ]);
        expect(layers[0].LayerArn).to.equal(`arn:aws:lambda:ap-south-1:${ACCOUNT_ID}:layer:alpha`);
        expect(layers[0].LatestMatchingVersion?.LayerVersionArn).to.equal(
            `arn:aws:lambda:ap-south-1:${ACCOUNT_ID}:layer:alpha:2`,
        );

        const java = await other.send(new ListLayersCommand({ CompatibleRuntime: "java21" }));
        expect(java.Layers?.map((layer) => [layer.LayerName, layer.LatestMatchingVersion?.Version])).to.deep.equal([
            ["alpha", 1],
            ["zeta", 1],
        ]);
        const elsewhere = lambdaClient(emulator.endpoint, { region: "sa-east-1" });
        expect((await elsewhere.send(new ListLayersCommand({}))).Layers).to.deep.equal([]);
    });

    it("keeps each region's layers apart, reading the region from the request's signature", async () => {
        const paris = lambdaClient(emulator.endpoint, { region: "eu-west-3" });
        const published = await paris.send(
            new PublishLayerVersionCommand({ LayerName: "regional", Content: { ZipFile: zip } }),
        );
        expect(published.LayerVersionArn).to.equal(`arn:aws:lambda:eu-west-3:${ACCOUNT_ID}:layer:regional:1`);
        const error = await rejectionOf(
            lambda.send(new GetLayerVersionCommand({ LayerName: "regional", VersionNumber: 1 })),
        );
        expect(error).to.be.instanceOf(ResourceNotFoundException);
    });

    it("answers an unsigned request for us-east-1", async () => {
        const response = await fetch(`${emulator.endpoint}/2018-10-31/layers/unsigned/versions`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ Content: { ZipFile: zip.toString("base64") } }),
        });
        expect(response.status).to.equal(201);
        expect(((await response.json()) as { LayerVersionArn: string }).LayerVersionArn).to.equal(
            `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:layer:unsigned:1`,
        );
    });

    it("deletes with 204, and deleting what does not exist also succeeds, as in AWS", async () => {
        await publish("deleted");
        const deleted = await lambda.send(new DeleteLayerVersionCommand({ LayerName: "deleted", VersionNumber: 1 }));
        expect(deleted.$metadata.httpStatusCode).to.equal(204);
        const error = await rejectionOf(
            lambda.send(new GetLayerVersionCommand({ LayerName: "deleted", VersionNumber: 1 })),
        );
        expect(error).to.be.instanceOf(ResourceNotFoundException);
        const again = await lambda.send(new DeleteLayerVersionCommand({ LayerName: "deleted", VersionNumber: 1 }));
        expect(again.$metadata.httpStatusCode).to.equal(204);
        const neverExisted = await lambda.send(
            new DeleteLayerVersionCommand({ LayerName: "no-such-layer", VersionNumber: 7 }),
        );
        expect(neverExisted.$metadata.httpStatusCode).to.equal(204);
    });

    it("writes permission statements as AWS does and returns the policy document with its revision", async () => {
        const published = await publish("shared");
        const versionArn = published.LayerVersionArn as string;
        const grant = (StatementId: string, Principal: string, OrganizationId?: string) =>
            lambda.send(
                new AddLayerVersionPermissionCommand({
                    LayerName: "shared",
                    VersionNumber: 1,
                    StatementId,
                    Action: "lambda:GetLayerVersion",
                    Principal,
                    OrganizationId,
                }),
            );
        const account = await grant("account", "210987654321");
        expect(account.$metadata.httpStatusCode).to.equal(201);
        expect(account.RevisionId).to.match(UUID);
        const accountStatement = {
            Sid: "account",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::210987654321:root" },
            Action: "lambda:GetLayerVersion",
            Resource: versionArn,
        };
        expect(account.Statement).to.equal(JSON.stringify(accountStatement));

        const organization = await grant("org", "*", "o-a1b2c3d4e5");
        const organizationStatement = {
            Sid: "org",
            Effect: "Allow",
            Principal: "*",
            Action: "lambda:GetLayerVersion",
            Resource: versionArn,
            Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
        };
        expect(JSON.parse(organization.Statement as string)).to.deep.equal(organizationStatement);
        const root = await grant("root-arn", "arn:aws:iam::111122223333:root");
        expect(JSON.parse(root.Statement as string).Principal).to.deep.equal({ AWS: "arn:aws:iam::111122223333:root" });
        expect(new Set([account.RevisionId, organization.RevisionId, root.RevisionId]).size).to.equal(3);

        const policy = await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: "shared", VersionNumber: 1 }));
        expect(policy.$metadata.httpStatusCode).to.equal(200);
        expect(policy.RevisionId).to.equal(root.RevisionId);
        expect(JSON.parse(policy.Policy as string)).to.deep.equal({
            Version: "2012-10-17",
            Id: "default",
            Statement: [accountStatement, organizationStatement, JSON.parse(root.Statement as string)],
        });
    });

    it("removes statements with 204 and a new revision; removing the last leaves no policy", async () => {
        await publish("revoked");
        const add = (StatementId: string, RevisionId?: string) =>
            lambda.send(
                new AddLayerVersionPermissionCommand({
                    LayerName: "revoked",
                    VersionNumber: 1,
                    StatementId,
                    Action: "lambda:GetLayerVersion",
                    Principal: "*",
                    RevisionId,
                }),
            );
        const first = await add("one");
        const second = await add("two", first.RevisionId);
        const removed = await lambda.send(
            new RemoveLayerVersionPermissionCommand({
                LayerName: "revoked",
                VersionNumber: 1,
                StatementId: "one",
                RevisionId: second.RevisionId,
            }),
        );
        expect(removed.$metadata.httpStatusCode).to.equal(204);
        const policy = await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: "revoked", VersionNumber: 1 }));
        expect(JSON.parse(policy.Policy as string).Statement.map((s: { Sid: string }) => s.Sid)).to.deep.equal(["two"]);
        expect(policy.RevisionId).to.match(UUID).and.not.equal(second.RevisionId);

        await lambda.send(
            new RemoveLayerVersionPermissionCommand({ LayerName: "revoked", VersionNumber: 1, StatementId: "two" }),
        );
        const error = await rejectionOf(
            lambda.send(new GetLayerVersionPolicyCommand({ LayerName: "revoked", VersionNumber: 1 })),
        );
        expect(error).to.be.instanceOf(ResourceNotFoundException);
        expect(error.$metadata.httpStatusCode).to.equal(404);
    });

    it("counts API requests per operation, and resets the counts", async () => {
        emulator.resetRequestCounts();
        await publish("counted");
        await lambda.send(new GetLayerVersionCommand({ LayerName: "counted", VersionNumber: 1 }));
        await rejectionOf(lambda.send(new GetLayerVersionCommand({ LayerName: "counted", VersionNumber: 9 })));
        const published = await lambda.send(new GetLayerVersionCommand({ LayerName: "counted", VersionNumber: 1 }));
        await download(published.Content?.Location as string);
        expect(emulator.requestCounts()).to.deep.equal({ PublishLayerVersion: 1, GetLayerVersion: 3 });
        emulator.resetRequestCounts();
        expect(emulator.requestCounts()).to.deep.equal({});
    });

    async function listAllVersions(
        input: ListLayerVersionsCommandInput,
    ): Promise<{ versions: number[]; pages: number }> {
        const versions: number[] = [];
        let pages = 0;
        let marker: string | undefined;
        do {
            const page = await lambda.send(new ListLayerVersionsCommand({ ...input, Marker: marker }));
            versions.push(...(page.LayerVersions ?? []).map((item) => item.Version as number));
            marker = page.NextMarker;
            pages++;
        } while (marker);
        return { versions, pages };
    }
});
