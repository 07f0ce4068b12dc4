/**
 * The nine layer operations: each checks its request as AWS does (declared constraints first, all
 * reported at once, then the rules that need the state), changes the store, and answers in AWS's
 * shape. HTTP concerns (routing, bodies, faults) stay in server.ts.
 */
import { randomUUID } from "node:crypto";
import { layerArn, layerVersionArn, parseLayerName, parseLayerVersionArn, type LayerAddress } from "./arns";
import type { DownloadLinkSigner } from "./downloadLinks";
import { ApiError, layerVersionNotFound } from "./errors";
import { addStatement, buildStatement, policyDocumentJson, removeStatement } from "./policyDocument";
import { JsonBody } from "../http/requestBody";
import type { ApiRoute, OperationName } from "../http/routes";
import type { LayerKey, LayerStore, LayerVersionRecord } from "../storage/store";
import type { ObjectStore } from "../s3/objectStore";
import type { CpuWorker } from "../worker/cpuWorker";
import { readS3Content } from "./s3Content";
import {
    ARCHITECTURES,
    checkEnum,
    checkEnumList,
    checkRange,
    checkText,
    MAX_COMPATIBLE_ARCHITECTURES,
    MAX_COMPATIBLE_RUNTIMES,
    MAX_ITEMS_RANGE,
    notNull,
    rejectViolations,
    RUNTIMES,
    TEXT_RULES,
    type Violation,
} from "./validation";
import { inspectLayerArchive } from "./zipInspection";

/** What an operation works with besides its request. */
export interface OperationContext {
    store: LayerStore;
    /** The S3 subset's objects, read by PublishLayerVersion with S3 content. */
    objects: ObjectStore;
    links: DownloadLinkSigner;
    /** Where the CPU-heavy steps run (parsing bodies, reading archives), off the event loop. */
    cpuWorker: CpuWorker;
    accountId: string;
    /** The region the request was signed for. */
    region: string;
    /** Scheme, host and port the client reached the emulator at, for `Content.Location` links. */
    baseUrl: string;
    now: Date;
}

/** One API request, routed. */
export interface OperationRequest {
    route: ApiRoute;
    query: URLSearchParams;
    /** The raw body; empty for operations without one. */
    body: Buffer;
}

/** A successful answer: the status code the API documents and the JSON body, if any. */
export interface OperationResult {
    status: number;
    body?: unknown;
}

/** The operations whose request has a JSON body. */
export const OPERATIONS_WITH_BODY: ReadonlySet<OperationName> = new Set([
    "PublishLayerVersion",
    "AddLayerVersionPermission",
]);

const HANDLERS: Record<
    OperationName,
    (request: OperationRequest, context: OperationContext) => Promise<OperationResult>
> = {
    PublishLayerVersion: publishLayerVersion,
    GetLayerVersion: getLayerVersion,
    GetLayerVersionByArn: getLayerVersionByArn,
    ListLayers: listLayers,
    ListLayerVersions: listLayerVersions,
    DeleteLayerVersion: deleteLayerVersion,
    AddLayerVersionPermission: addLayerVersionPermission,
    GetLayerVersionPolicy: getLayerVersionPolicy,
    RemoveLayerVersionPermission: removeLayerVersionPermission,
};

/** Runs one operation; a refusal is thrown as an ApiError. */
export function runOperation(request: OperationRequest, context: OperationContext): Promise<OperationResult> {
    return HANDLERS[request.route.operation](request, context);
}

