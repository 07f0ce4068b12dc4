/**
 * Every error the emulator answers, as the real @aws-sdk/client-lambda raises it: the exception
 * class, the HTTP status, and the message. Also the raw wire shape the SDK's deserializer relies on.
 */
import {
    AddLayerVersionPermissionCommand,
    type AddLayerVersionPermissionCommandInput,
    CodeStorageExceededException,
    GetLayerVersionByArnCommand,
    GetLayerVersionCommand,
    GetLayerVersionPolicyCommand,
    InvalidParameterValueException,
    type LambdaClient,
    LambdaServiceException,
    ListLayersCommand,
    ListLayerVersionsCommand,
    PolicyLengthExceededException,
    PreconditionFailedException,
    PublishLayerVersionCommand,
    type PublishLayerVersionCommandInput,
    RemoveLayerVersionPermissionCommand,
    ResourceConflictException,
    ResourceNotFoundException,
} from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { ACCOUNT_ID, lambdaClient, makeYazlZip, makeZip, rejectionOf, type SdkError } from "../helpers/emulator";

describe("emulator: errors as @aws-sdk/client-lambda raises them", () => {
    let emulator: RunningEmulator;
    let lambda: LambdaClient;
    let zip: Buffer;

    before(async () => {
        emulator = await startEmulator();
        lambda = lambdaClient(emulator.endpoint, { region: "eu-north-1" });
        zip = await makeZip({ "python/lib.py": "VALUE = 1\n" });
        await publish("errors");
    });
    after(() => emulator.close());

    const publish = (LayerName: string, extra: Partial<PublishLayerVersionCommandInput> = {}) =>
        lambda.send(new PublishLayerVersionCommand({ LayerName, Content: { ZipFile: zip }, ...extra }));
    const grant = (extra: Partial<AddLayerVersionPermissionCommandInput>) =>
        lambda.send(
            new AddLayerVersionPermissionCommand({
                LayerName: "errors",
                VersionNumber: 1,
                StatementId: "grant",
                Action: "lambda:GetLayerVersion",
                Principal: "*",
                ...extra,
            }),
        );

    function expectError(error: SdkError, errorClass: abstract new (...args: never[]) => Error, status: number): void {
        expect(error).to.be.instanceOf(errorClass);
        expect(error.name).to.equal(errorClass.name);
        expect(error.$metadata.httpStatusCode).to.equal(status);
    }

    describe("ResourceNotFoundException (404)", () => {
        it("for a version that does not exist, naming its ARN", async () => {
            const error = await rejectionOf(
                lambda.send(new GetLayerVersionCommand({ LayerName: "errors", VersionNumber: 99 })),
            );
            expectError(error, ResourceNotFoundException, 404);
            expect(error.message).to.equal(
                `Layer version arn:aws:lambda:eu-north-1:${ACCOUNT_ID}:layer:errors:99 does not exist.`,
            );
            expect(error.$fault).to.equal("client");
        });

        it("for GetLayerVersionByArn of a missing version", async () => {
            const arn = `arn:aws:lambda:eu-north-1:${ACCOUNT_ID}:layer:missing:1`;
            expectError(
                await rejectionOf(lambda.send(new GetLayerVersionByArnCommand({ Arn: arn }))),
                ResourceNotFoundException,
                404,
            );
        });

        it("for a layer ARN of another account or region", async () => {
            for (const LayerName of [
                "arn:aws:lambda:eu-north-1:999999999999:layer:errors",
                `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:layer:errors`,
            ]) {
                const error = await rejectionOf(
                    lambda.send(new GetLayerVersionCommand({ LayerName, VersionNumber: 1 })),
                );
                expectError(error, ResourceNotFoundException, 404);
                expect(error.message).to.contain(LayerName);
            }
        });

        it("for the policy of a version without one, and of a missing version", async () => {
            await publish("no-policy");
            const noPolicy = await rejectionOf(
                lambda.send(new GetLayerVersionPolicyCommand({ LayerName: "no-policy", VersionNumber: 1 })),
            );
            expectError(noPolicy, ResourceNotFoundException, 404);
            expect(noPolicy.message).to.equal("No policy is associated with the given resource.");
            const noVersion = await rejectionOf(
                lambda.send(new GetLayerVersionPolicyCommand({ LayerName: "no-policy", VersionNumber: 42 })),
            );
            expectError(noVersion, ResourceNotFoundException, 404);
        });

        it("for a permission on a missing version, and for removing a statement that is not there", async () => {
            expectError(await rejectionOf(grant({ VersionNumber: 42 })), ResourceNotFoundException, 404);
            const error = await rejectionOf(
                lambda.send(
                    new RemoveLayerVersionPermissionCommand({
                        LayerName: "errors",
                        VersionNumber: 1,
                        StatementId: "absent",
                    }),
                ),
            );
            expectError(error, ResourceNotFoundException, 404);
            expect(error.message).to.contain("absent");
        });
    });

    it("ResourceConflictException (409) for a statement id already in the policy", async () => {
        await grant({ StatementId: "twice" });
        const error = await rejectionOf(grant({ StatementId: "twice", Principal: "210987654321" }));
        expectError(error, ResourceConflictException, 409);
        expect(error.message).to.contain("(twice) provided already exists");
    });

    it("PreconditionFailedException (412) for a stale RevisionId, changing nothing", async () => {
        await publish("revisions");
        const first = await lambda.send(
            new AddLayerVersionPermissionCommand({
                LayerName: "revisions",
                VersionNumber: 1,
                StatementId: "first",
                Action: "lambda:GetLayerVersion",
                Principal: "*",
            }),
        );
        await lambda.send(
            new AddLayerVersionPermissionCommand({
                LayerName: "revisions",
                VersionNumber: 1,
                StatementId: "second",
                Action: "lambda:GetLayerVersion",
                Principal: "*",
            }),
        );
        const before = await lambda.send(
            new GetLayerVersionPolicyCommand({ LayerName: "revisions", VersionNumber: 1 }),
        );
        const staleAdd = await rejectionOf(
            lambda.send(
                new AddLayerVersionPermissionCommand({
                    LayerName: "revisions",
                    VersionNumber: 1,
                    StatementId: "third",
                    Action: "lambda:GetLayerVersion",
                    Principal: "*",
                    RevisionId: first.RevisionId,
                }),
            ),
        );
        expectError(staleAdd, PreconditionFailedException, 412);
        const staleRemove = await rejectionOf(
            lambda.send(
                new RemoveLayerVersionPermissionCommand({
                    LayerName: "revisions",
                    VersionNumber: 1,
                    StatementId: "first",
                    RevisionId: first.RevisionId,
                }),
            ),
        );
        expectError(staleRemove, PreconditionFailedException, 412);
        const after = await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: "revisions", VersionNumber: 1 }));
        expect(after.Policy).to.equal(before.Policy);
        expect(after.RevisionId).to.equal(before.RevisionId);
    });

    it("PolicyLengthExceededException (400) once the policy would pass 20,480 characters", async () => {
        await publish("crowded");
        let error: SdkError | undefined;
        let granted = 0;
        while (!error) {
            try {
                await lambda.send(
                    new AddLayerVersionPermissionCommand({
                        LayerName: "crowded",
                        VersionNumber: 1,
                        StatementId: `${"s".repeat(90)}${granted}`,
                        Action: "lambda:GetLayerVersion",
                        Principal: "210987654321",
                    }),
                );
                granted++;
            } catch (caught) {
                error = caught as SdkError;
            }
        }
        expectError(error, PolicyLengthExceededException, 400);
        const policy = await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: "crowded", VersionNumber: 1 }));
        expect(policy.Policy?.length).to.be.at.most(20480);
        expect(JSON.parse(policy.Policy as string).Statement).to.have.length(granted);
    });

    it("CodeStorageExceededException (400) when the region's archives would pass the storage limit", async () => {
        const small = await startEmulator({ codeStorageLimitBytes: zip.length * 2 });
        try {
            const client = lambdaClient(small.endpoint);
            const send = () =>
                client.send(new PublishLayerVersionCommand({ LayerName: "full", Content: { ZipFile: zip } }));
            await send();
            await send();
            expectError(await rejectionOf(send()), CodeStorageExceededException, 400);
        } finally {
            await small.close();
        }
    });

    describe("InvalidParameterValueException (400)", () => {
        it("for an archive that does not unzip", async () => {
            const error = await rejectionOf(
                lambda.send(
                    new PublishLayerVersionCommand({
                        LayerName: "broken",
                        Content: { ZipFile: Buffer.from("not a zip at all") },
                    }),
                ),
            );
            expectError(error, InvalidParameterValueException, 400);
            expect(error.message).to.equal(
                "Could not unzip uploaded file. Please check your file, then try to upload again.",
            );
        });

        it("for content that unzips to more than 262,144,000 bytes, judged from the zip's directory", async () => {
            const mebibyteOfZeros = Buffer.alloc(1 << 20);
            const entries = (count: number) =>
                Array.from({ length: count }, (_, i) => ({ name: `f${i}`, content: mebibyteOfZeros }));
            // 250 MiB is exactly the limit; one MiB more is over it.
            const atLimit = await makeYazlZip(entries(250), true);
            const overLimit = await makeYazlZip(entries(251), true);
            expect((await publish("huge", { Content: { ZipFile: atLimit } })).Version).to.equal(1);
            const error = await rejectionOf(publish("huge", { Content: { ZipFile: overLimit } }));
            expectError(error, InvalidParameterValueException, 400);
            expect(error.message).to.equal("Unzipped size must be smaller than 262144000 bytes");
        });

        it("for S3 content in a bucket that does not exist, with the words of Lambda's GetObject error", async () => {
            const error = await rejectionOf(
                lambda.send(
                    new PublishLayerVersionCommand({
                        LayerName: "from-s3",
                        Content: { S3Bucket: "my-bucket", S3Key: "layer.zip" },
                    }),
                ),
            );
            expectError(error, InvalidParameterValueException, 400);
            expect(error.message).to.equal(
                "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist",
            );
        });

        it("for content without a ZipFile", async () => {
            const error = await rejectionOf(
                lambda.send(new PublishLayerVersionCommand({ LayerName: "empty", Content: {} })),
            );
            expectError(error, InvalidParameterValueException, 400);
            expect(error.message).to.contain("ZipFile");
        });

        it("for an OrganizationId with a principal other than *", async () => {
            const error = await rejectionOf(
                grant({ StatementId: "org", Principal: "210987654321", OrganizationId: "o-a1b2c3d4e5" }),
            );
            expectError(error, InvalidParameterValueException, 400);
            expect(error.message).to.contain("OrganizationId");
        });

        it("for a Marker this API did not hand out", async () => {
            const error = await rejectionOf(
                lambda.send(new ListLayerVersionsCommand({ LayerName: "errors", Marker: "bogus" })),
            );
            expectError(error, InvalidParameterValueException, 400);
        });
    });

    describe("ValidationException (400): a member outside its documented length, pattern, range or enum", () => {
        // AWS's request validation answers these with ValidationException, which the Lambda model does not
        // declare: the SDK raises a LambdaServiceException whose name is ValidationException.
        const cases: Array<{ member: string; call: () => Promise<unknown>; constraint: string }> = [
            { member: "layerName", call: () => publish("has space"), constraint: "regular expression pattern" },
            {
                member: "layerName",
                call: () => publish("x".repeat(141)),
                constraint: "length less than or equal to 140",
            },
            {
                member: "description",
                call: () => publish("v", { Description: "d".repeat(257) }),
                constraint: "length less than or equal to 256",
            },
            {
                member: "licenseInfo",
                call: () => publish("v", { LicenseInfo: "l".repeat(513) }),
                constraint: "length less than or equal to 512",
            },
            {
                member: "compatibleRuntimes",
                call: () => publish("v", { CompatibleRuntimes: Array(16).fill("nodejs20.x") }),
                constraint: "length less than or equal to 15",
            },
            {
                member: "compatibleRuntimes",
                call: () => publish("v", { CompatibleRuntimes: ["cobol85" as never] }),
                constraint: "enum value set",
            },
            {
                member: "compatibleArchitectures",
                call: () => publish("v", { CompatibleArchitectures: ["x86_64", "arm64", "x86_64"] }),
                constraint: "length less than or equal to 2",
            },
            {
                member: "compatibleArchitectures",
                call: () => publish("v", { CompatibleArchitectures: ["riscv" as never] }),
                constraint: "enum value set",
            },
            {
                member: "statementId",
                call: () => grant({ StatementId: "no spaces!" }),
                constraint: "regular expression pattern",
            },
            {
                member: "statementId",
                call: () => grant({ StatementId: "s".repeat(101) }),
                constraint: "length less than or equal to 100",
            },
            {
                member: "action",
                call: () => grant({ Action: "lambda:InvokeFunction" }),
                constraint: "regular expression pattern",
            },
            {
                member: "principal",
                call: () => grant({ Principal: "12345" }),
                constraint: "regular expression pattern",
            },
            {
                member: "principal",
                call: () => grant({ Principal: "arn:aws:iam::210987654321:user/bob" }),
                constraint: "regular expression pattern",
            },
            {
                member: "organizationId",
                call: () => grant({ OrganizationId: "o-short" }),
                constraint: "regular expression pattern",
            },
            {
                member: "maxItems",
                call: () => lambda.send(new ListLayersCommand({ MaxItems: 0 })),
                constraint: "greater than or equal to 1",
            },
            {
                member: "maxItems",
                call: () => lambda.send(new ListLayerVersionsCommand({ LayerName: "errors", MaxItems: 51 })),
                constraint: "less than or equal to 50",
            },
            {
                member: "compatibleRuntime",
                call: () => lambda.send(new ListLayersCommand({ CompatibleRuntime: "cobol85" as never })),
                constraint: "enum value set",
            },
            {
                member: "arn",
                call: () =>
                    lambda.send(
                        new GetLayerVersionByArnCommand({
                            Arn: `arn:aws:lambda:eu-north-1:${ACCOUNT_ID}:layer:errors`,
                        }),
                    ),
                constraint: "regular expression pattern",
            },
        ];
        for (const { member, call, constraint } of cases) {
            it(`${member}: ${constraint}`, async () => {
                const error = await rejectionOf(call());
                expect(error).to.be.instanceOf(LambdaServiceException);
                expect(error.name).to.equal("ValidationException");
                expect(error.$metadata.httpStatusCode).to.equal(400);
                expect(error.message).to.match(/^1 validation error detected: Value .* at '/);
                expect(error.message).to.contain(`at '${member}' failed to satisfy constraint: Member must`);
                expect(error.message).to.contain(constraint);
            });
        }

        it("reports every violation of a request at once", async () => {
            const error = await rejectionOf(publish("bad name", { Description: "d".repeat(300) }));
            expect(error.name).to.equal("ValidationException");
            expect(error.message).to.match(/^2 validation errors detected: /);
            expect(error.message).to.contain("at 'layerName'").and.contain("at 'description'");
        });

        it("changes nothing", async () => {
            await rejectionOf(publish("validated", { Description: "d".repeat(300) }));
            expect((await publish("validated")).Version).to.equal(1);
        });
    });

    // The SDK never sends a malformed body, so these go over plain HTTP.
    describe("on the wire", () => {
        it("InvalidRequestContentException (400) for a body that is not JSON", async () => {
            const response = await fetch(`${emulator.endpoint}/2018-10-31/layers/raw/versions`, {
                method: "POST",
                body: "{not json",
            });
            expect(response.status).to.equal(400);
            expect(response.headers.get("x-amzn-ErrorType")).to.equal("InvalidRequestContentException");
            expect(((await response.json()) as { message: string }).message).to.match(
                /^Could not parse request body into json/,
            );
        });

        it("InvalidRequestContentException for a member of the wrong type", async () => {
            const response = await fetch(`${emulator.endpoint}/2018-10-31/layers/raw/versions`, {
                method: "POST",
                body: JSON.stringify({ Content: { ZipFile: zip.toString("base64") }, Description: 5 }),
            });
            expect(response.status).to.equal(400);
            expect(response.headers.get("x-amzn-ErrorType")).to.equal("InvalidRequestContentException");
            expect(((await response.json()) as { message: string }).message).to.contain("Description must be a string");
        });

        it("carries the type in x-amzn-ErrorType and Type/message in the body, as the Lambda model spells them", async () => {
            const missing = await fetch(`${emulator.endpoint}/2018-10-31/layers/errors/versions/77`);
            expect(missing.status).to.equal(404);
            expect(missing.headers.get("x-amzn-ErrorType")).to.equal("ResourceNotFoundException");
            expect(missing.headers.get("content-type")).to.equal("application/json");
            expect(missing.headers.get("x-amzn-RequestId")).to.match(/^[0-9a-f-]{36}$/);
            expect(await missing.json()).to.deep.equal({
                Type: "User",
                Message: `Layer version arn:aws:lambda:us-east-1:${ACCOUNT_ID}:layer:errors:77 does not exist.`,
            });
            const invalid = await fetch(`${emulator.endpoint}/2018-10-31/layers/errors/versions?MaxItems=99`);
            expect(invalid.headers.get("x-amzn-ErrorType")).to.equal("ValidationException");
            expect(Object.keys((await invalid.json()) as object)).to.deep.equal(["Type", "message"]);
        });

        it("answers 404 UnknownOperationException for anything that is not a layer operation", async () => {
            const response = await fetch(`${emulator.endpoint}/2015-03-31/functions`);
            expect(response.status).to.equal(404);
            expect(response.headers.get("x-amzn-ErrorType")).to.equal("UnknownOperationException");
        });
    });
});
