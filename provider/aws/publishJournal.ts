/**
 * The publish journal: a note on disk for every PublishLayerVersion in flight, so that a version that a
 * create published but never handed to Pulumi (the provider was killed, the machine went down, or the
 * cleanup after a failed create failed too) is found and removed by the next create or delete of the
 * same layer on this machine, instead of staying in AWS with nothing managing it.
 *
 * A create writes its note before the publish (the intent: layer, region, the zip's CodeSha256, when,
 * which process), adds the version's ARN as soon as AWS answers, and removes the note when it returns
 * or has cleaned up. A note whose process is gone (or that its create gave up on) is abandoned: with an
 * ARN, that version is deleted; without one, nobody knows whether the publish landed, so the versions
 * created since are listed and reported, never deleted (another stack may publish the same content).
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    DeleteLayerVersionCommand,
    GetLayerVersionByArnCommand,
    LambdaClient,
    LayerVersionsListItem,
    ListLayerVersionsCommand,
    PublishLayerVersionCommandOutput,
} from "@aws-sdk/client-lambda";
import { callLambda, callLambdaOrMissing } from "./lambdaClient";
import { bareLayerName, parseLayerVersionArn } from "../rules/layerVersionRef";
import { providerStateDirectory } from "../local/stateDirectory";

/** What one note says. */
export interface PublishRecord {
    /** The layer as the resource names it (a name or a layer ARN). */
    layerName: string;
    region: string;
    /** Base64 sha256 of the zip sent (AWS's CodeSha256); absent for content in S3. */
    codeSha256?: string;
    /** When the publish was about to be sent, ISO 8601. */
    startedAt: string;
    /** The process that publishes, on `host`: while it lives, nobody else touches the note. */
    pid: number;
    host: string;
    /** The published version, once PublishLayerVersion answered. */
    versionArn?: string;
    /** Set when the create gave up on the version (its cleanup failed): recover it even while `pid` lives on. */
    abandoned?: boolean;
}

/** A note and the file it is kept in. */
export interface JournalEntry {
    file: string;
    record: PublishRecord;
}

/** Says whether a process of this host still runs (`process.kill(pid, 0)` by default). */
export type ProcessProbe = (pid: number) => boolean;

const FORMAT = "pulumi-lambda-layer/publish-journal/v1";
const WARNING = "pulumi-lambda-layer: warning:";
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

/** A note nobody will finish: its create gave up on it, or its process no longer runs on this host. Pure. */
export function isAbandoned(record: PublishRecord, host: string, isAlive: ProcessProbe): boolean {
    return record.abandoned === true || (record.host === host && !isAlive(record.pid));
}

/** `process.kill(pid, 0)`: no such process is ESRCH; EPERM means it runs under another user. */
function processIsAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

/**
 * Writes the note for a publish about to be sent. The journal is a safety net: when it cannot be
 * written (a read-only home, a full disk) the create goes on without it, and says so on stderr.
 */
export async function beginPublish(
    intent: Pick<PublishRecord, "layerName" | "region" | "codeSha256">,
    directory: string = journalDirectory(),
): Promise<JournalEntry | undefined> {
    const file = path.join(
        directory,
        `${layerKey(intent.layerName, intent.region)}.${process.pid}.${randomBytes(6).toString("hex")}.json`,
    );
    const record: PublishRecord = {
        ...intent,
        startedAt: new Date().toISOString(),
        pid: process.pid,
        host: os.hostname(),
    };
    try {
        await fs.promises.mkdir(directory, { recursive: true, mode: 0o700 });
        await writeRecord(file, record);
        return { file, record };
    } catch (error) {
        console.error(
            `${WARNING} layer "${intent.layerName}": the publish journal ${directory} cannot be written (${(error as Error).message}); ` +
                "if this run is interrupted, look for an unmanaged version as the README's Reliability section says",
        );
        return undefined;
    }
}

/** Adds the version AWS published to the note: from now on an interrupted create is recovered by deleting it. */
export async function recordVersion(
    entry: JournalEntry | undefined,
    versionArn: string,
): Promise<JournalEntry | undefined> {
    return rewrite(entry, { versionArn });
}

/** Marks the note as given up by its create, so that the next create or delete recovers it. */
export async function abandonPublish(entry: JournalEntry | undefined): Promise<void> {
    await rewrite(entry, { abandoned: true });
}

/** Removes the note: the version was handed to Pulumi, or nothing is left behind. */
export async function finishPublish(entry: JournalEntry | undefined): Promise<void> {
    if (entry) {
        await fs.promises.rm(entry.file, { force: true });
    }
}

/** The abandoned notes of one layer. No API call; one readdir of a small folder. */
async function abandonedEntries(
    layerName: string,
    region: string,
    directory: string = journalDirectory(),
    isAlive: ProcessProbe = processIsAlive,
): Promise<JournalEntry[]> {
    const key = layerKey(layerName, region);
    const names = await fs.promises.readdir(directory).catch(() => [] as string[]);
    const entries: JournalEntry[] = [];
    for (const name of names.filter((candidate) => candidate.startsWith(`${key}.`) && candidate.endsWith(".json"))) {
        const record = await readRecord(path.join(directory, name));
        if (
            record &&
            layerKey(record.layerName, record.region) === key &&
            isAbandoned(record, os.hostname(), isAlive)
        ) {
            entries.push({ file: path.join(directory, name), record });
        }
    }
    return entries;
}