async function publishLayerVersion(request: OperationRequest, context: OperationContext): Promise<OperationResult> {
    const body = await JsonBody.parse(request.body, context.cpuWorker, ["Content.ZipFile"]);
    const content = body.object("Content");
    const s3 = {
        bucket: content?.string("S3Bucket"),
        key: content?.string("S3Key"),
        objectVersion: content?.string("S3ObjectVersion"),
    };
    const fields = {
        description: body.string("Description"),
        licenseInfo: body.string("LicenseInfo"),
        compatibleRuntimes: body.stringList("CompatibleRuntimes"),
        compatibleArchitectures: body.stringList("CompatibleArchitectures"),
    };
    const zip = content?.blob("ZipFile");
    rejectViolations([
        ...checkText("layerName", request.route.path.LayerName, TEXT_RULES.layerName, true),
        ...checkText("description", fields.description, TEXT_RULES.description),
        ...checkText("licenseInfo", fields.licenseInfo, TEXT_RULES.licenseInfo),
        ...checkEnumList("compatibleRuntimes", fields.compatibleRuntimes, RUNTIMES, MAX_COMPATIBLE_RUNTIMES),
        ...checkEnumList(
            "compatibleArchitectures",
            fields.compatibleArchitectures,
            ARCHITECTURES,
            MAX_COMPATIBLE_ARCHITECTURES,
        ),
        ...(content === undefined ? [notNull("content")] : []),
        ...checkText("content.s3Bucket", s3.bucket, TEXT_RULES.s3Bucket),
        ...checkText("content.s3Key", s3.key, TEXT_RULES.s3Key),
        ...checkText("content.s3ObjectVersion", s3.objectVersion, TEXT_RULES.s3ObjectVersion),
    ]);
    const layer = resolveLayer(request.route.path.LayerName as string, context);
    const fromS3 = s3.bucket !== undefined || s3.key !== undefined || s3.objectVersion !== undefined;
    if (fromS3 === (zip !== undefined)) {
        throw new ApiError(
            "InvalidParameterValueException",
            "Please provide a source for the layer content: either Content.ZipFile, or Content.S3Bucket and Content.S3Key.",
        );
    }
    const archive = fromS3 ? await readS3Content(context.objects, context.region, s3) : (zip as Buffer);
    const codeSha256 = await inspectLayerArchive(archive, context.cpuWorker);
    const record = await context.store.publish(
        storeKey(layer),
        {
            ...fields,
            description: fields.description ?? "",
            createdDate: awsTimestamp(context.now),
            codeSha256,
            codeSize: archive.length,
        },
        archive,
    );
    return { status: 201, body: layerVersionDetails(layer, record, context) };
}

async function getLayerVersion(request: OperationRequest, context: OperationContext): Promise<OperationResult> {
    const { layer, version } = resolveLayerVersion(request, context);
    return { status: 200, body: layerVersionDetails(layer, existingVersion(layer, version, context), context) };
}

async function getLayerVersionByArn(request: OperationRequest, context: OperationContext): Promise<OperationResult> {
    const arn = request.query.get("Arn") ?? undefined;
    rejectViolations(checkText("arn", arn, TEXT_RULES.layerVersionArn, true));
    const target = parseLayerVersionArn(arn as string) as LayerAddress & { version: number };
    const layer = ownLayer(target, context);
    return { status: 200, body: layerVersionDetails(layer, existingVersion(layer, target.version, context), context) };
}

async function listLayerVersions(request: OperationRequest, context: OperationContext): Promise<OperationResult> {
    const filter = listFilter(request, [
        ...checkText("layerName", request.route.path.LayerName, TEXT_RULES.layerName, true),
    ]);
    const layer = resolveLayer(request.route.path.LayerName as string, context);
    const matching = context.store.versions(storeKey(layer)).filter((record) => filter.matches(record));
    // Newest first: the next page holds the versions below the last one shown.
    const after = filter.markerKey === undefined ? undefined : versionMarker(filter.markerKey);
    const page = pageOf(matching, filter.maxItems, {
        keyOf: (record) => String(record.version),
        isAfterMarker: after === undefined ? undefined : (record) => record.version < after,
    });
    return {
        status: 200,
        body: {
            LayerVersions: page.items.map((record) => layerVersionSummary(layer, record)),
            NextMarker: page.nextMarker,
        },
    };
}

async function listLayers(request: OperationRequest, context: OperationContext): Promise<OperationResult> {
    const filter = listFilter(request, []);
    const layers = context.store.layerNames(context.region).flatMap((name) => {
        const layer = { region: context.region, accountId: context.accountId, name };
        const latest = context.store.versions(storeKey(layer)).find((record) => filter.matches(record));
        return latest ? [{ layer, latest }] : [];
    });
    const after = filter.markerKey;
    const page = pageOf(layers, filter.maxItems, {
        keyOf: ({ layer }) => layer.name,
        isAfterMarker: after === undefined ? undefined : ({ layer }) => layer.name > after,
    });
    return {
        status: 200,
        body: {
            Layers: page.items.map(({ layer, latest }) => ({
                LayerName: layer.name,
                LayerArn: layerArn(layer),
                LatestMatchingVersion: layerVersionSummary(layer, latest),
            })),
            NextMarker: page.nextMarker,
        },
    };
}

/** DeleteLayerVersion succeeds for a version that does not exist: AWS documents no not-found error for it. */
async function deleteLayerVersion(request: OperationRequest, context: OperationContext): Promise<OperationResult> {
    const { layer, version } = resolveLayerVersion(request, context);
    await context.store.deleteVersion(storeKey(layer), version);
    return { status: 204 };
}

