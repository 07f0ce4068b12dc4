/**
 * The S3 subset's state: buckets (each in a region), objects with their versions, and multipart
 * uploads in progress. Object bytes live in files, written as they stream in and never held whole
 * in memory; the index lives in memory and, with a data directory, in small JSON files:
 *
 *     <root>/buckets/<bucket>.json            the bucket: region, creation date, versioning
 *     <root>/keys/<bucket>/<sha256(key)>.json  one key: its versions, newest first
 *     <root>/uploads/<uploadId>.json           a multipart upload and its parts
 *     <root>/data/<uuid>                       the bytes of one object version or part
 *
 * A data file is written and flushed before the record that names it, and deleted after the record
 * that named it is gone: a kill at any moment leaves at worst an unnamed data file, swept at start-up.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeDirectoryDurably, removeFileDurably, TEMPORARY_SUFFIX, writeFileDurably } from "../storage/atomicFile";
import type { ChecksumAlgorithm, ChecksumType } from "./checksums";
import { S3Error } from "./s3Errors";

export type VersioningStatus = "Enabled" | "Suspended";

export interface BucketRecord {
    name: string;
    region: string;
    /** ISO 8601. */
    creationDate: string;
    versioning?: VersioningStatus;
}

/** The checksum kept with an object, returned by HeadObject / GetObject with ChecksumMode=ENABLED. */
export interface StoredChecksum {
    algorithm: ChecksumAlgorithm;
    type: ChecksumType;
    /** Base64; a COMPOSITE value ends in `-<number of parts>`. */
    value: string;
}

/** One version of an object, or a delete marker. */
export interface ObjectVersion {
    /** `null` (the string) for versions written while versioning was never enabled or is suspended. */
    versionId: string;
    deleteMarker?: boolean;
    /** The data file's name under `data/`; absent for a delete marker. */
    dataFile?: string;
    size: number;
    /** Quoted, as S3 sends it: the MD5 in hex, or for multipart the MD5 of the parts' MD5s and `-N`. */
    etag: string;
    /** ISO 8601. */
    lastModified: string;
    contentType?: string;
    metadata: Record<string, string>;
    checksum?: StoredChecksum;
    partCount?: number;
    storage?: StorageSettings;
}

/**
 * How the object is stored, as the request asked (`x-amz-server-side-encryption`,
 * `...-aws-kms-key-id`, `x-amz-storage-class`): kept and answered back, nothing is encrypted.
 */
export interface StorageSettings {
    /** `AES256` (S3's default for every object), `aws:kms` or `aws:kms:dsse`. */
    serverSideEncryption: string;
    kmsKeyId?: string;
    /** Absent for STANDARD, as S3 leaves the header out. */
    storageClass?: string;
}

interface KeyRecord {
    key: string;
    /** Newest first. */
    versions: ObjectVersion[];
}

export interface PartRecord {
    partNumber: number;
    dataFile: string;
    size: number;
    /** Quoted MD5 hex. */
    etag: string;
    /** Base64 checksum of the upload's algorithm. */
    checksum?: string;
    lastModified: string;
}

export interface UploadRecord {
    uploadId: string;
    bucket: string;
    key: string;
    initiated: string;
    algorithm?: ChecksumAlgorithm;
    checksumType?: ChecksumType;
    contentType?: string;
    metadata: Record<string, string>;
    storage?: StorageSettings;
    parts: Record<string, PartRecord>;
}

/** An object listed by ListObjectsV2: its key and current version. */
export interface ListedObject {
    key: string;
    version: ObjectVersion;
}

const BUCKET_FILE = /^([a-z0-9.-]{3,63})\.json$/;

export class ObjectStore {
    private readonly buckets = new Map<string, BucketRecord>();
    /** Per bucket, per key. */
    private readonly keys = new Map<string, Map<string, KeyRecord>>();
    private readonly uploads = new Map<string, UploadRecord>();
    private changes: Promise<unknown> = Promise.resolve();

    private constructor(
        private readonly root: string,
        /** With a data directory: flush every change. In memory mode the files are scratch space. */
        private readonly durable: boolean,
    ) {}

    /** The store kept under `root`, with what it already holds. `durable: false` removes `root` on close. */
    static async open(root: string, durable: boolean): Promise<ObjectStore> {
        const store = new ObjectStore(root, durable);
        for (const folder of ["buckets", "keys", "uploads", "data"]) await store.makeDirectory(join(root, folder));
        await store.load();
        return store;
    }

    /** Removes the scratch files of a store that is not durable. */
    async close(): Promise<void> {
        await this.changes;
        if (!this.durable) await rm(this.root, { recursive: true, force: true });
    }

    bucket(name: string): BucketRecord | undefined {
        return this.buckets.get(name);
    }

