import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { checkedPrefix, compareZipPaths, listSourceFiles } from "../../../provider/listing/sourceFiles";
import { SourceError } from "../../../provider/listing/sourceError";
import { removeTempDirs, tempDir, writeTree } from "../../helpers/fileTrees";

/** The SourceError `action` throws. */
function sourceErrorOf(action: () => unknown): SourceError {
    try {
        action();
    } catch (error) {
        expect(error).to.be.instanceOf(SourceError);
        return error as SourceError;
    }
    throw new Error("expected a SourceError");
}

function zipPaths(root: string, options: Partial<Parameters<typeof listSourceFiles>[0]> = {}): string[] {
    return listSourceFiles({ path: root, ...options }, "/").map((file) => file.zipPath);
}

describe("listSourceFiles", () => {
    after(removeTempDirs);

    it("lists every file, dot files included, no folders, in UTF-8 byte order", () => {
        const root = writeTree(tempDir(), {
            "b.txt": "b",
            "a/b.txt": "ab",
            "a-b.txt": "a-b",
            ".env": "dot",
            "Z.txt": "Z",
            "é.txt": "e",
            "z.txt": "z",
        });
        fs.mkdirSync(path.join(root, "empty"));
        // "-" (0x2d) sorts before "/" (0x2f); upper case before lower; "é" (0xc3 0xa9) last.
        expect(zipPaths(root)).to.deep.equal([".env", "Z.txt", "a-b.txt", "a/b.txt", "b.txt", "z.txt", "é.txt"]);
    });

    it("resolves a relative source.path against baseDir and keeps the real path to read", () => {
        const parent = tempDir();
        writeTree(parent, { "layer/x.js": "x" });
        const [file] = listSourceFiles({ path: "layer" }, parent);
        expect(file.zipPath).to.equal("x.js");
        expect(fs.readFileSync(file.absolutePath, "utf8")).to.equal("x");
        expect(file.size).to.equal(1);
    });

    it("applies include and exclude patterns", () => {
        const root = writeTree(tempDir(), { "lib/a.js": "", "lib/a.test.js": "", "lib/b.py": "", "README.md": "" });
        expect(zipPaths(root, { include: ["lib/**/*.js"], exclude: ["**/*.test.js"] })).to.deep.equal(["lib/a.js"]);
    });

    it("refuses a prefix that could escape, as SourceError on source.prefix", () => {
        for (const bad of ["/", "/abs", "a/../b", "..", "./x", "a//b", "a\\b", "C:/x", "x//"]) {
            expect(sourceErrorOf(() => checkedPrefix(bad)).property, bad).to.equal("source.prefix");
        }
        expect(checkedPrefix(undefined)).to.equal("");
    });

    it("prepends the prefix, normalized to end in '/'", () => {
        const root = writeTree(tempDir(), { "a.js": "", "sub/b.js": "" });
        expect(zipPaths(root, { prefix: "nodejs" })).to.deep.equal(["nodejs/a.js", "nodejs/sub/b.js"]);
        expect(zipPaths(root, { prefix: "python/lib/" })).to.deep.equal(["python/lib/a.js", "python/lib/sub/b.js"]);
    });

    it("takes the executable flag from the owner's execute bit, as git does", () => {
        const root = writeTree(tempDir(), {
            "run.sh": { content: "#!/bin/sh", mode: 0o755 },
            "owner.sh": { content: "", mode: 0o700 },
            "data.txt": { content: "", mode: 0o644 },
            "group.sh": { content: "", mode: 0o655 },
        });
        const executable = Object.fromEntries(
            listSourceFiles({ path: root }, "/").map((file) => [file.zipPath, file.executable]),
        );
        expect(executable).to.deep.equal({ "data.txt": false, "group.sh": false, "owner.sh": true, "run.sh": true });
    });

    it("refuses a missing source.path, a file, no match, escaping patterns and a bad prefix, naming the input", () => {
        const root = writeTree(tempDir(), { "a.js": "" });
        expect(sourceErrorOf(() => listSourceFiles({ path: "missing" }, root))).to.include({ property: "source.path" });
        expect(sourceErrorOf(() => listSourceFiles({ path: "a.js" }, root)).message).to.match(/is not a directory/);
        const none = sourceErrorOf(() => listSourceFiles({ path: root, include: ["**/*.py"] }, "/"));
        expect(none.property).to.equal("source.include");
        expect(none.message).to.include(root).and.include("**/*.py");
        expect(sourceErrorOf(() => listSourceFiles({ path: root, include: ["../**/*"] }, "/")).property).to.equal(
            "source.include",
        );
        expect(sourceErrorOf(() => listSourceFiles({ path: root, include: ["/etc/*"] }, "/")).property).to.equal(
            "source.include",
        );
        expect(sourceErrorOf(() => listSourceFiles({ path: root, prefix: "../up/" }, "/")).property).to.equal(
            "source.prefix",
        );
    });

    it("refuses file names that cannot be zip entries and files that are not regular", () => {
        const withBackslash = writeTree(tempDir(), { "a\\b.txt": "" });
        expect(sourceErrorOf(() => listSourceFiles({ path: withBackslash }, "/")).message).to.include("a\\\\b.txt");
        const withFifo = writeTree(tempDir(), { "a.txt": "" });
        execFileSync("mkfifo", [path.join(withFifo, "pipe")]);
        expect(sourceErrorOf(() => listSourceFiles({ path: withFifo }, "/")).message).to.match(
            /pipe is not a regular file/,
        );
        expect(zipPaths(withFifo, { exclude: ["pipe"] })).to.deep.equal(["a.txt"]);
    });

    describe("symlinks", () => {
        it("follows links that stay inside source.path: a file link, and a folder link whose files appear under it", () => {
            const root = writeTree(tempDir(), { "real/a.txt": "A", "real/deep/b.txt": "B" });
            fs.symlinkSync("real/a.txt", path.join(root, "alias.txt"));
            fs.symlinkSync("real", path.join(root, "linked"));
            const files = listSourceFiles({ path: root }, "/");
            expect(files.map((file) => file.zipPath)).to.deep.equal([
                "alias.txt",
                "linked/a.txt",
                "linked/deep/b.txt",
                "real/a.txt",
                "real/deep/b.txt",
            ]);
            expect(fs.readFileSync(files[0].absolutePath, "utf8")).to.equal("A");
        });

        it("refuses links that leave source.path, naming them, unless followSymlinks is set", () => {
            const outside = writeTree(tempDir(), { credentials: "secret", "dir/key": "secret" });
            const root = writeTree(tempDir(), { "a.txt": "" });
            fs.symlinkSync(path.join(outside, "credentials"), path.join(root, "creds"));
            const fileLink = sourceErrorOf(() => listSourceFiles({ path: root }, "/"));
            expect(fileLink.property).to.equal("source.path");
            expect(fileLink.message)
                .to.include("creds")
                .and.include("outside source.path")
                .and.include("followSymlinks");
            expect(zipPaths(root, { followSymlinks: true })).to.deep.equal(["a.txt", "creds"]);

            fs.rmSync(path.join(root, "creds"));
            fs.symlinkSync(path.join(outside, "dir"), path.join(root, "aws"));
            expect(sourceErrorOf(() => listSourceFiles({ path: root }, "/")).message)
                .to.include("aws resolves to")
                .and.include("outside source.path");
            expect(sourceErrorOf(() => listSourceFiles({ path: root, include: ["aws/**"] }, "/")).message).to.include(
                "outside source.path",
            );
            expect(zipPaths(root, { followSymlinks: true })).to.deep.equal(["a.txt", "aws/key"]);
        });

        it("judges files reached without reading their folder: a pattern's base folder or a named path through a link", () => {
            const outside = writeTree(tempDir(), { "dir/key": "secret", "dir/sub/deep": "secret" });
            const root = writeTree(tempDir(), { "real/a.txt": "A", "real/sub/b.txt": "B" });
            fs.symlinkSync(path.join(outside, "dir"), path.join(root, "aws"));
            fs.symlinkSync("real", path.join(root, "linked"));
            for (const include of [["aws/key"], ["aws/sub/deep"], ["aws/sub/**"], ["real/*", "aws/key"]]) {
                expect(
                    sourceErrorOf(() => listSourceFiles({ path: root, include }, "/")).message,
                    include.join(),
                ).to.include("outside source.path");
            }
            expect(zipPaths(root, { include: ["aws/key"], followSymlinks: true })).to.deep.equal(["aws/key"]);
            expect(zipPaths(root, { include: ["linked/sub/b.txt", "linked/a.txt"] })).to.deep.equal([
                "linked/a.txt",
                "linked/sub/b.txt",
            ]);
            expect(zipPaths(root, { include: ["linked/sub/**"] })).to.deep.equal(["linked/sub/b.txt"]);
        });

        it("follows a source.path that is itself a link, and links below it that stay inside its target", () => {
            const target = writeTree(tempDir(), { "a/b/c.txt": "c", "d.txt": "d" });
            fs.symlinkSync("../d.txt", path.join(target, "a", "up-file"));
            const alias = path.join(tempDir(), "alias");
            fs.symlinkSync(target, alias);
            expect(zipPaths(alias)).to.deep.equal(["a/b/c.txt", "a/up-file", "d.txt"]);
        });

        it("ignores an outside link that exclude leaves out, or that no pattern reaches", () => {
            const outside = writeTree(tempDir(), { "dir/key": "secret" });
            const root = writeTree(tempDir(), { "a.txt": "", "lib/b.js": "" });
            fs.symlinkSync(path.join(outside, "dir"), path.join(root, "aws"));
            expect(zipPaths(root, { exclude: ["aws"] })).to.deep.equal(["a.txt", "lib/b.js"]);
            expect(zipPaths(root, { include: ["lib/**"] })).to.deep.equal(["lib/b.js"]);
        });

        it("refuses a broken link and a link to itself, naming them", () => {
            const root = writeTree(tempDir(), { "a.txt": "" });
            fs.symlinkSync("nowhere", path.join(root, "dangling"));
            const broken = sourceErrorOf(() => listSourceFiles({ path: root }, "/"));
            expect(broken.message).to.include("dangling is a broken symlink").and.include("nowhere");
            expect(
                sourceErrorOf(() => listSourceFiles({ path: root, include: ["dangling", "a.txt"] }, "/")).message,
            ).to.include("dangling is a broken symlink");
            expect(zipPaths(root, { exclude: ["dangling"] })).to.deep.equal(["a.txt"]);

            fs.rmSync(path.join(root, "dangling"));
            fs.symlinkSync("self", path.join(root, "self"));
            expect(sourceErrorOf(() => listSourceFiles({ path: root }, "/")).message).to.include(
                "self is a symlink loop",
            );
        });

        it("refuses a folder link that loops back above itself, directly or through another link", () => {
            const root = writeTree(tempDir(), { "a/x.txt": "", "b/y.txt": "" });
            fs.symlinkSync("..", path.join(root, "a", "up"));
            const direct = sourceErrorOf(() => listSourceFiles({ path: root }, "/"));
            expect(direct.property).to.equal("source.path");
            expect(direct.message).to.include("a/up is a symlink loop");

            fs.rmSync(path.join(root, "a", "up"));
            fs.symlinkSync("../b", path.join(root, "a", "to-b"));
            fs.symlinkSync("../a", path.join(root, "b", "to-a"));
            expect(sourceErrorOf(() => listSourceFiles({ path: root }, "/")).message).to.match(
                /(to-a|to-b) is a symlink loop/,
            );
        });

        it("refuses a loop even when followSymlinks is set", () => {
            const root = writeTree(tempDir(), { "a/x.txt": "" });
            fs.symlinkSync(root, path.join(root, "a", "root"));
            expect(sourceErrorOf(() => listSourceFiles({ path: root, followSymlinks: true }, "/")).message).to.include(
                "a/root is a symlink loop",
            );
        });
    });
});

describe("compareZipPaths", () => {
    it("orders by UTF-8 bytes, unlike JavaScript's UTF-16 order", () => {
        // U+FF5E (0xef 0xbd 0x9e) comes before U+1F600 (0xf0 ...) in UTF-8, after it in UTF-16 code units.
        expect(compareZipPaths("\uff5e", "\u{1f600}")).to.be.lessThan(0);
        expect("\uff5e" < "\u{1f600}").to.equal(false);
        const alphabet = [
            "a",
            "B",
            "/",
            "-",
            ".",
            "é",
            "\u0800",
            "\ud7ff",
            "\ue000",
            "\uff5e",
            "\uffff",
            "\u{10000}",
            "\u{1f600}",
            "\u{10ffff}",
        ];
        let seed = 7;
        const pick = () => alphabet[(seed = (seed * 48271) % 2147483647) % alphabet.length];
        const names = Array.from({ length: 400 }, () => Array.from({ length: 1 + (seed % 4) }, pick).join(""));
        const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        expect([...names].sort(compareZipPaths)).to.deep.equal(byBytes);
    });
});
