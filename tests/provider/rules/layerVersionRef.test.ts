import { expect } from "chai";
import { bareLayerName, parseLayerVersionArn, regionOfLayerVersionArn } from "../../../provider/rules/layerVersionRef";
import { LAYER_NAME_PATTERN } from "../../../provider/rules/limits";

const LAYER_ARN = "arn:aws:lambda:eu-west-1:123456789012:layer:shared-deps";

describe("layer ARNs", () => {
    describe("parseLayerVersionArn", () => {
        it("splits a version ARN into the layer's ARN, its region and the version", () => {
            expect(parseLayerVersionArn(`${LAYER_ARN}:12`)).to.deep.equal({
                layerArn: LAYER_ARN,
                region: "eu-west-1",
                version: 12,
            });
        });

        it("takes other partitions, and whatever region the endpoint answered with", () => {
            expect(parseLayerVersionArn("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:layer:l:1")).to.include({
                region: "us-gov-west-1",
                layerArn: "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:layer:l",
            });
            expect(parseLayerVersionArn("arn:aws:lambda:local:123456789012:layer:l:1").region).to.equal("local");
        });

        for (const bad of [
            LAYER_ARN, // no version
            `${LAYER_ARN}:`,
            `${LAYER_ARN}:x`,
            `${LAYER_ARN}:1:2`,
            "arn:aws:lambda:eu-west-1:12345:layer:l:1", // not a 12-digit account
            "arn:aws:lambda:eu-west-1:123456789012:function:f:1",
            "arn:aws:lambda:eu-west-1:123456789012:layer:a.b:1",
            "shared-deps",
            "",
        ]) {
            it(`refuses ${JSON.stringify(bad)}, naming it`, () => {
                expect(() => parseLayerVersionArn(bad)).to.throw(`"${bad}" is not a Lambda layer version ARN`);
                expect(regionOfLayerVersionArn(bad)).to.equal(undefined);
            });
        }
    });

    it("regionOfLayerVersionArn: the region of a version ARN, undefined for none", () => {
        expect(regionOfLayerVersionArn(`${LAYER_ARN}:3`)).to.equal("eu-west-1");
        expect(regionOfLayerVersionArn(undefined)).to.equal(undefined);
    });

    it("bareLayerName: a layer ARN and its bare name are the same layer", () => {
        expect(bareLayerName(LAYER_ARN)).to.equal("shared-deps");
        expect(bareLayerName("shared-deps")).to.equal("shared-deps");
        // Not a layer ARN: the name as it is.
        expect(bareLayerName(`${LAYER_ARN}:3`)).to.equal(`${LAYER_ARN}:3`);
    });

    it("the layerName input: accepts layer names and ARNs in every partition and region form", () => {
        for (const name of [
            "my_layer-1",
            "arn:aws:lambda:us-east-1:123456789012:layer:my-layer",
            "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:layer:l",
            "arn:aws-iso-b:lambda:us-isob-east-1:123456789012:layer:l",
            "arn:aws-cn:lambda:cn-north-1:123456789012:layer:l",
        ]) {
            expect(LAYER_NAME_PATTERN.test(name), name).to.equal(true);
        }
        for (const name of [
            "my.layer",
            "arn:aws:lambda:us-east-1:12345:layer:l",
            "arn:aws:lambda:us-east-1:123456789012:layer:l:3",
            "arn:aws:s3:us-east-1:123456789012:layer:l",
        ]) {
            expect(LAYER_NAME_PATTERN.test(name), name).to.equal(false);
        }
    });

    it("the layerName input takes a layer ARN only with a real region code", () => {
        expect(LAYER_NAME_PATTERN.test(LAYER_ARN)).to.equal(true);
        expect(LAYER_NAME_PATTERN.test("arn:aws:lambda:local:123456789012:layer:l")).to.equal(false);
        expect(LAYER_NAME_PATTERN.test(`${LAYER_ARN}:3`)).to.equal(false);
    });
});