/**
 * Recovers the abandoned notes of one layer before it is published or deleted: a version with an ARN
 * is deleted (it was never handed to Pulumi); for a note without one, the versions created since the
 * publish started are reported on stderr with how to check and delete them. A recovery that fails is
 * reported and left for the next run: it never fails the operation that triggered it.
 */
export async function recoverInterruptedPublishes(
    layerName: string,
    region: string,
    client: LambdaClient,
    directory: string = journalDirectory(),
): Promise<void> {
    for (const entry of await abandonedEntries(layerName, region, directory)) {
        try {
            await (entry.record.versionArn
                ? deleteUnmanagedVersion(entry, client)
                : reportUnconfirmedPublish(entry, client));
            await finishPublish(entry);
        } catch (error) {
            console.error(
                `${WARNING} ${(error as Error).message}; the journal note ${entry.file} is kept for the next run`,
            );
        }
    }
}

async function deleteUnmanagedVersion(entry: JournalEntry, client: LambdaClient): Promise<void> {
    const { layerName, versionArn, startedAt, pid, host } = entry.record;
    const ref = parseLayerVersionArn(versionArn!);
    await callLambdaOrMissing(layerName, "DeleteLayerVersion (recovery)", () =>
        client.send(new DeleteLayerVersionCommand({ LayerName: ref.layerArn, VersionNumber: ref.version })),
    );
    console.error(
        `pulumi-lambda-layer: layer "${layerName}": deleted ${versionArn}, published at ${startedAt} by process ${pid} on ${host} ` +
            "whose create never finished, so no stack managed it",
    );
}

async function reportUnconfirmedPublish(entry: JournalEntry, client: LambdaClient): Promise<void> {
    const { layerName, codeSha256, startedAt, pid, host } = entry.record;
    // The note's start is this machine's time; AWS's clock may differ a little.
    const since = Date.parse(startedAt) - CLOCK_SKEW_ALLOWANCE_MS;
    const suspects = (await listVersions(layerName, client)).filter((version) => createdWithin(version, since));
    if (suspects.length === 0) {
        return;
    }
    const content = codeSha256 ? `CodeSha256 ${codeSha256}` : "the S3 object it was given";
    console.error(
        `${WARNING} layer "${layerName}": process ${pid} on ${host} was publishing a version (${content}) at ${startedAt} and never ` +
            `learned whether it landed. Versions created since: ${suspects.map((version) => version.LayerVersionArn).join(", ")}. ` +
            "One that no stack's state lists and whose CodeSha256 matches (aws lambda get-layer-version --layer-name <name> " +
            "--version-number <n> --query Content.CodeSha256) is unmanaged: remove it with aws lambda delete-layer-version",
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
            const details = await callLambdaOrMissing(layerName, "GetLayerVersionByArn", () =>
                client.send(new GetLayerVersionByArnCommand({ Arn: version.LayerVersionArn })),
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

/** The layer's newest versions (the first page: AWS lists newest first), which is where a recent publish shows. */
async function listVersions(layerName: string, client: LambdaClient): Promise<LayerVersionsListItem[]> {
    const listed = await callLambda(layerName, "ListLayerVersions", () =>
        client.send(new ListLayerVersionsCommand({ LayerName: layerName })),
    );
    return listed.LayerVersions ?? [];
}

function createdWithin(version: LayerVersionsListItem, from: number, to = Infinity): boolean {
    const created = Date.parse(version.CreatedDate ?? "");
    return created >= from && created <= to;
}

async function rewrite(
    entry: JournalEntry | undefined,
    change: Partial<PublishRecord>,
): Promise<JournalEntry | undefined> {
    if (!entry) {
        return undefined;
    }
    const record = { ...entry.record, ...change };
    await writeRecord(entry.file, record).catch((error: Error) => {
        console.error(
            `${WARNING} layer "${record.layerName}": the publish journal note ${entry.file} cannot be updated (${error.message})`,
        );
    });
    return { file: entry.file, record };
}

/** Written beside its target, flushed, and renamed over it: a reader never sees half a note. */
async function writeRecord(file: string, record: PublishRecord): Promise<void> {
    const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    const handle = await fs.promises.open(temporary, "w", 0o600);
    try {
        await handle.writeFile(JSON.stringify({ format: FORMAT, ...record }));
        await handle.sync();
    } finally {
        await handle.close();
    }
    await fs.promises.rename(temporary, file);
}

async function readRecord(file: string): Promise<PublishRecord | undefined> {
    try {
        const { format, ...record } = JSON.parse(await fs.promises.readFile(file, "utf8"));
        return format === FORMAT ? (record as PublishRecord) : undefined;
    } catch {
        // Removed by its own create meanwhile, or not ours.
        return undefined;
    }
}
