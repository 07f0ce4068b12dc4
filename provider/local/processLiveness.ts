/**
 * Whether the process that wrote a note on this machine still runs, told by more than its PID: in a
 * container or a fresh PID namespace every run is pid 1, and a PID is reused once its process is gone.
 *
 * The live process holds a lock: a Unix socket it listens on, beside its note. The kernel closes it
 * when the process dies, however it dies, so a connection that is refused means the owner is gone;
 * this works across PID namespaces and containers that share the folder. Where no socket could be made
 * (a path too long for one, a filesystem without them), the PID is checked with its start time (from
 * /proc) in the same PID namespace. The boot id tells a note from before a reboot, and a note from
 * another machine sharing the folder, which is never judged here.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";

/** Who wrote a note: enough to tell later whether that process still runs. */
export interface ProcessIdentity {
    pid: number;
    host: string;
    /** The kernel's boot id (/proc/sys/kernel/random/boot_id): the same for every container of one running kernel. */
    bootId?: string;
    /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22): a reused PID has another. */
    pidStart?: string;
    /** The PID namespace the PID means something in (/proc/self/ns/pid). */
    pidNamespace?: string;
    /** The Unix socket the process listens on while it lives. */
    lockSocket?: string;
}

/** What can be found out about a note's owner from here. */
export interface OwnerFacts {
    /** Whether the owner's lock socket accepts a connection; `undefined` when that could not be told. */
    lockAnswers?: boolean;
    /** The start time of the process that now has the owner's PID here (`""` where it cannot be read), or `undefined` when there is none. */
    startOfPid?: string;
}

/** Unix socket paths hold at most 107 bytes on Linux (108 with the terminating NUL). */
const MAX_SOCKET_PATH_BYTES = 107;

/** This process, as a note records it (without a lock socket). */
export function thisProcess(): ProcessIdentity {
    return {
        pid: process.pid,
        host: os.hostname(),
        bootId: readTrimmed("/proc/sys/kernel/random/boot_id"),
        pidStart: processStartTime(process.pid),
        pidNamespace: readLink("/proc/self/ns/pid"),
    };
}

/**
 * Whether the owner of a note is surely gone. Pure: `facts` are looked up by the caller. A note of
 * another machine is never judged gone; one of an earlier boot of this machine is.
 */
export function ownerIsGone(owner: ProcessIdentity, here: ProcessIdentity, facts: OwnerFacts): boolean {
    if (owner.bootId !== undefined && here.bootId !== undefined) {
        if (owner.bootId !== here.bootId) {
            return owner.host === here.host; // this machine rebooted; otherwise another machine shares the folder
        }
    } else if (owner.host !== here.host) {
        return false;
    }
    if (facts.lockAnswers !== undefined) {
        return !facts.lockAnswers;
    }
    if (
        owner.pidNamespace !== undefined &&
        here.pidNamespace !== undefined &&
        owner.pidNamespace !== here.pidNamespace
    ) {
        return false; // its PID means nothing here, and without its lock nothing else can be told
    }
    if (facts.startOfPid === undefined) {
        return true;
    }
    return owner.pidStart !== undefined && facts.startOfPid !== owner.pidStart;
}

/** Looks up the facts `ownerIsGone` needs about `owner`. */
export async function factsAbout(owner: ProcessIdentity): Promise<OwnerFacts> {
    return {
        lockAnswers: owner.lockSocket === undefined ? undefined : await lockAnswers(owner.lockSocket),
        startOfPid: processStartTime(owner.pid) ?? (withoutProc() && processExists(owner.pid) ? "" : undefined),
    };
}

/** Where /proc is missing (not Linux), a PID that exists is all that can be told: its start time is "". */
function withoutProc(): boolean {
    return !fs.existsSync("/proc/self/stat");
}

/** `process.kill(pid, 0)`: no such process is ESRCH; EPERM means it runs under another user. */
function processExists(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** A lock held by this process while it lives; released by `release`, or by the kernel when the process dies. */
export interface LiveLock {
    socketPath: string;
    release(): Promise<void>;
}

/**
 * Listens on `socketPath` as a lock, or gives `undefined` when no socket can be made there (the path too
 * long, a filesystem without sockets, a folder not writable): the PID and its start time are then all
 * that tells. The server does not keep the process alive.
 */
export async function holdLiveLock(socketPath: string): Promise<LiveLock | undefined> {
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
        return undefined;
    }
    const server = net.createServer((connection) => connection.destroy());
    try {
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(socketPath, () => resolve());
        });
    } catch {
        server.close();
        return undefined;
    }
    server.unref();
    return {
        socketPath,
        release: () =>
            new Promise<void>((resolve) => {
                // Closing a listening Unix socket removes its file.
                server.close(() => resolve());
            }),
    };
}

/** Whether something listens on `socketPath`: refused or missing means no; any other failure cannot tell. */
export function lockAnswers(socketPath: string): Promise<boolean | undefined> {
    return new Promise((resolve) => {
        const connection = net.connect(socketPath);
        connection.once("connect", () => {
            connection.destroy();
            resolve(true);
        });
        connection.once("error", (error: NodeJS.ErrnoException) => {
            connection.destroy();
            resolve(error.code === "ECONNREFUSED" || error.code === "ENOENT" ? false : undefined);
        });
    });
}

/** Field 22 of /proc/<pid>/stat (after the command name, which may hold spaces and parentheses). */
function processStartTime(pid: number): string | undefined {
    const stat = readTrimmed(`/proc/${pid}/stat`);
    if (stat === undefined) {
        return undefined;
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19]; // fields from the third on; the start time is the 22nd
}

function readTrimmed(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8").trim();
    } catch {
        return undefined;
    }
}

function readLink(file: string): string | undefined {
    try {
        return fs.readlinkSync(file);
    } catch {
        return undefined;
    }
}
