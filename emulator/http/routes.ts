/**
 * Which operation a request is: the REST bindings of the Lambda layer API (base path /2018-10-31),
 * plus the emulator's own download path for `Content.Location` links.
 */
import { DOWNLOAD_PATH_PREFIX } from "../api/downloadLinks";

/** The nine layer operations, named as the API names them. */
export type OperationName =
    | "PublishLayerVersion"
    | "GetLayerVersion"
    | "GetLayerVersionByArn"
    | "ListLayers"
    | "ListLayerVersions"
    | "DeleteLayerVersion"
    | "AddLayerVersionPermission"
    | "GetLayerVersionPolicy"
    | "RemoveLayerVersionPermission";

/** The path parameters of the layer operations, percent-decoded. */
export interface PathParameters {
    LayerName?: string;
    VersionNumber?: string;
    StatementId?: string;
}

/** An API request: the operation and its path parameters. */
export interface ApiRoute {
    kind: "api";
    operation: OperationName;
    path: PathParameters;
}

/** A download of a layer archive through a `Content.Location` link. */
export interface DownloadRoute {
    kind: "download";
    token: string;
}

const API_BASE = "/2018-10-31/layers";

/** The bindings as the API reference writes them, relative to API_BASE; `{X}` is a path parameter. */
const BINDINGS: ReadonlyArray<{ method: string; path: string; operation: OperationName }> = [
    { method: "GET", path: "", operation: "ListLayers" },
    { method: "GET", path: "/{LayerName}/versions", operation: "ListLayerVersions" },
    { method: "POST", path: "/{LayerName}/versions", operation: "PublishLayerVersion" },
    { method: "GET", path: "/{LayerName}/versions/{VersionNumber}", operation: "GetLayerVersion" },
    { method: "DELETE", path: "/{LayerName}/versions/{VersionNumber}", operation: "DeleteLayerVersion" },
    { method: "GET", path: "/{LayerName}/versions/{VersionNumber}/policy", operation: "GetLayerVersionPolicy" },
    { method: "POST", path: "/{LayerName}/versions/{VersionNumber}/policy", operation: "AddLayerVersionPermission" },
    {
        method: "DELETE",
        path: "/{LayerName}/versions/{VersionNumber}/policy/{StatementId}",
        operation: "RemoveLayerVersionPermission",
    },
];

/**
 * Whether a path belongs to the Lambda API (or its download links) rather than to the S3 subset.
 * Lambda's REST paths start with an API version date (`/2018-10-31/`, `/2015-03-31/`...): such a
 * path is Lambda's even for operations the emulator lacks, so that they get Lambda's error.
 */
export function isLambdaPath(pathname: string): boolean {
    return /^\/\d{4}-\d{2}-\d{2}(\/|$)/.test(pathname) || pathname.startsWith(DOWNLOAD_PATH_PREFIX);
}

/** The route of a request, or undefined when it is no operation of this API. */
export function matchRoute(
    method: string,
    pathname: string,
    query: URLSearchParams,
): ApiRoute | DownloadRoute | undefined {
    if (pathname.startsWith(DOWNLOAD_PATH_PREFIX)) {
        return method === "GET" ? { kind: "download", token: pathname.slice(DOWNLOAD_PATH_PREFIX.length) } : undefined;
    }
    if (pathname !== API_BASE && !pathname.startsWith(`${API_BASE}/`)) return undefined;
    const segments = splitPath(pathname.slice(API_BASE.length));
    for (const binding of BINDINGS) {
        if (binding.method !== method) continue;
        const path = matchSegments(splitPath(binding.path), segments);
        if (!path) continue;
        // GetLayerVersionByArn shares ListLayers' path: GET /2018-10-31/layers?find=LayerVersion&Arn=...
        const byArn = binding.operation === "ListLayers" && query.get("find") === "LayerVersion";
        return { kind: "api", operation: byArn ? "GetLayerVersionByArn" : binding.operation, path };
    }
    return undefined;
}

function splitPath(path: string): string[] {
    return path.split("/").filter((segment) => segment !== "");
}

/** The parameters of `segments` (still percent-encoded, so an encoded "/" stays in its parameter) against a template. */
function matchSegments(template: string[], segments: string[]): PathParameters | undefined {
    if (template.length !== segments.length) return undefined;
    const parameters: Record<string, string> = {};
    for (const [index, part] of template.entries()) {
        const name = /^\{(\w+)\}$/.exec(part)?.[1];
        if (name === undefined) {
            if (part !== segments[index]) return undefined;
            continue;
        }
        try {
            parameters[name] = decodeURIComponent(segments[index]);
        } catch {
            return undefined;
        }
    }
    return parameters;
}
