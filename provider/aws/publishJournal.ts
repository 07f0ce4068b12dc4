/**
 * The publish journal: a note on disk for every PublishLayerVersion in flight, so that a version that a
 * create published but never handed to Pulumi (the provider was killed, the machine went down, or the
 * cleanup after a failed create failed too) is found and removed by the next create or delete of the
 * same layer on this machine, instead of staying in AWS with nothing managing it.
 *
 * A note is a file of JSON lines, only ever appended to and flushed: the intent first (layer, region,
 * the zip's CodeSha256 and the version's settings, when, which process), then the version's ARN the
 * moment AWS answers, or that the create gave up on it. A kill at any point leaves whole lines and at
 * most a torn last one, which is ignored; no temporary file is ever made. The note is removed when the
 * create returns or has cleaned up. A note whose process is gone (processLiveness.ts: a lock socket, the
 * PID with its start time, the boot id) or that its create gave up on is abandoned: with an ARN, that
 * version is deleted; without one (killed between AWS's answer and the note), the versions created
 * since the publish began with the same content and settings, and that no other note claims, are the
 * publish's own, and are deleted too.
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    DeleteLayerVersionCommand,
    GetLayerVersionCommand,
    LambdaClient,
    LayerVersionsListItem,
    ListLayerVersionsCommand,
    PublishLayerVersionCommandOutput,
} from "@aws-sdk/client-lambda";
import { callLambdaOrMissing } from "./lambdaClient";
import { bareLayerName, parseLayerVersionArn } from "../rules/layerVersionRef";
import { providerStateDirectory } from "../local/stateDirectory";
import {
    factsAbout,
    holdLiveLock,
    lockAnswers,
    ownerIsGone,
    thisProcess,
    type LiveLock,
    type OwnerFacts,
    type ProcessIdentity,
} from "../local/processLiveness";

/** The settings a version is published with, besides its content: what tells one publish's version from another's. */
export interface PublishSettings {
    description?: string;
    licenseInfo?: string;
    compatibleRuntimes?: string[];
    compatibleArchitectures?: string[];
}

/** What one note says. */
export interface PublishRecord extends ProcessIdentity {
    /** The layer as the resource names it (a name or a layer ARN). */
    layerName: string;
    region: string;
    /** Base64 sha256 of the zip sent (AWS's CodeSha256); absent for content in S3. */
    codeSha256?: string;
    settings?: PublishSettings;
    /** When the publish was about to be sent, ISO 8601. */
    startedAt: string;
    /** The published version, once PublishLayerVersion answered. */
    versionArn?: string;
    /** Set when the create gave up on the version (its cleanup failed): recover it even while its process lives on. */
    abandoned?: boolean;
}

/** A note, the file it is kept in, and (for this process's own notes) the lock held while it lives. */
export interface JournalEntry {
    file: string;
    record: PublishRecord;
    lock?: LiveLock;
}

const FORMAT = "pulumi-lambda-layer/publish-journal/v2";
const NOTE_SUFFIX = ".note";
/**
 * Notes of the first format: one JSON object, `<key>.<pid>.<hex>.json`, rewritten through a temporary
 * `<note>.<hex>.tmp`. Still read, so that what an earlier version left (a `.tmp` a kill left too) is recovered.
 */
const FORMAT_V1 = "pulumi-lambda-layer/publish-journal/v1";
const V1_NOTE = /\.json(\.[0-9a-f]+\.tmp)?$/;
const LOCK_SUFFIX = ".sock";
const WARNING = "pulumi-lambda-layer: warning:";
/**
 * How old a lock socket with no note must be before it is judged: a live create writes its note right
 * after taking its lock, and a socket made on another machine sharing the folder refuses connections
 * from here however alive its owner is.
 */
const ORPHAN_LOCK_AGE_MS = 10 * 60_000;
/** How far AWS's clock may run behind this machine's when versions are matched to a note's start time. */
const CLOCK_SKEW_ALLOWANCE_MS = 5 * 60_000;

