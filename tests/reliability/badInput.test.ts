/**
 * Bad input is refused in `check` (so at `pulumi preview`), with a failure that names the property and,
 * in its reason, the limit or rule broken, and before any API call: the Lambda endpoint points at a
 * port whose listener counts connections, and none may come.
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import JSZip from "jszip";
import { ZipFile } from "yazl";
import { RUNTIMES } from "../../provider/rules/limits";
import type { InputFailure, LayerVersionInputs } from "../../provider/types";
import { copyProviderForOtherUsers } from "../helpers/copyForOtherUsers";
import { removeTempDirs, writeTree } from "../helpers/fileTrees";
import { provider, setEnvironment, tempDir } from "../helpers/reliability";

/** One bad input: the inputs, the property the failure must name, and what its reason must say. */
interface BadInput {
    name: string;
    news: () => Record<string, unknown>;
    property: string;
    reason: Array<string | RegExp>;
}

/** The trees and zips on disk that the cases point at. */
interface Fixtures {
    good: string;
    outside: string;
    file: string;
    missing: string;
    brokenLink: string;
    selfLoop: string;
    directoryLoop: string;
    escapingLink: string;
    fifo: string;
    backslashName: string;
    tooBigTree: string;
    notAZip: string;
    escapingZip: string;
    absoluteZip: string;
    oversizedZip: string;
    zipBomb: string;
}

const PERMISSION = { statementId: "partner", principal: "210987654321" };
const UNZIPPED_LIMIT = "262144000";