async function addLayerVersionPermission(
    request: OperationRequest,
    context: OperationContext,
): Promise<OperationResult> {
    const body = await JsonBody.parse(request.body, context.cpuWorker);
    const permission = {
        statementId: body.string("StatementId"),
        action: body.string("Action"),
        principal: body.string("Principal"),
        organizationId: body.string("OrganizationId"),
    };
    const { layer, version } = resolveLayerVersion(request, context, [
        ...checkText("statementId", permission.statementId, TEXT_RULES.statementId, true),
        ...checkText("action", permission.action, TEXT_RULES.action, true),
        ...checkText("principal", permission.principal, TEXT_RULES.principal, true),
        ...checkText("organizationId", permission.organizationId, TEXT_RULES.organizationId),
    ]);
    // The three required members are defined: their absence was rejected above.
    const statement = buildStatement({
        statementId: permission.statementId as string,
        action: permission.action as string,
        principal: permission.principal as string,
        organizationId: permission.organizationId,
        resource: layerVersionArn(layer, version),
        region: layer.region,
    });
    const revisionId = randomUUID();
    const changed = await context.store.changePolicy(storeKey(layer), version, (policy) =>
        addStatement(policy, statement, revisionIdParameter(request), revisionId),
    );
    if (!changed) throw layerVersionNotFound(layerVersionArn(layer, version));
    return { status: 201, body: { Statement: JSON.stringify(statement), RevisionId: revisionId } };
}

async function getLayerVersionPolicy(request: OperationRequest, context: OperationContext): Promise<OperationResult> {
    const { layer, version } = resolveLayerVersion(request, context);
    const { policy } = existingVersion(layer, version, context);
    if (!policy) throw new ApiError("ResourceNotFoundException", "No policy is associated with the given resource.");
    return { status: 200, body: { Policy: policyDocumentJson(policy.statements), RevisionId: policy.revisionId } };
}

async function removeLayerVersionPermission(
    request: OperationRequest,
    context: OperationContext,
): Promise<OperationResult> {
    const statementId = request.route.path.StatementId;
    const { layer, version } = resolveLayerVersion(
        request,
        context,
        checkText("statementId", statementId, TEXT_RULES.statementId, true),
    );
    const changed = await context.store.changePolicy(storeKey(layer), version, (policy) =>
        removeStatement(policy, statementId as string, revisionIdParameter(request), randomUUID()),
    );
    if (!changed) throw layerVersionNotFound(layerVersionArn(layer, version));
    return { status: 204 };
}

/**
 * Checks the LayerName and VersionNumber path parameters (with the operation's other violations,
 * so that all are reported together) and resolves the layer version they name.
 */
function resolveLayerVersion(
    request: OperationRequest,
    context: OperationContext,
    otherViolations: Violation[] = [],
): { layer: LayerAddress; version: number } {
    const { LayerName, VersionNumber } = request.route.path;
    const versionIsNumber = VersionNumber !== undefined && /^-?\d{1,18}$/.test(VersionNumber);
    rejectViolations([
        ...checkText("layerName", LayerName, TEXT_RULES.layerName, true),
        ...(versionIsNumber
            ? []
            : [{ field: "versionNumber", value: VersionNumber, constraint: "Member must be a number" }]),
        ...otherViolations,
    ]);
    return { layer: resolveLayer(LayerName as string, context), version: Number(VersionNumber) };
}

/** The layer a valid LayerName names: a plain name is in the request's region and the emulator's account. */
function resolveLayer(layerName: string, context: OperationContext): LayerAddress {
    const named = parseLayerName(layerName);
    const region = named.region ?? context.region;
    return ownLayer({ region, accountId: named.accountId ?? context.accountId, name: named.name }, context);
}

/** A layer ARN of another account or region names nothing this endpoint holds. */
function ownLayer(layer: LayerAddress, context: OperationContext): LayerAddress {
    if (layer.accountId !== context.accountId || layer.region !== context.region) {
        throw new ApiError(
            "ResourceNotFoundException",
            `Layer ${layerArn(layer)} is not in account ${context.accountId}, region ${context.region} (the account and region of this request).`,
        );
    }
    return { region: layer.region, accountId: layer.accountId, name: layer.name };
}