/**
 * Where the notes are kept: `PULUMI_LAMBDA_LAYER_JOURNAL_DIR`, else `$XDG_CACHE_HOME/pulumi-lambda-layer/journal`,
 * else `~/.cache/pulumi-lambda-layer/journal`. Pure.
 */
export function journalDirectory(env: NodeJS.ProcessEnv = process.env): string {
    if (env.PULUMI_LAMBDA_LAYER_JOURNAL_DIR) {
        return path.resolve(env.PULUMI_LAMBDA_LAYER_JOURNAL_DIR);
    }
    return path.join(providerStateDirectory(env), "journal");
}

/**
 * The file-name prefix of one layer's notes, so that a create reads only its own layer's notes. A layer
 * ARN and its bare name are the same layer. Pure.
 */
export function layerKey(layerName: string, region: string): string {
    return createHash("sha256")
        .update(`${region}\n${bareLayerName(layerName)}`)
        .digest("hex")
        .slice(0, 16);
}

/** A note nobody will finish: its create gave up on it, or its process is gone (see ownerIsGone). Pure. */
export function isAbandoned(record: PublishRecord, here: ProcessIdentity, facts: OwnerFacts): boolean {
    return record.abandoned === true || ownerIsGone(record, here, facts);
}

/**
 * Writes the note for a publish about to be sent, and takes this process's lock. The journal is a
 * safety net: when it cannot be written (a read-only home, a full disk) the create goes on without it,
 * says so on stderr, and leaves no file behind.
 */
export async function beginPublish(
    intent: Pick<PublishRecord, "layerName" | "region" | "codeSha256" | "settings">,
    directory: string = journalDirectory(),
): Promise<JournalEntry | undefined> {
    const base = `${layerKey(intent.layerName, intent.region)}.${randomBytes(6).toString("hex")}`;
    const file = path.join(directory, `${base}${NOTE_SUFFIX}`);
    let lock: LiveLock | undefined;
    try {
        await fs.promises.mkdir(directory, { recursive: true, mode: 0o700 });
        lock = await holdLiveLock(path.join(directory, `${base}${LOCK_SUFFIX}`));
        const record: PublishRecord = {
            ...intent,
            startedAt: new Date().toISOString(),
            ...thisProcess(),
            lockSocket: lock?.socketPath,
        };
        appendLine(file, { format: FORMAT, ...record }, "wx");
        return { file, record, lock };
    } catch (error) {
        try {
            fs.rmSync(file, { force: true }); // what a full disk let through: a note with no whole line
        } catch {
            // The folder itself is unusable (not a folder, not searchable): nothing was written in it.
        }
        await lock?.release();
        console.error(
            `${WARNING} layer "${intent.layerName}": the publish journal ${directory} cannot be written (${(error as Error).message}); ` +
                "if this run is interrupted, look for an unmanaged version as the README's Reliability section says",
        );
        return undefined;
    }
}

/**
 * Adds the version AWS published to the note, synchronously, the moment the answer is in: from now on
 * an interrupted create is recovered by deleting it.
 */
export function recordVersion(entry: JournalEntry | undefined, versionArn: string): JournalEntry | undefined {
    return append(entry, { versionArn });
}

/** Marks the note as given up by its create, so that the next create or delete recovers it. */
export async function abandonPublish(entry: JournalEntry | undefined): Promise<void> {
    append(entry, { abandoned: true });
    await entry?.lock?.release();
}

/** Removes the note: the version was handed to Pulumi, or nothing is left behind. */
export async function finishPublish(entry: JournalEntry | undefined): Promise<void> {
    if (entry) {
        await fs.promises.rm(entry.file, { force: true });
        await entry.lock?.release();
        if (entry.record.lockSocket) {
            // Left behind by a process that died holding it.
            await fs.promises.rm(entry.record.lockSocket, { force: true });
        }
    }
}

/** The notes of one layer, with whether each is abandoned. No API call; one readdir of a small folder. */
async function layerEntries(
    layerName: string,
    region: string,
    directory: string,
): Promise<Array<JournalEntry & { abandoned: boolean }>> {
    const here = thisProcess();
    const entries: Array<JournalEntry & { abandoned: boolean }> = [];
    for (const note of layerNotes(layerName, region, await journalNames(directory), directory)) {
        entries.push({ ...note, abandoned: isAbandoned(note.record, here, await factsAbout(note.record)) });
    }
    return entries;
}