function casesFor(f: Fixtures): BadInput[] {
    const source = { path: f.good };
    const withPermission = (permission: Record<string, unknown>) => () => ({
        layerName: "bad",
        source,
        permissions: [permission],
    });
    const withContent = (content: Record<string, unknown>) => () => ({ layerName: "bad", ...content });
    return [
        {
            name: "layerName missing",
            news: () => ({ source }),
            property: "layerName",
            reason: ["is required", "1-140 characters"],
        },
        {
            name: "layerName empty",
            news: () => ({ layerName: "", source }),
            property: "layerName",
            reason: ["empty", "at least 1"],
        },
        {
            name: "layerName of 141 characters",
            news: () => ({ layerName: "x".repeat(141), source }),
            property: "layerName",
            reason: ["141 characters", "at most 140"],
        },
        {
            name: "layerName with a space and !",
            news: () => ({ layerName: "my layer!", source }),
            property: "layerName",
            reason: ["[a-zA-Z0-9-_]"],
        },
        {
            name: "description of 257 characters",
            news: () => ({ layerName: "bad", source, description: "d".repeat(257) }),
            property: "description",
            reason: ["257 characters", "at most 256"],
        },
        {
            name: "licenseInfo of 513 characters",
            news: () => ({ layerName: "bad", source, licenseInfo: "l".repeat(513) }),
            property: "licenseInfo",
            reason: ["513 characters", "at most 512"],
        },
        {
            name: "an unknown runtime",
            news: () => ({ layerName: "bad", source, compatibleRuntimes: ["cobol85"] }),
            property: "compatibleRuntimes[0]",
            reason: ['"cobol85" is not a Lambda runtime', "nodejs22.x"],
        },
        {
            name: "16 runtimes",
            news: () => ({ layerName: "bad", source, compatibleRuntimes: RUNTIMES.slice(0, 16) }),
            property: "compatibleRuntimes",
            reason: ["16 entries", "at most 15"],
        },
        {
            name: "a repeated runtime",
            news: () => ({ layerName: "bad", source, compatibleRuntimes: ["nodejs20.x", "nodejs20.x"] }),
            property: "compatibleRuntimes[1]",
            reason: ["may appear only once"],
        },
        {
            name: "an unknown architecture",
            news: () => ({ layerName: "bad", source, compatibleArchitectures: ["mips"] }),
            property: "compatibleArchitectures[0]",
            reason: ['"mips" is not a Lambda architecture', "x86_64"],
        },
        {
            name: "3 architectures",
            news: () => ({ layerName: "bad", source, compatibleArchitectures: ["x86_64", "arm64", "x86_64"] }),
            property: "compatibleArchitectures",
            reason: ["3 entries", "at most 2"],
        },
        {
            name: "statementId empty",
            news: withPermission({ ...PERMISSION, statementId: "" }),
            property: "permissions[0].statementId",
            reason: ["empty", "at least 1"],
        },
        {
            name: "statementId of 101 characters",
            news: withPermission({ ...PERMISSION, statementId: "s".repeat(101) }),
            property: "permissions[0].statementId",
            reason: ["101 characters", "at most 100"],
        },
        {
            name: "statementId with a space",
            news: withPermission({ ...PERMISSION, statementId: "a b" }),
            property: "permissions[0].statementId",
            reason: ["[a-zA-Z0-9-_]"],
        },
        {
            name: "principal missing",
            news: withPermission({ statementId: "s" }),
            property: "permissions[0].principal",
            reason: ["is required", "12-digit account id"],
        },
        {
            name: "principal of 5 digits",
            news: withPermission({ ...PERMISSION, principal: "12345" }),
            property: "permissions[0].principal",
            reason: ['"12345"', "12-digit account id"],
        },
        {
            name: "principal root ARN with a short account",
            news: withPermission({ ...PERMISSION, principal: "arn:aws:iam::12345:root" }),
            property: "permissions[0].principal",
            reason: ["arn:aws:iam::<12-digit account id>:root"],
        },
        {
            name: "principal that is a role",
            news: withPermission({ ...PERMISSION, principal: "arn:aws:iam::210987654321:role/x" }),
            property: "permissions[0].principal",
            reason: ["12-digit account id"],
        },
        {
            name: "organizationId too short",
            news: withPermission({ statementId: "org", principal: "*", organizationId: "o-short" }),
            property: "permissions[0].organizationId",
            reason: ["o-[a-z0-9]{10,32}"],
        },
        {
            name: "organizationId with upper case",
            news: withPermission({ statementId: "org", principal: "*", organizationId: "o-ABCDEFGHIJ" }),
            property: "permissions[0].organizationId",
            reason: ["o-[a-z0-9]{10,32}"],
        },
        {
            name: "organizationId with an account principal",
            news: withPermission({ ...PERMISSION, organizationId: "o-abcdefghij" }),
            property: "permissions[0].organizationId",
            reason: ['only allowed with principal "*"', '"210987654321"'],
        },
        {
            name: "duplicate statement ids",
            news: () => ({
                layerName: "bad",
                source,
                permissions: [PERMISSION, { statementId: "partner", principal: "*" }],
            }),
            property: "permissions[1].statementId",
            reason: ['"partner" repeats permissions[0].statementId', "only once"],
        },
        {
            name: "a region that does not exist",
            news: () => ({ layerName: "bad", source, region: "mars-north-1x" }),
            property: "region",
            reason: ["AWS region code such as us-east-1"],
        },
        {
            name: "none of source, zipFile, s3, build",
            news: () => ({ layerName: "bad" }),
            property: "source, zipFile, s3, build",
            reason: ["exactly one of", "none was given"],
        },
        {
            name: "both source and zipFile",
            news: withContent({ source, zipFile: f.notAZip }),
            property: "source, zipFile",
            reason: ["exactly one of", "source and zipFile were given"],
        },
        {
            name: "all of source, zipFile and s3",
            news: withContent({ source, zipFile: f.notAZip, s3: { bucket: "bucket", key: "k" } }),
            property: "source, zipFile, s3",
            reason: ["exactly one of"],
        },
        {
            name: "an S3 bucket of 2 characters",
            news: withContent({ s3: { bucket: "ab", key: "layer.zip" } }),
            property: "s3.bucket",
            reason: ["at least 3"],
        },
        {
            name: "an S3 key of 1025 characters",
            news: withContent({ s3: { bucket: "bucket", key: "k".repeat(1025) } }),
            property: "s3.key",
            reason: ["1025 characters", "at most 1024"],
        },
        {
            name: "a misspelt input",
            news: () => ({ layerName: "bad", source, descripton: "typo" }),
            property: "descripton",
            reason: ["not an input of LayerVersion", "description"],
        },
        {
            name: "retainOnDelete as a string",
            news: () => ({ layerName: "bad", source, retainOnDelete: "yes" }),
            property: "retainOnDelete",
            reason: ["true or false"],
        },
        {
            name: "source.path missing",
            news: withContent({ source: { path: f.missing } }),
            property: "source.path",
            reason: [f.missing, "cannot be read", "ENOENT"],
        },
        {
            name: "source.path a file",
            news: withContent({ source: { path: f.file } }),
            property: "source.path",
            reason: ["is not a directory", "zipFile"],
        },
        {
            name: "a glob that matches nothing",
            news: withContent({ source: { path: f.good, include: ["**/*.py"] } }),
            property: "source.include",
            reason: ["no files", "**/*.py", "at least one file"],
        },
        {
            name: "a glob that climbs out",
            news: withContent({ source: { path: f.good, include: ["../**"] } }),
            property: "source.include[0]",
            reason: ["must stay inside source.path", '".."'],
        },
        {
            name: "a prefix that climbs out",
            news: withContent({ source: { path: f.good, prefix: "../up" } }),
            property: "source.prefix",
            reason: ["has a .. segment", "relative POSIX path"],
        },
        {
            name: "an absolute prefix",
            news: withContent({ source: { path: f.good, prefix: "/opt/nodejs" } }),
            property: "source.prefix",
            reason: ["starts with /"],
        },
        {
            name: "a broken symlink",
            news: withContent({ source: { path: f.brokenLink } }),
            property: "source.path",
            reason: ["dangling.js is a broken symlink", "points to"],
        },
        {
            name: "a symlink to itself",
            news: withContent({ source: { path: f.selfLoop } }),
            property: "source.path",
            reason: ["self is a symlink loop"],
        },
        {
            name: "a symlink to a directory that contains it",
            news: withContent({ source: { path: f.directoryLoop } }),
            property: "source.path",
            reason: ["lib/again is a symlink loop", "a directory that contains it"],
        },
        {
            name: "a symlink that leaves source.path",
            news: withContent({ source: { path: f.escapingLink } }),
            property: "source.path",
            reason: ["aws-credentials", "outside source.path", "followSymlinks"],
        },
        {
            name: "a file name with a backslash",
            news: withContent({ source: { path: f.backslashName } }),
            property: "source.path",
            reason: ['"dir\\\\..\\\\evil.js"', "cannot be a zip entry"],
        },
        {
            name: "a FIFO in the tree",
            news: withContent({ source: { path: f.fifo } }),
            property: "source.path",
            reason: ["pipe", "not a regular file"],
        },
        {
            name: "content over the unzipped limit",
            news: withContent({ source: { path: f.tooBigTree } }),
            property: "source.path",
            reason: ["262144001 bytes", `at most ${UNZIPPED_LIMIT} bytes unzipped`],
        },
        {
            name: "a zipFile that does not exist",
            news: withContent({ zipFile: path.join(f.missing, "layer.zip") }),
            property: "zipFile",
            reason: ["cannot be read", "ENOENT"],
        },
        {
            name: "a zipFile that is not a zip",
            news: withContent({ zipFile: f.notAZip }),
            property: "zipFile",
            reason: ["is not a readable zip archive"],
        },
        {
            name: "a zipFile with a .. entry",
            news: withContent({ zipFile: f.escapingZip }),
            property: "zipFile",
            reason: ['"../evil.txt"', "outside the layer's directory"],
        },
        {
            name: "a zipFile with an absolute entry",
            news: withContent({ zipFile: f.absoluteZip }),
            property: "zipFile",
            reason: ['"/etc/cron.d/evil"', "outside the layer's directory"],
        },
        {
            name: "a zipFile bigger than a layer may unzip to",
            news: withContent({ zipFile: f.oversizedZip }),
            property: "zipFile",
            reason: [`${Number(UNZIPPED_LIMIT) + 1} bytes`, `at most ${UNZIPPED_LIMIT} bytes unzipped`],
        },
        {
            name: "a zipFile that unzips over the limit",
            news: withContent({ zipFile: f.zipBomb }),
            property: "zipFile",
            reason: ["unzips to 263192576 bytes", `at most ${UNZIPPED_LIMIT} bytes unzipped`],
        },
    ];
}

