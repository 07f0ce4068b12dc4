/**
 * Work on a list of files shared by the calling thread and a helper thread, without either waiting for
 * the other to start: both claim items a batch at a time from a counter in shared memory and write
 * their results into shared memory. A helper that is still starting, or busy, simply takes fewer items.
 *
 * The calling thread never depends on the helper to be right: it finishes whatever the helper has not,
 * including a batch the helper failed on, which then fails on the calling thread with its own error.
 */
import { DIGEST_BYTES, digestFileInto, READ_BUFFER_BYTES } from "./fileDigest";
import { statFileInto, statPresenceInto, type FileStats } from "../listing/fileStats";
import { UnreadableFileError } from "../listing/sourceError";

/** One job over a list of paths: stat the files, or digest them. Its results are written into shared memory. */
export type SharedJob = StatJob | DigestJob;

/** Stat each path into `stats`, at the path's index. */
export interface StatJob {
    task: "stat";
    control: Int32Array;
    stats: FileStats;
    /** Presence rows (fileStats.ts): a path that cannot be stat'ed gets a zero row instead of failing the job. */
    presence?: boolean;
}

/** Write each path's sha256 into `digests`, at DIGEST_BYTES times `slots[index]`. */
export interface DigestJob {
    task: "digest";
    control: Int32Array;
    digests: Uint8Array;
    slots: Int32Array;
    /** When given, each file is also stat'ed into it, at its slot, once it is open for reading. */
    stats?: FileStats;
    /** The real path of source.path when files must lie inside it (confinedOpen.ts). */
    confineTo?: string;
}

/** Indices into a job's control words. */
const NEXT_ITEM = 0;
const HELPER_DONE = 1;
const HELPER_BATCH = 2;
const HELPER_STOPPED = 3;
const CONTROL_WORDS = 4;

/** Items claimed at once: a stat is a few microseconds, so claiming each one would cost a good share of it. */
const BATCH_ITEMS: Record<SharedJob["task"], number> = { stat: 32, digest: 1 };

/** How long the calling thread waits for a helper that makes no progress before doing its batch itself. */
const STALL_MS = 2_000;

/** Fresh control words for a job (in shared memory). */
export function newControl(): Int32Array {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
    control[HELPER_BATCH] = -1;
    return control;
}

/**
 * What the helper has done of a job so far: items finished, and whether it stopped on an error.
 * @internal For tests, which watch the helper's progress.
 */
export function helperProgress(control: Int32Array): { done: number; stopped: boolean } {
    return { done: Atomics.load(control, HELPER_DONE), stopped: Atomics.load(control, HELPER_STOPPED) === 1 };
}

/** What the calling thread posts to the helper: a job, and its paths joined by NUL (one string crosses threads in one copy). */
export interface HelperMessage {
    job: SharedJob;
    paths: string;
}

/** The message that offers `job` over `paths` to the helper. */
export function helperMessage(job: SharedJob, paths: readonly string[]): HelperMessage {
    return { job, paths: paths.join("\0") };
}

/**
 * Runs `job` over `items` on the calling thread, with whatever help it gets, until every item is done.
 * An item that fails throws UnreadableFileError naming the file as `nameOf` its index says (without
 * `nameOf`, the item's own error).
 */
export function runAsCaller(job: SharedJob, items: readonly string[], nameOf?: (index: number) => string): void {
    const doBatch = batchRunner(job, items, nameOf);
    const batch = BATCH_ITEMS[job.task];
    let doneHere = 0;
    for (
        let start = Atomics.add(job.control, NEXT_ITEM, batch);
        start < items.length;
        start = Atomics.add(job.control, NEXT_ITEM, batch)
    ) {
        doneHere += doBatch(start, batch);
    }
    for (
        let helped = Atomics.load(job.control, HELPER_DONE);
        doneHere + helped < items.length;
        helped = Atomics.load(job.control, HELPER_DONE)
    ) {
        const stopped = Atomics.load(job.control, HELPER_STOPPED) === 1;
        if (stopped || Atomics.wait(job.control, HELPER_DONE, helped, STALL_MS) === "timed-out") {
            const unfinished = Atomics.load(job.control, HELPER_BATCH);
            if (unfinished >= 0) {
                doneHere += doBatch(unfinished, batch);
                Atomics.store(job.control, HELPER_BATCH, -1);
            }
        }
    }
}

/** Takes a share of the message's job on the helper thread. On any error it stops, leaving its batch to the calling thread. */
export function runAsHelper({ job, paths }: HelperMessage): void {
    const items = paths === "" ? [] : paths.split("\0");
    const doBatch = batchRunner(job, items);
    const batch = BATCH_ITEMS[job.task];
    for (
        let start = Atomics.add(job.control, NEXT_ITEM, batch);
        start < items.length;
        start = Atomics.add(job.control, NEXT_ITEM, batch)
    ) {
        Atomics.store(job.control, HELPER_BATCH, start);
        let done: number;
        try {
            done = doBatch(start, batch);
        } catch {
            Atomics.store(job.control, HELPER_STOPPED, 1);
            Atomics.notify(job.control, HELPER_DONE);
            return;
        }
        Atomics.store(job.control, HELPER_BATCH, -1);
        Atomics.add(job.control, HELPER_DONE, done);
        Atomics.notify(job.control, HELPER_DONE);
    }
}

/**
 * A function that does the items of one batch (from `start`, at most `size`) and returns how many there
 * were. With `nameOf`, an item's error becomes UnreadableFileError naming it.
 */
function batchRunner(
    job: SharedJob,
    items: readonly string[],
    nameOf?: (index: number) => string,
): (start: number, size: number) => number {
    const doItem = itemRunner(job, items);
    return (start, size) => {
        const end = Math.min(items.length, start + size);
        for (let index = start; index < end; index++) {
            try {
                doItem(index);
            } catch (error) {
                throw nameOf ? new UnreadableFileError(nameOf(index), (error as Error).message) : error;
            }
        }
        return end - start;
    };
}

function itemRunner(job: SharedJob, items: readonly string[]): (index: number) => void {
    if (job.task === "stat") {
        const stat = job.presence ? statPresenceInto : statFileInto;
        return (index) => stat(items[index], job.stats, index);
    }
    const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    const { digests, slots, stats, confineTo } = job;
    return (index) =>
        digestFileInto(items[index], buffer, digests, slots[index] * DIGEST_BYTES, stats, slots[index], confineTo);
}
