import { expect } from "chai";
import { closestName, editDistance } from "../../../provider/rules/suggestions";

describe("editDistance", () => {
    const CASES: [string, string, number][] = [
        ["", "", 0],
        ["abc", "", 3],
        ["descripton", "description", 1],
        ["licenesInfo", "licenseInfo", 1],
        ["Nodejs20.X", "nodejs20.x", 0],
        ["kitten", "sitting", 3],
        ["ab", "ba", 1],
    ];
    for (const [a, b, distance] of CASES) {
        it(`${JSON.stringify(a)} -> ${JSON.stringify(b)}: ${distance}`, () => {
            expect(editDistance(a, b)).to.equal(distance);
            expect(editDistance(b, a)).to.equal(distance);
        });
    }
});

describe("closestName", () => {
    const RUNTIMES = ["nodejs", "nodejs20.x", "nodejs22.x", "python3.12", "python3.13", "provided.al2023"];
    it("picks the nearest name, on a tie the one with the longest common start", () => {
        expect(closestName("nodejs22", RUNTIMES)).to.equal("nodejs22.x");
        expect(closestName("nodejs2.x", RUNTIMES)).to.equal("nodejs20.x");
        expect(closestName("python313", RUNTIMES)).to.equal("python3.13");
        expect(closestName("provided.al2", RUNTIMES)).to.equal("provided.al2023");
    });

    it("suggests nothing when every name is far", () => {
        expect(closestName("cobol85", RUNTIMES)).to.equal(undefined);
        expect(closestName("go", RUNTIMES)).to.equal(undefined);
    });

    it("knows the other names of the architectures", () => {
        expect(closestName("amd64", ["x86_64", "arm64"])).to.equal("x86_64");
        expect(closestName("AARCH64", ["x86_64", "arm64"])).to.equal("arm64");
        expect(closestName("amd64", ["nodejs22.x"])).to.equal(undefined);
    });
});