    allBuckets(): BucketRecord[] {
        return [...this.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    }

    createBucket(record: BucketRecord): Promise<void> {
        return this.exclusively(async () => {
            await this.write(this.bucketPath(record.name), JSON.stringify(record));
            await this.makeDirectory(join(this.root, "keys", record.name));
            this.buckets.set(record.name, record);
            this.keys.set(record.name, new Map());
        });
    }

    /** Deletes an empty bucket (and the uploads still open in it); a bucket holding any version is refused. */
    deleteBucket(name: string): Promise<void> {
        return this.exclusively(async () => {
            if ((this.keys.get(name)?.size ?? 0) > 0) {
                throw new S3Error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty", {
                    BucketName: name,
                });
            }
            for (const upload of [...this.uploads.values()].filter((candidate) => candidate.bucket === name)) {
                await this.dropUpload(upload);
            }
            await this.remove(this.bucketPath(name));
            await rm(join(this.root, "keys", name), { recursive: true, force: true });
            this.buckets.delete(name);
            this.keys.delete(name);
        });
    }

    setVersioning(name: string, status: VersioningStatus): Promise<void> {
        return this.exclusively(async () => {
            const record = { ...(this.buckets.get(name) as BucketRecord), versioning: status };
            await this.write(this.bucketPath(name), JSON.stringify(record));
            this.buckets.set(name, record);
        });
    }

    /** The current version of a key (possibly a delete marker), or undefined. */
    latest(bucket: string, key: string): ObjectVersion | undefined {
        return this.keys.get(bucket)?.get(key)?.versions[0];
    }

    version(bucket: string, key: string, versionId: string): ObjectVersion | undefined {
        return this.keys
            .get(bucket)
            ?.get(key)
            ?.versions.find((version) => version.versionId === versionId);
    }

    /** The bucket's keys whose current version is an object (not a delete marker), sorted by key. */
    listObjects(bucket: string): ListedObject[] {
        const listed: ListedObject[] = [];
        for (const record of this.keys.get(bucket)?.values() ?? []) {
            const current = record.versions[0];
            if (current && !current.deleteMarker) listed.push({ key: record.key, version: current });
        }
        return listed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }

    /** A fresh data file's name and path, to stream bytes into before committing them. */
    newDataFile(): { name: string; path: string } {
        const name = randomUUID();
        return { name, path: this.dataPath(name) };
    }

    dataPath(name: string): string {
        return join(this.root, "data", name);
    }

    /** Flushes a data file written by the caller (a no-op for a store that is not durable). */
    async flushDataFile(name: string): Promise<void> {
        if (!this.durable) return;
        const handle = await open(this.dataPath(name), "r+");
        try {
            await handle.sync();
        } finally {
            await handle.close();
        }
    }

    /** Deletes a data file that was never committed (a refused or broken upload). */
    discardDataFile(name: string): Promise<void> {
        return rm(this.dataPath(name), { force: true });
    }

    /**
     * Makes `version` the key's current version. `check(current)` runs first, inside the same
     * exclusive step, and may throw to refuse (e.g. `If-None-Match: *`). In a bucket that never had
     * versioning (or has it suspended) the `null` version is replaced and its bytes deleted.
     */
    putVersion(
        bucket: string,
        key: string,
        version: ObjectVersion,
        check: (current: ObjectVersion | undefined) => void = () => undefined,
    ): Promise<void> {
        return this.exclusively(async () => {
            const keys = this.existingKeys(bucket);
            const record = keys.get(key) ?? { key, versions: [] };
            check(record.versions[0]);
            const replaced = record.versions.filter((existing) => existing.versionId === version.versionId);
            const next: KeyRecord = {
                key,
                versions: [version, ...record.versions.filter((existing) => existing.versionId !== version.versionId)],
            };
            await this.write(this.keyPath(bucket, key), JSON.stringify(next));
            keys.set(key, next);
            for (const old of replaced) if (old.dataFile) await this.remove(this.dataPath(old.dataFile));
        });
    }

    /** Removes one version of a key (with its bytes); the key goes when its last version does. */
    removeVersion(bucket: string, key: string, versionId: string): Promise<ObjectVersion | undefined> {
        return this.exclusively(async () => {
            const keys = this.existingKeys(bucket);
            const record = keys.get(key);
            const removed = record?.versions.find((version) => version.versionId === versionId);
            if (!record || !removed) return undefined;
            const versions = record.versions.filter((version) => version !== removed);
            if (versions.length === 0) {
                await this.remove(this.keyPath(bucket, key));
                keys.delete(key);
            } else {
                const next = { key, versions };
                await this.write(this.keyPath(bucket, key), JSON.stringify(next));
                keys.set(key, next);
            }
            if (removed.dataFile) await this.remove(this.dataPath(removed.dataFile));
            return removed;
        });
    }

    upload(uploadId: string): UploadRecord | undefined {
        return this.uploads.get(uploadId);
    }

    createUpload(record: UploadRecord): Promise<void> {
        return this.exclusively(async () => {
            await this.write(this.uploadPath(record.uploadId), JSON.stringify(record));
            this.uploads.set(record.uploadId, record);
        });
    }

    /** Records a part (replacing an earlier upload of the same part number, whose bytes are deleted). */
    putPart(uploadId: string, part: PartRecord): Promise<void> {
        return this.exclusively(async () => {
            const upload = this.uploads.get(uploadId);
            if (!upload) {
                await this.discardDataFile(part.dataFile);
                throw new S3Error(404, "NoSuchUpload", "The specified upload does not exist.", { UploadId: uploadId });
            }
            const replaced = upload.parts[String(part.partNumber)];
            const next: UploadRecord = { ...upload, parts: { ...upload.parts, [String(part.partNumber)]: part } };
            await this.write(this.uploadPath(uploadId), JSON.stringify(next));
            this.uploads.set(uploadId, next);
            if (replaced) await this.remove(this.dataPath(replaced.dataFile));
        });
    }

    /** Ends an upload: its record and the bytes of its parts go (completion copied what it kept). */
    endUpload(uploadId: string): Promise<void> {
        return this.exclusively(async () => {
            const upload = this.uploads.get(uploadId);
            if (upload) await this.dropUpload(upload);
        });
    }

    private async dropUpload(upload: UploadRecord): Promise<void> {
        await this.remove(this.uploadPath(upload.uploadId));
        this.uploads.delete(upload.uploadId);
        for (const part of Object.values(upload.parts)) await this.remove(this.dataPath(part.dataFile));
    }

    private existingKeys(bucket: string): Map<string, KeyRecord> {
        const keys = this.keys.get(bucket);
        if (!keys)
            throw new S3Error(404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: bucket });
        return keys;
    }

    private async load(): Promise<void> {
        const named = new Set<string>();
        for (const file of await readdir(join(this.root, "buckets"))) {
            const match = BUCKET_FILE.exec(file);
            if (!match) continue;
            const record = JSON.parse(await readFile(join(this.root, "buckets", file), "utf8")) as BucketRecord;
            this.buckets.set(record.name, record);
            const keys = new Map<string, KeyRecord>();
            this.keys.set(record.name, keys);
            const folder = join(this.root, "keys", record.name);
            await this.makeDirectory(folder);
            for (const keyFile of await readdir(folder)) {
                if (!keyFile.endsWith(".json") || keyFile.startsWith(".")) continue;
                const keyRecord = JSON.parse(await readFile(join(folder, keyFile), "utf8")) as KeyRecord;
                keys.set(keyRecord.key, keyRecord);
                for (const version of keyRecord.versions) if (version.dataFile) named.add(version.dataFile);
            }
        }
        for (const file of await readdir(join(this.root, "uploads"))) {
            if (!file.endsWith(".json") || file.startsWith(".")) continue;
            const upload = JSON.parse(await readFile(join(this.root, "uploads", file), "utf8")) as UploadRecord;
            this.uploads.set(upload.uploadId, upload);
            for (const part of Object.values(upload.parts)) named.add(part.dataFile);
        }
        await this.sweep(named);
    }

    /** Removes what a crash mid-change left behind: data files no record names, and temporary files. */
    private async sweep(named: Set<string>): Promise<void> {
        for (const file of await readdir(join(this.root, "data"))) {
            if (!named.has(file)) await this.remove(this.dataPath(file));
        }
        for (const folder of ["buckets", "uploads", ...[...this.buckets.keys()].map((name) => join("keys", name))]) {
            for (const file of await readdir(join(this.root, folder))) {
                if (file.startsWith(".") && file.endsWith(TEMPORARY_SUFFIX))
                    await this.remove(join(this.root, folder, file));
            }
        }
    }

    private bucketPath(name: string): string {
        return join(this.root, "buckets", `${name}.json`);
    }

    /** Keys may hold any character, so their file is named by a hash. */
    private keyPath(bucket: string, key: string): string {
        return join(this.root, "keys", bucket, `${createHash("sha256").update(key).digest("hex")}.json`);
    }

    private uploadPath(uploadId: string): string {
        return join(this.root, "uploads", `${uploadId}.json`);
    }

    private write(path: string, data: string): Promise<void> {
        return this.durable ? writeFileDurably(path, data) : writeFile(path, data);
    }

    private remove(path: string): Promise<void> {
        return this.durable ? removeFileDurably(path) : rm(path, { force: true });
    }

    private async makeDirectory(path: string): Promise<void> {
        if (this.durable) await makeDirectoryDurably(path);
        else await mkdir(path, { recursive: true });
    }

    private exclusively<T>(change: () => Promise<T>): Promise<T> {
        const result = this.changes.then(change);
        this.changes = result.catch(() => undefined);
        return result;
    }
}