/** The names in the journal folder; none when it does not exist yet. */
function journalNames(directory: string): Promise<string[]> {
    return fs.promises.readdir(directory).catch(() => [] as string[]);
}

/** The notes of one layer among the folder's `names`, as written. */
function layerNotes(layerName: string, region: string, names: readonly string[], directory: string): JournalEntry[] {
    const key = layerKey(layerName, region);
    return names
        .filter((name) => name.startsWith(`${key}.`) && (name.endsWith(NOTE_SUFFIX) || V1_NOTE.test(name)))
        .flatMap((name) => {
            const file = path.join(directory, name);
            const record = readRecord(file);
            return record && layerKey(record.layerName, record.region) === key ? [{ file, record }] : [];
        });
}

/** The abandoned notes of one layer. No API call. */
export async function abandonedEntries(
    layerName: string,
    region: string,
    directory: string = journalDirectory(),
): Promise<JournalEntry[]> {
    return (await layerEntries(layerName, region, directory)).filter((entry) => entry.abandoned);
}

/**
 * Recovers the abandoned notes of one layer before it is published or deleted: a version with an ARN is
 * deleted (it was never handed to Pulumi); for a note without one, the versions that publish made are
 * found by their content and settings and deleted (see unconfirmedVersions). A recovery that fails is
 * reported and left for the next run: it never fails the operation that triggered it.
 */
export async function recoverInterruptedPublishes(
    layerName: string,
    region: string,
    client: LambdaClient,
    directory: string = journalDirectory(),
): Promise<void> {
    const entries = await layerEntries(layerName, region, directory);
    for (const entry of entries.filter((candidate) => candidate.abandoned)) {
        try {
            const versions = entry.record.versionArn
                ? [entry.record.versionArn]
                : await unconfirmedVersions(entry, entries, client);
            for (const versionArn of versions) {
                await deleteUnmanagedVersion(entry, versionArn, client);
            }
            await finishPublish(entry);
        } catch (error) {
            console.error(
                `${WARNING} ${(error as Error).message}; the journal note ${entry.file} is kept for the next run`,
            );
        }
    }
    await removeOrphanLocks(layerName, region, directory);
}

/**
 * Removes the layer's lock sockets that no note names, older than ORPHAN_LOCK_AGE_MS, whose process is
 * gone: what a kill between taking the lock and writing the note leaves. Nothing else would ever remove them.
 */
async function removeOrphanLocks(layerName: string, region: string, directory: string): Promise<void> {
    const key = layerKey(layerName, region);
    const names = await journalNames(directory);
    const named = new Set(layerNotes(layerName, region, names, directory).map((note) => note.record.lockSocket));
    for (const name of names.filter(
        (candidate) => candidate.startsWith(`${key}.`) && candidate.endsWith(LOCK_SUFFIX),
    )) {
        const socketPath = path.join(directory, name);
        if (named.has(socketPath) || names.includes(`${name.slice(0, -LOCK_SUFFIX.length)}${NOTE_SUFFIX}`)) {
            continue;
        }
        const modifiedMs = (await fs.promises.lstat(socketPath).catch(() => undefined))?.mtimeMs;
        if (
            modifiedMs !== undefined &&
            Date.now() - modifiedMs > ORPHAN_LOCK_AGE_MS &&
            (await lockAnswers(socketPath)) === false
        ) {
            await fs.promises.rm(socketPath, { force: true });
        }
    }
}

async function deleteUnmanagedVersion(entry: JournalEntry, versionArn: string, client: LambdaClient): Promise<void> {
    const { layerName, startedAt, pid, host } = entry.record;
    const ref = parseLayerVersionArn(versionArn);
    await callLambdaOrMissing(layerName, "DeleteLayerVersion (recovery)", () =>
        client.send(new DeleteLayerVersionCommand({ LayerName: ref.layerArn, VersionNumber: ref.version })),
    );
    console.error(
        `pulumi-lambda-layer: layer "${layerName}": deleted ${versionArn}, published at ${startedAt} by process ${pid} on ${host} ` +
            "whose create never finished, so no stack managed it",
    );
}

