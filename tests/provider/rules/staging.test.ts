/** The pure rules of S3 staging: the input's validation, the defaults, the route a zip takes, the key. */
import { expect } from "chai";
import {
    chooseZipRoute,
    resolveStaging,
    sameStaging,
    stagingFailures,
    stagingKey,
    STAGING_PREFIX_MAX_BYTES,
} from "../../../provider/rules/staging";
import { validateInputs, normalizeInputs } from "../../../provider/rules/validation";
import { diffLayerVersion } from "../../../provider/rules/diff";
import { DIRECT_UPLOAD_MAX_ZIP_BYTES } from "../../../provider/rules/limits";
import { UNKNOWN } from "../../../provider/rules/unknowns";
import type { LayerVersionOutputs } from "../../../provider/types";

/** The failures of `staging` as check reports them, property and reason. */
function failuresOf(staging: unknown): Array<[string, string]> {
    return stagingFailures(staging).map((failure) => [failure.property, failure.reason]);
}

describe("staging rules", () => {
    describe("validation of the staging input", () => {
        it("accepts a bucket alone and every setting at once", () => {
            expect(failuresOf({ bucket: "my-staging-bucket" })).to.deep.equal([]);
            expect(
                failuresOf({
                    bucket: "deploy.artifacts-1",
                    prefix: "lambda-layers/",
                    mode: "always",
                    expectedBucketOwner: "123456789012",
                    serverSideEncryption: "aws:kms",
                    kmsKeyId: "alias/deploy",
                    storageClass: "INTELLIGENT_TIERING",
                    keepObject: true,
                }),
            ).to.deep.equal([]);
        });

        const refused: Array<[string, unknown, string, RegExp]> = [
            ["a missing bucket", {}, "staging.bucket", /is required/],
            ["an uppercase bucket", { bucket: "My-Bucket" }, "staging.bucket", /lowercase letters/],
            ["a two-letter bucket", { bucket: "ab" }, "staging.bucket", /is 2 characters; S3 allows 3-63/],
            ["a 64-letter bucket", { bucket: "a".repeat(64) }, "staging.bucket", /is 64 characters/],
            [
                "a bucket ending with a dash",
                { bucket: "bucket-" },
                "staging.bucket",
                /start and end with a letter or digit/,
            ],
            ["adjacent periods", { bucket: "my..bucket" }, "staging.bucket", /two adjacent periods/],
            ["an IP address", { bucket: "192.168.5.4" }, "staging.bucket", /IP address/],
            ["a reserved prefix", { bucket: "xn--bucket" }, "staging.bucket", /"xn--", which S3 reserves/],
            ["a reserved suffix", { bucket: "bucket-s3alias" }, "staging.bucket", /"-s3alias", which S3 reserves/],
            ["a prefix starting with /", { bucket: "abc", prefix: "/layers/" }, "staging.prefix", /starts with \//],
            ["a prefix with ..", { bucket: "abc", prefix: "a/../b/" }, "staging.prefix", /\.\. segment/],
            ["a prefix with //", { bucket: "abc", prefix: "a//b/" }, "staging.prefix", /contains \/\//],
            [
                "a prefix too long for the key",
                { bucket: "abc", prefix: "p".repeat(STAGING_PREFIX_MAX_BYTES + 1) },
                "staging.prefix",
                new RegExp(`at most ${STAGING_PREFIX_MAX_BYTES} leave room in S3's 1024-byte key`),
            ],
            [
                "an unknown mode",
                { bucket: "abc", mode: "sometimes" },
                "staging.mode",
                /"sometimes" is not a staging mode; it must be one of: auto, always, never/,
            ],
            [
                "an 11-digit owner",
                { bucket: "abc", expectedBucketOwner: "12345678901" },
                "staging.expectedBucketOwner",
                /not a 12-digit AWS account id/,
            ],
            [
                "an unknown encryption",
                { bucket: "abc", serverSideEncryption: "aws:kms:dsse" },
                "staging.serverSideEncryption",
                /must be one of: AES256, aws:kms/,
            ],
            [
                "kmsKeyId with AES256",
                { bucket: "abc", serverSideEncryption: "AES256", kmsKeyId: "k" },
                "staging.kmsKeyId",
                /only allowed with serverSideEncryption "aws:kms"/,
            ],
            [
                "kmsKeyId alone",
                { bucket: "abc", kmsKeyId: "k" },
                "staging.kmsKeyId",
                /needs serverSideEncryption "aws:kms"/,
            ],
            [
                "an archive storage class",
                { bucket: "abc", storageClass: "GLACIER" },
                "staging.storageClass",
                /"GLACIER" is not a storage class Lambda can read at once/,
            ],
            [
                "keepObject as a string",
                { bucket: "abc", keepObject: "yes" },
                "staging.keepObject",
                /must be true or false/,
            ],
            [
                "a misspelt field",
                { bucket: "abc", bukket: "x" },
                "staging.bukket",
                /the accepted names are: bucket, prefix/,
            ],
        ];
        for (const [what, staging, property, reason] of refused) {
            it(`refuses ${what}, naming ${property}`, () => {
                const failures = failuresOf(staging);
                expect(failures.map(([at]) => at)).to.deep.equal([property]);
                expect(failures[0][1]).to.match(reason);
                expect(failures[0][1].startsWith(property), "the reason names the property").to.equal(true);
            });
        }

        it("is part of check's validation, and skips unknown fields", () => {
            const failures = validateInputs({ layerName: "l", zipFile: "a.zip", staging: { bucket: "B" } });
            expect(failures.map((failure) => failure.property)).to.deep.equal(["staging.bucket"]);
            expect(stagingFailures({ bucket: UNKNOWN, kmsKeyId: "k", serverSideEncryption: UNKNOWN })).to.deep.equal(
                [],
            );
            expect(failuresOf("my-bucket")).to.deep.equal([
                ["staging", 'staging must be an object such as { bucket: "my-staging-bucket" }'],
            ]);
        });

        it("drops absent fields when the inputs are normalized", () => {
            const inputs = normalizeInputs({
                layerName: "l",
                zipFile: "a.zip",
                staging: { bucket: "abc", prefix: null },
            });
            expect(inputs.staging).to.deep.equal({ bucket: "abc" });
        });
    });

    describe("defaults", () => {
        it("takes the input first, then the stack config's bucket and prefix, with mode auto", () => {
            expect(resolveStaging(undefined, {})).to.equal(undefined);
            expect(resolveStaging(undefined, { bucket: "conf-bucket", prefix: "layers/" })).to.deep.equal({
                bucket: "conf-bucket",
                prefix: "layers/",
                mode: "auto",
                origin: "pulumi-lambda-layer:stagingBucket",
            });
            expect(
                resolveStaging({ bucket: "own", mode: "always" }, { bucket: "conf-bucket", prefix: "p/" }),
            ).to.deep.equal({
                bucket: "own",
                prefix: "p/",
                mode: "always",
                origin: "staging",
            });
        });

        it("refuses a stack config bucket that breaks the rules, naming the config key", () => {
            expect(() => resolveStaging(undefined, { bucket: "Bad_Bucket" })).to.throw(
                /pulumi-lambda-layer:stagingBucket "Bad_Bucket" must hold only lowercase letters/,
            );
            expect(() => resolveStaging(undefined, { bucket: "ok-bucket", prefix: "/x" })).to.throw(
                /pulumi-lambda-layer:stagingPrefix "\/x" starts with \//,
            );
        });
    });

    describe("the route of a zip", () => {
        const staging = resolveStaging({ bucket: "abc" }, {})!;
        const limit = DIRECT_UPLOAD_MAX_ZIP_BYTES;

        it("auto: inline up to the direct-upload limit, through S3 above it", () => {
            expect(chooseZipRoute(limit, staging)).to.deep.equal({ route: "inline" });
            expect(chooseZipRoute(limit + 1, staging)).to.deep.equal({ route: "s3", staging });
        });

        it("always: through S3 whatever the size; never: inline only", () => {
            const always = { ...staging, mode: "always" as const };
            expect(chooseZipRoute(10, always)).to.deep.equal({ route: "s3", staging: always });
            const never = { ...staging, mode: "never" as const };
            expect(chooseZipRoute(limit, never)).to.deep.equal({ route: "inline" });
            const refused = chooseZipRoute(limit + 1, never);
            expect(refused.route).to.equal("refused");
            expect(refused.route === "refused" && refused.reason).to.match(
                /staging\.mode is "never": set staging\.mode to "auto"/,
            );
        });

        it("without a bucket, refuses a zip over the limit naming `staging` and the stack config key", () => {
            const refused = chooseZipRoute(limit + 1, undefined);
            expect(refused.route).to.equal("refused");
            const reason = refused.route === "refused" ? refused.reason : "";
            expect(reason).to.include(`the zip is ${limit + 1} bytes, over the ${limit}-byte limit`);
            expect(reason).to.include("`staging`");
            expect(reason).to.include("pulumi config set pulumi-lambda-layer:stagingBucket <bucket>");
            expect(reason).to.include("nothing was uploaded or published");
            expect(chooseZipRoute(limit, undefined)).to.deep.equal({ route: "inline" });
        });
    });

    it("names the staged object by prefix, layer name and the zip's sha256", () => {
        const hex = "ab".repeat(32);
        expect(stagingKey("", "deps", hex)).to.equal(`deps/${hex}.zip`);
        expect(stagingKey("ci/layers/", "arn:aws:lambda:us-east-1:123456789012:layer:deps", hex)).to.equal(
            `ci/layers/deps/${hex}.zip`,
        );
    });

    describe("diff", () => {
        const olds = {
            layerName: "l",
            sourceHash: "h",
            staging: { bucket: "abc" },
            arn: "arn:aws:lambda:us-east-1:123456789012:layer:l:1",
        } as LayerVersionOutputs;

        it("a staging change is an in-place update, never a replacement", () => {
            const diff = diffLayerVersion(olds, { layerName: "l", sourceHash: "h", staging: { bucket: "other" } });
            expect(diff).to.deep.equal({ changes: true, replaces: [], deleteBeforeReplace: false });
            const dropped = diffLayerVersion(olds, { layerName: "l", sourceHash: "h" });
            expect(dropped.changes).to.equal(true);
            expect(dropped.replaces).to.deep.equal([]);
        });

        it("spelling out the defaults is no change", () => {
            const diff = diffLayerVersion(olds, {
                layerName: "l",
                sourceHash: "h",
                staging: { bucket: "abc", prefix: "", mode: "auto", keepObject: false },
            });
            expect(diff.changes).to.equal(false);
            expect(sameStaging(undefined, undefined)).to.equal(true);
            expect(sameStaging({ bucket: "abc" }, undefined)).to.equal(false);
        });
    });
});