describe("reliability: bad input is refused in check, naming the property and the limit, with no API call", function () {
    this.timeout(120_000);
    let fixtures: Fixtures;
    let listener: net.Server;
    let connections = 0;
    let restore: () => void;

    before(async () => {
        listener = net.createServer((socket) => {
            connections++;
            socket.destroy();
        });
        await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
        const endpoint = `http://127.0.0.1:${(listener.address() as net.AddressInfo).port}`;
        restore = setEnvironment({
            AWS_ENDPOINT_URL_LAMBDA: endpoint,
            AWS_REGION: "us-east-1",
            AWS_ACCESS_KEY_ID: "AKIANOCALLEXPECTED00",
            AWS_SECRET_ACCESS_KEY: "no-call-expected",
            AWS_MAX_ATTEMPTS: "1",
            PULUMI_LAMBDA_LAYER_CACHE: "off",
        });
        fixtures = await makeFixtures();
    });

    after(async () => {
        if (fixtures) fs.rmSync(path.dirname(fixtures.good), { recursive: true, force: true });
        removeTempDirs();
        providerForAll = undefined;
        restore?.();
        await new Promise((resolve) => listener.close(resolve));
    });

    it("has a table of at least 30 bad inputs", () => {
        expect(casesFor(fixtures)).to.have.length.of.at.least(30);
    });

    // The fixtures exist only once `before` ran: the table is built inside each test from their paths.
    for (const [index, { name }] of casesFor(placeholderFixtures()).entries()) {
        it(`refuses ${name}`, async () => {
            const bad = casesFor(fixtures)[index];
            const checked = await provider.check({} as LayerVersionInputs, bad.news() as unknown as LayerVersionInputs);
            expectFailure(checked.failures ?? [], bad);
            expect(connections, "no API call").to.equal(0);
        });
    }

    it("refuses a file the deploying user cannot read (run as an unprivileged user when the tests run as root)", async () => {
        const tree = tempDir("unreadable");
        fs.writeFileSync(path.join(tree, "readable.js"), "ok\n");
        fs.writeFileSync(path.join(tree, "secret.pem"), "-----BEGIN-----\n");
        fs.chmodSync(path.join(tree, "secret.pem"), 0o000);
        fs.chmodSync(tree, 0o755);
        const failures = await checkAsUnprivilegedUser({ layerName: "bad", source: { path: tree } });
        expectFailure(failures, {
            name: "unreadable",
            news: () => ({}),
            property: "source.path",
            reason: [/cannot read secret\.pem: /, "EACCES"],
        });
        expect(connections, "no API call").to.equal(0);
    });

    it("names an unreadable file by its path in source.path in a big tree too, read in one pass", async () => {
        const tree = writeTree(
            tempDir("unreadable-big"),
            Object.fromEntries(Array.from({ length: 4_100 }, (_, index) => [`lib/f${index}.js`, `${index}\n`])),
        );
        fs.writeFileSync(path.join(tree, "lib", "secret.pem"), "-----BEGIN-----\n");
        fs.chmodSync(path.join(tree, "lib", "secret.pem"), 0o000);
        fs.chmodSync(tree, 0o755);
        fs.chmodSync(path.join(tree, "lib"), 0o755);
        const failures = await checkAsUnprivilegedUser({ layerName: "bad", source: { path: tree } });
        expectFailure(failures, {
            name: "unreadable",
            news: () => ({}),
            property: "source.path",
            reason: [/cannot read lib\/secret\.pem: /, "EACCES"],
        });
    });
});