function existingVersion(layer: LayerAddress, version: number, context: OperationContext): LayerVersionRecord {
    const record = context.store.version(storeKey(layer), version);
    if (!record) throw layerVersionNotFound(layerVersionArn(layer, version));
    return record;
}

function storeKey(layer: LayerAddress): LayerKey {
    return { region: layer.region, name: layer.name };
}

function revisionIdParameter(request: OperationRequest): string | undefined {
    return request.query.get("RevisionId") ?? undefined;
}

/** The query of ListLayers / ListLayerVersions, checked: the filters, Marker and MaxItems (default 50). */
interface ListFilter {
    matches(record: LayerVersionRecord): boolean;
    /** The key of the last item of the previous page, decoded from Marker. */
    markerKey?: string;
    maxItems: number;
}

function listFilter(request: OperationRequest, otherViolations: Violation[]): ListFilter {
    const runtime = request.query.get("CompatibleRuntime") ?? undefined;
    const architecture = request.query.get("CompatibleArchitecture") ?? undefined;
    const marker = request.query.get("Marker") ?? undefined;
    const maxItemsText = request.query.get("MaxItems") ?? undefined;
    const maxItems = maxItemsText === undefined ? undefined : Number(maxItemsText);
    const maxItemsIsInteger = maxItems === undefined || Number.isInteger(maxItems);
    rejectViolations([
        ...otherViolations,
        ...checkEnum("compatibleRuntime", runtime, RUNTIMES),
        ...checkEnum("compatibleArchitecture", architecture, ARCHITECTURES),
        ...(maxItemsIsInteger
            ? checkRange("maxItems", maxItems, MAX_ITEMS_RANGE)
            : [{ field: "maxItems", value: maxItemsText, constraint: "Member must be a number" }]),
    ]);
    return {
        matches: (record) =>
            (runtime === undefined || (record.compatibleRuntimes ?? []).includes(runtime)) &&
            (architecture === undefined || (record.compatibleArchitectures ?? []).includes(architecture)),
        markerKey: marker === undefined ? undefined : Buffer.from(marker, "base64url").toString("utf8"),
        maxItems: maxItems ?? MAX_ITEMS_RANGE.max,
    };
}

/**
 * One page of a sorted list. The marker is opaque to callers: the key of the last item returned,
 * so that the next page starts after it even when items were added or deleted in between.
 */
function pageOf<T>(
    items: T[],
    maxItems: number,
    { keyOf, isAfterMarker }: { keyOf: (item: T) => string; isAfterMarker?: (item: T) => boolean },
): { items: T[]; nextMarker?: string } {
    const remaining = isAfterMarker ? items.filter(isAfterMarker) : items;
    const page = remaining.slice(0, maxItems);
    const more = remaining.length > page.length;
    return {
        items: page,
        nextMarker: more ? Buffer.from(keyOf(page[page.length - 1])).toString("base64url") : undefined,
    };
}

function versionMarker(markerKey: string): number {
    if (!/^\d+$/.test(markerKey)) {
        throw new ApiError(
            "InvalidParameterValueException",
            "Invalid Marker: pass a NextMarker this operation returned.",
        );
    }
    return Number(markerKey);
}

/** GetLayerVersion's and PublishLayerVersion's answer (absent members are left out by JSON.stringify). */
function layerVersionDetails(
    layer: LayerAddress,
    record: LayerVersionRecord,
    context: OperationContext,
): Record<string, unknown> {
    const target = { region: layer.region, layerName: layer.name, version: record.version };
    const location = context.links.path(target, context.now.getTime());
    return {
        Content: {
            Location: `${context.baseUrl}${location}`,
            CodeSha256: record.codeSha256,
            CodeSize: record.codeSize,
        },
        LayerArn: layerArn(layer),
        ...layerVersionSummary(layer, record),
    };
}

/** A LayerVersionsListItem: a version as the list operations show it. */
function layerVersionSummary(layer: LayerAddress, record: LayerVersionRecord): Record<string, unknown> {
    return {
        LayerVersionArn: layerVersionArn(layer, record.version),
        Version: record.version,
        Description: record.description,
        CreatedDate: record.createdDate,
        CompatibleRuntimes: record.compatibleRuntimes,
        LicenseInfo: record.licenseInfo,
        CompatibleArchitectures: record.compatibleArchitectures,
    };
}

/** AWS's timestamp format for layers: ISO 8601 with milliseconds and a `+0000` offset. */
export function awsTimestamp(date: Date): string {
    return date.toISOString().replace("Z", "+0000");
}
