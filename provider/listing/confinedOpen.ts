/**
 * Opening a listed file for reading so that what is read is the file the listing judged. The listing
 * resolves links once; a link swapped afterwards (a folder or a file replaced by a link to `~/.aws`,
 * say) would make a later open of the same path read outside `source.path`. So the open file itself is
 * checked: where the kernel says the descriptor leads must still lie inside the source's real path.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** `child` is `parent` or lies below it (both absolute and normalized, as realpath and path.join give them). Pure. */
export function isWithin(child: string, parent: string): boolean {
    return child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

/** Why a file opened for reading was refused: it now lies outside `source.path`. */
export class OutsideSourceError extends Error {
    constructor(readonly realPath: string) {
        super(
            `it now resolves to ${realPath}, outside source.path: a link was changed after the files were listed; run the command again`,
        );
        this.name = "OutsideSourceError";
    }
}

/**
 * Opens `filePath` read-only; with `confineTo` (the real path of `source.path`, given when links may not
 * leave it), refuses a file whose real path, read back from the open descriptor, lies outside it.
 * O_NONBLOCK: a file swapped for a FIFO must not block the open (for regular files it changes nothing).
 * Throws the open's error, or OutsideSourceError.
 */
export function openConfined(filePath: string, confineTo: string | undefined): number {
    const fd = fs.openSync(filePath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    if (confineTo === undefined) {
        return fd;
    }
    let real: string;
    try {
        real = openFilePath(fd, filePath);
    } catch (error) {
        fs.closeSync(fd);
        throw error;
    }
    if (!isWithin(real, confineTo)) {
        fs.closeSync(fd);
        throw new OutsideSourceError(real);
    }
    return fd;
}

/**
 * Where `fd` really leads: Linux names it in /proc/self/fd, for the very file that is open. Without
 * /proc, the path is resolved again and its identity compared with the open file's.
 */
function openFilePath(fd: number, filePath: string): string {
    try {
        const named = fs.readlinkSync(`/proc/self/fd/${fd}`);
        // A file removed since it was opened is named "<path> (deleted)"; where it was is what counts.
        return named.endsWith(DELETED) ? named.slice(0, -DELETED.length) : named;
    } catch {
        const real = fs.realpathSync.native(filePath);
        const open = fs.fstatSync(fd);
        const named = fs.statSync(real);
        return open.dev === named.dev && open.ino === named.ino ? real : `${real} (not the file that was opened)`;
    }
}

const DELETED = " (deleted)";