function expectFailure(failures: InputFailure[], bad: BadInput): void {
    const failure = failures.find((candidate) => candidate.property === bad.property);
    expect(failure, `a failure for ${bad.property} among ${JSON.stringify(failures)}`).to.not.equal(undefined);
    for (const part of bad.reason) {
        if (typeof part === "string") expect(failure!.reason).to.include(part);
        else expect(failure!.reason).to.match(part);
    }
}

/** Paths for naming the tests before `before` runs; never checked. */
function placeholderFixtures(): Fixtures {
    return new Proxy({} as Fixtures, { get: () => "/placeholder" });
}

async function makeFixtures(): Promise<Fixtures> {
    const root = tempDir("bad-input");
    const dir = (name: string, files: Record<string, string> = { "index.js": "module.exports = 1;\n" }) => {
        const at = path.join(root, name);
        fs.mkdirSync(at);
        for (const [relative, content] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(at, relative)), { recursive: true });
            fs.writeFileSync(path.join(at, relative), content);
        }
        return at;
    };
    const good = dir("good");
    const outside = dir("outside", { credentials: "[default]\naws_secret_access_key = not-real\n" });
    const brokenLink = dir("broken-link");
    fs.symlinkSync("./not-there.js", path.join(brokenLink, "dangling.js"));
    const selfLoop = dir("self-loop");
    fs.symlinkSync("self", path.join(selfLoop, "self"));
    const directoryLoop = dir("directory-loop", { "lib/index.js": "1\n" });
    fs.symlinkSync("..", path.join(directoryLoop, "lib", "again"));
    const escapingLink = dir("escaping-link");
    fs.symlinkSync(outside, path.join(escapingLink, "aws-credentials"));
    const fifo = dir("fifo");
    execFileSync("mkfifo", [path.join(fifo, "pipe")]);
    // A legal name on Linux that a Windows unzip reads as dir\..\evil.js, one level up.
    const backslashName = dir("backslash", { "dir\\..\\evil.js": "1\n" });
    const tooBigTree = dir("too-big", {});
    // Sparse: 262,144,001 bytes of zeros that take no disk space.
    sparseFile(path.join(tooBigTree, "huge.bin"), 262_144_001);
    const notAZip = path.join(root, "not-a-zip.zip");
    fs.writeFileSync(notAZip, "this is text, not a zip\n");
    const oversizedZip = path.join(root, "oversized.zip");
    sparseFile(oversizedZip, Number(UNZIPPED_LIMIT) + 1);
    return {
        good,
        outside,
        file: path.join(good, "index.js"),
        missing: path.join(root, "no-such-directory"),
        brokenLink,
        selfLoop,
        directoryLoop,
        escapingLink,
        fifo,
        backslashName,
        tooBigTree,
        notAZip,
        escapingZip: await writeJsZip(path.join(root, "escaping.zip"), "../evil.txt"),
        absoluteZip: await writeJsZip(path.join(root, "absolute.zip"), "/etc/cron.d/evil"),
        oversizedZip,
        zipBomb: await writeZipBomb(path.join(root, "bomb.zip")),
    };
}