/**
 * The versions a publish whose answer never reached its note made: created since it began (allowing for
 * clock skew), with its settings and its CodeSha256, and claimed by no other note of the layer (a create
 * still running may have published the same content). A publish of content in S3 has no CodeSha256 to
 * match: its candidates are reported, never deleted.
 */
async function unconfirmedVersions(
    entry: JournalEntry,
    notes: readonly JournalEntry[],
    client: LambdaClient,
): Promise<string[]> {
    const { layerName, codeSha256, startedAt, pid, host, settings } = entry.record;
    const since = Date.parse(startedAt) - CLOCK_SKEW_ALLOWANCE_MS;
    const claimed = new Set(notes.map((note) => note.record.versionArn));
    const candidates = (await listVersions(layerName, client)).filter(
        (version) =>
            createdWithin(version, since) && !claimed.has(version.LayerVersionArn) && hasSettings(version, settings),
    );
    if (!codeSha256) {
        if (candidates.length) {
            console.error(
                `${WARNING} layer "${layerName}": process ${pid} on ${host} was publishing a version from S3 at ${startedAt} and never ` +
                    `learned whether it landed. Versions created since with its settings: ${candidates.map((version) => version.LayerVersionArn).join(", ")}. ` +
                    "One that no stack's state lists is unmanaged: remove it with aws lambda delete-layer-version",
            );
        }
        return [];
    }
    const matching: string[] = [];
    for (const version of candidates) {
        const ref = parseLayerVersionArn(version.LayerVersionArn!);
        const details = await callLambdaOrMissing(layerName, "GetLayerVersion (recovery)", () =>
            client.send(new GetLayerVersionCommand({ LayerName: ref.layerArn, VersionNumber: ref.version })),
        );
        if (details?.Content?.CodeSha256 === codeSha256) {
            matching.push(version.LayerVersionArn!);
        }
    }
    return matching;
}

/** Whether a listed version was published with `settings` (a note without them matches any). Pure. */
function hasSettings(version: LayerVersionsListItem, settings: PublishSettings | undefined): boolean {
    if (settings === undefined) {
        return true;
    }
    const sameSet = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
        JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());
    return (
        (version.Description ?? "") === (settings.description ?? "") &&
        (version.LicenseInfo ?? "") === (settings.licenseInfo ?? "") &&
        sameSet(version.CompatibleRuntimes, settings.compatibleRuntimes) &&
        sameSet(version.CompatibleArchitectures, settings.compatibleArchitectures)
    );
}

/**
 * After a publish that took more than one attempt: a version with the same CodeSha256 created during
 * the call, other than the one AWS answered with, is most likely a duplicate published by an attempt
 * whose answer was lost (a 500 or a timeout after AWS had published). It is reported, not deleted:
 * another stack publishing the same content at the same moment would look the same. No call at all
 * when the first attempt succeeded.
 */
