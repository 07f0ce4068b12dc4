/**
 * The child process that runs one of our steps once and prints its figures as one JSON line. Each
 * measured run is a fresh process, like each `pulumi preview` / `up` starts a new provider host: the
 * digest cache is only what is on disk, and peak RSS belongs to this one step. The time is taken around
 * the call itself, after node has started and loaded the modules (the host is already running when
 * `check` or `create` is called).
 */
import { computeSourceHash } from "../provider/hashing/contentDigests";
import { listSourceFiles } from "../provider/listing/sourceFiles";
import { writeLayerZip } from "../provider/zip/zipWriter";

/** What the parent asks for: hash a tree (`check`), or list it and write its zip (`create`). */
export type ChildRequest = { step: "hash"; root: string } | { step: "zip"; root: string; destination: string };

/** What the child prints. */
export interface ChildReply {
    /** Time spent in the call, in milliseconds. */
    inProcessMs: number;
    /** Peak resident set size of this process (worker threads included), in KiB. */
    maxRssKb: number;
    /** The sourceHash, or the zip's base64 sha256: equal across runs when the output is deterministic. */
    digest: string;
    /** Hash: files read rather than taken from the digest cache. */
    filesRead?: number;
    /** Hash: whether the listing came from the digest cache. */
    listingReused?: boolean;
    /** Zip: its size in bytes. */
    zipBytes?: number;
}

async function runStep(request: ChildRequest): Promise<Omit<ChildReply, "inProcessMs" | "maxRssKb">> {
    if (request.step === "hash") {
        const { sourceHash, filesRead, listingReused } = await computeSourceHash({ path: request.root }, "/");
        return { digest: sourceHash, filesRead, listingReused };
    }
    const written = await writeLayerZip(listSourceFiles({ path: request.root }, "/"), request.destination);
    return { digest: written.sha256Base64, zipBytes: written.bytes };
}

async function main(): Promise<void> {
    const request = JSON.parse(process.argv[2]) as ChildRequest;
    const started = process.hrtime.bigint();
    const result = await runStep(request);
    const inProcessMs = Number(process.hrtime.bigint() - started) / 1e6;
    const reply: ChildReply = { inProcessMs, maxRssKb: process.resourceUsage().maxRSS, ...result };
    process.stdout.write(`${JSON.stringify(reply)}\n`);
}

if (require.main === module) {
    main().catch((error: unknown) => {
        process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exitCode = 1;
    });
}