function sparseFile(filePath: string, size: number): void {
    fs.writeFileSync(filePath, "");
    fs.truncateSync(filePath, size);
}

/** A zip with an entry named exactly `entryName` and no folder entries: jszip writes names as given (yazl refuses unsafe ones). */
async function writeJsZip(zipPath: string, entryName: string): Promise<string> {
    const zip = new JSZip();
    zip.file("ok.txt", "fine\n");
    zip.file(entryName, "escaped\n", { createFolders: false });
    fs.writeFileSync(zipPath, await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" }));
    return zipPath;
}

/** A small zip (about 250 KB) whose entries unzip to 251 MiB = 263,192,576 bytes, over AWS's limit. */
async function writeZipBomb(zipPath: string): Promise<string> {
    const mebibyte = Buffer.alloc(1 << 20);
    const zip = new ZipFile();
    for (let index = 0; index < 251; index++) zip.addBuffer(mebibyte, `zeros/${index}.bin`, { compressionLevel: 1 });
    zip.end();
    await new Promise<void>((resolve, reject) => {
        zip.outputStream.pipe(fs.createWriteStream(zipPath)).on("close", resolve).on("error", reject);
    });
    return zipPath;
}

/** The provider copy that checkAsUnprivilegedUser loads, made once per run of this file. */
let providerForAll: string | undefined;

/**
 * Runs check in a child process as `nobody` when this process is root (root reads any file, whatever
 * its mode), or as this user otherwise, with the same AWS environment; returns its failures. The child
 * loads a copy of the provider that any user can read, not the checkout, which may be closed to others.
 */
async function checkAsUnprivilegedUser(news: Record<string, unknown>): Promise<InputFailure[]> {
    const home = tempDir("nobody-home");
    fs.chmodSync(home, 0o777);
    const script = `
        const { LayerVersionProvider } = require(${JSON.stringify((providerForAll ??= copyProviderForOtherUsers()))});
        new LayerVersionProvider().check({}, ${JSON.stringify(news)})
            .then((checked) => process.stdout.write(JSON.stringify(checked.failures ?? [])))
            .catch((error) => { console.error(error); process.exit(1); });`;
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], {
        ...asNobody,
        cwd: home,
        env: { ...process.env, HOME: home },
    });
    return JSON.parse(stdout);
}
