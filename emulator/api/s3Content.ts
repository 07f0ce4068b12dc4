/**
 * PublishLayerVersion's S3 content: Lambda reads the object at call time, and reports what S3
 * answered as a 400 InvalidParameterValueException worded "Error occurred while GetObject. S3 Error
 * Code: <code>. S3 Error Message: <message>".
 */
import type { ObjectStore } from "../s3/objectStore";
import { readFileShared } from "../worker/sharedMemory";
import { ApiError } from "./errors";

/** Where the content is, as PublishLayerVersion's `Content` names it. */
export interface S3Location {
    bucket?: string;
    key?: string;
    objectVersion?: string;
}

function getObjectError(code: string, message: string): ApiError {
    return new ApiError(
        "InvalidParameterValueException",
        `Error occurred while GetObject. S3 Error Code: ${code}. S3 Error Message: ${message}`,
    );
}

/**
 * The object's bytes, read as Lambda reads them from the layer's own region, into shared memory: the
 * worker thread reads the archive next.
 */
export async function readS3Content(objects: ObjectStore, region: string, location: S3Location): Promise<Buffer> {
    const { bucket, key, objectVersion } = location;
    if (bucket === undefined || key === undefined) {
        throw new ApiError(
            "InvalidParameterValueException",
            "Content.S3Bucket and Content.S3Key must both be given to publish from S3.",
        );
    }
    const record = objects.bucket(bucket);
    if (!record) throw getObjectError("NoSuchBucket", "The specified bucket does not exist");
    if (record.region !== region) {
        throw getObjectError(
            "PermanentRedirect",
            `The bucket is in this region: ${record.region}. Please use this region to retry the request`,
        );
    }
    const version =
        objectVersion === undefined ? objects.latest(bucket, key) : objects.version(bucket, key, objectVersion);
    if (objectVersion !== undefined && (!version || version.deleteMarker)) {
        throw getObjectError("NoSuchVersion", "The specified version does not exist.");
    }
    if (!version || version.deleteMarker || version.dataFile === undefined) {
        throw getObjectError("NoSuchKey", "The specified key does not exist.");
    }
    return readFileShared(objects.dataPath(version.dataFile));
}