export async function reportPossibleDuplicates(
    entry: JournalEntry | undefined,
    published: PublishLayerVersionCommandOutput,
    client: LambdaClient,
): Promise<void> {
    const attempts = published.$metadata.attempts ?? 1;
    if (!entry || attempts <= 1 || !entry.record.codeSha256) {
        return;
    }
    const { layerName } = entry.record;
    // The call's window on AWS's clock: from the answer's CreatedDate back by the call's duration here.
    const window = {
        from: Date.parse(published.CreatedDate ?? "") - (Date.now() - Date.parse(entry.record.startedAt)) - 1000,
        to: Date.parse(published.CreatedDate ?? ""),
    };
    try {
        const others = (await listVersions(layerName, client)).filter(
            (version) =>
                version.LayerVersionArn !== published.LayerVersionArn && createdWithin(version, window.from, window.to),
        );
        const duplicates: string[] = [];
        for (const version of others) {
            const ref = parseLayerVersionArn(version.LayerVersionArn!);
            const details = await callLambdaOrMissing(layerName, "GetLayerVersion", () =>
                client.send(new GetLayerVersionCommand({ LayerName: ref.layerArn, VersionNumber: ref.version })),
            );
            if (details?.Content?.CodeSha256 === entry.record.codeSha256) {
                duplicates.push(version.LayerVersionArn!);
            }
        }
        if (duplicates.length) {
            console.error(
                `${WARNING} layer "${layerName}": PublishLayerVersion took ${attempts} attempts and ${duplicates.join(", ")} ` +
                    `has the same content (CodeSha256 ${entry.record.codeSha256}) as ${published.LayerVersionArn}, created during the same call: ` +
                    "probably a duplicate published by an attempt whose answer was lost. If no stack's state lists it, remove it with aws lambda delete-layer-version",
            );
        }
    } catch (error) {
        console.error(
            `${WARNING} layer "${layerName}": could not look for duplicate versions after a retried publish: ${(error as Error).message}`,
        );
    }
}

/**
 * The layer's newest versions (the first page: AWS lists newest first), which is where a recent publish
 * shows; none when the layer does not exist.
 */
async function listVersions(layerName: string, client: LambdaClient): Promise<LayerVersionsListItem[]> {
    const listed = await callLambdaOrMissing(layerName, "ListLayerVersions", () =>
        client.send(new ListLayerVersionsCommand({ LayerName: layerName })),
    );
    return listed?.LayerVersions ?? [];
}

function createdWithin(version: LayerVersionsListItem, from: number, to = Infinity): boolean {
    const created = Date.parse(version.CreatedDate ?? "");
    return created >= from && created <= to;
}

/**
 * Appends `change` to the note as one line, flushed before returning. A failure (a full disk) is
 * reported: the note keeps what it said before, which recovery still acts on.
 */
function append(entry: JournalEntry | undefined, change: Partial<PublishRecord>): JournalEntry | undefined {
    if (!entry) {
        return undefined;
    }
    const record = { ...entry.record, ...change };
    try {
        appendLine(entry.file, change, "a");
    } catch (error) {
        console.error(
            `${WARNING} layer "${record.layerName}": the publish journal note ${entry.file} cannot be updated (${(error as Error).message})`,
        );
    }
    return { ...entry, record };
}

/** Writes `value` as one JSON line at the end of `file` (`wx`: a new file) and flushes it to disk. */
function appendLine(file: string, value: object, flags: "a" | "wx"): void {
    const fd = fs.openSync(file, flags, 0o600);
    try {
        const line = Buffer.from(`${JSON.stringify(value)}\n`);
        // A short write (the disk filling up) is carried on, so that the full disk fails it loudly.
        for (let written = 0; written < line.length;) {
            written += fs.writeSync(fd, line, written);
        }
        fs.fsyncSync(fd);
    } finally {
        fs.closeSync(fd);
    }
}

/** A whole note of the first format, or `undefined` (a torn temporary file holds nothing usable). */
function firstFormatRecord(text: string): PublishRecord | undefined {
    try {
        const { format, ...record } = JSON.parse(text);
        return format === FORMAT_V1 ? (record as PublishRecord) : undefined;
    } catch {
        return undefined;
    }
}

/** The note's lines merged in order; a torn last line (a kill or a full disk mid-write) is left out. */
function readRecord(file: string): PublishRecord | undefined {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return undefined; // removed by its own create meanwhile
    }
    const lines = text.split("\n").slice(0, -1); // only lines that were ended
    const parsed: Array<Record<string, unknown>> = [];
    for (const line of lines) {
        try {
            parsed.push(JSON.parse(line));
        } catch {
            break;
        }
    }
    if (V1_NOTE.test(file)) {
        return firstFormatRecord(text);
    }
    if (parsed.length === 0 || parsed[0].format !== FORMAT) {
        return undefined;
    }
    const { format: _format, ...record } = Object.assign({}, ...parsed);
    return record as PublishRecord;
}
