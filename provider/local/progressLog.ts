/**
 * One line per long step (listing and hashing, zipping, uploading, publishing) on the provider host's
 * stdout, which the Pulumi engine shows under the resource as info: a user watching a 200 MB layer sees
 * it move. Warnings go to stderr, as the provider's other warnings do. (The host's first stdout line,
 * its port, is written before any provider call.)
 */

/** Where lines go; tests pass their own. */
export type ProgressSink = (line: string) => void;

const PREFIX = "pulumi-lambda-layer:";

/** Writes `message` about `layerName` as one progress line. */
export function logProgress(layerName: string, message: string, sink: ProgressSink = toStdout): void {
    sink(`${PREFIX} layer "${layerName}": ${message}`);
}

/** Writes `message` about `layerName` as one warning line. */
export function logWarning(layerName: string, message: string, sink: ProgressSink = toStderr): void {
    sink(`${PREFIX} warning: layer "${layerName}": ${message}`);
}

function toStdout(line: string): void {
    console.log(line);
}

function toStderr(line: string): void {
    console.error(line);
}

/** Bytes as a person reads them: `812 B`, `61.4 MB` (decimal megabytes, as S3 and Lambda quote them). */
export function formatBytes(bytes: number): string {
    if (bytes < 1000) return `${bytes} B`;
    if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
    if (bytes < 1_000_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
    return `${(bytes / 1_000_000_000).toFixed(2)} GB`;
}

/** The time since `startedAt` (a `performance.now()` reading), e.g. `1.4 s`. */
export function elapsed(startedAt: number): string {
    return `${((performance.now() - startedAt) / 1000).toFixed(1)} s`;
}

/** At most this many percentage lines per upload: one every 10%. */
const PERCENT_STEP = 10;

/**
 * Turns an upload's progress events into throttled lines: one at every 10% crossed, never the same
 * step twice, whatever order or rate the events come at.
 */
export function uploadPercentages(
    layerName: string,
    total: number,
    sink: ProgressSink = toStdout,
): (loaded: number) => void {
    let lastStep = 0;
    const startedAt = performance.now();
    return (loaded) => {
        const step = Math.floor((Math.min(loaded, total) / total) * (100 / PERCENT_STEP)) * PERCENT_STEP;
        if (step > lastStep && step < 100) {
            lastStep = step;
            logProgress(
                layerName,
                `uploading: ${step}% (${formatBytes(loaded)} of ${formatBytes(total)}, ${elapsed(startedAt)})`,
                sink,
            );
        }
    };
}
