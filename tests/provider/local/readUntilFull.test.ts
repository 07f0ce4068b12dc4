import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { readUntilFull } from "../../../provider/local/readUntilFull";
import { removeTempDirs, tempDir } from "../../helpers/fileTrees";

describe("readUntilFull", () => {
    after(removeTempDirs);

    /** A FIFO opened for reading and writing without blocking, holding `content`: a read past it throws EAGAIN instead of waiting. */
    function fifoHolding(content: string): number {
        const fifo = path.join(tempDir(), "fifo");
        execFileSync("mkfifo", [fifo]);
        const fd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
        fs.writeSync(fd, content);
        return fd;
    }

    it("stops once the size stat'ed on the descriptor is in, without another read to find the end", () => {
        const fd = fifoHolding("0123456789");
        try {
            const buffer = Buffer.alloc(64);
            expect(readUntilFull(fd, buffer, 10)).to.equal(10);
            expect(buffer.toString("utf8", 0, 10)).to.equal("0123456789");
            fs.writeSync(fd, "0123456789");
            expect(() => readUntilFull(fd, buffer), "without a size it reads on, to the end").to.throw(/EAGAIN/);
        } finally {
            fs.closeSync(fd);
        }
    });

    it("reads to the end when the size is 0, as files in /proc report", () => {
        const fd = fs.openSync("/proc/self/status", "r");
        try {
            expect(fs.fstatSync(fd).size).to.equal(0);
            const filled = readUntilFull(fd, Buffer.alloc(1 << 16), 0);
            expect(filled).to.be.greaterThan(0);
        } finally {
            fs.closeSync(fd);
        }
    });
});
