/**
 * The errors about the layer's content that name the input at fault, so that `check` reports them as
 * failures of that input. This module imports nothing: the worker threads load it too.
 */

/** Bad content, named by the input at fault (`source.path`, `source.include`, `zipFile`, ...). */
export class SourceError extends Error {
    /** The input property at fault, e.g. `source.path`. */
    readonly property: string;

    constructor(property: string, message: string) {
        super(message);
        this.name = "SourceError";
        this.property = property;
    }
}

/**
 * A file of `source.path` that could not be stat'ed or read (it vanished, its folder is not searchable,
 * the user may not read it), or that changed while the zip was written. Named by its path in
 * `source.path`, never by the path it was read through (which may be a followed link's target).
 */
export class UnreadableFileError extends SourceError {
    constructor(
        /** The file's path below `source.path`, with `/` separators. */
        readonly relativePath: string,
        /** The system's error message, or how the file changed. */
        readonly reason: string,
        /** True when the file was read but no longer matches what was listed and hashed. */
        readonly changed = false,
    ) {
        super(
            "source.path",
            changed
                ? `source.path: ${relativePath} changed while the zip was written (${reason}); run the command again`
                : `source.path: cannot read ${relativePath}: ${reason}`,
        );
        this.name = "UnreadableFileError";
    }
}
