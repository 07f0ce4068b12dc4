/**
 * The `Content.Location` links: like AWS's pre-signed S3 URLs, each one names a layer version,
 * carries its expiry (10 minutes after it was issued) and a signature, so that it cannot be forged
 * or extended. Pure apart from the secret the caller supplies.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The layer version a link downloads. */
export interface DownloadTarget {
    region: string;
    layerName: string;
    version: number;
}

/** How long a link works after it was issued, as AWS documents for GetLayerVersion. */
export const DOWNLOAD_LINK_LIFETIME_MS = 10 * 60 * 1000;

/** The path under which the emulator serves downloads; the token follows it. */
export const DOWNLOAD_PATH_PREFIX = "/layer-content/";

/** Why a link is refused. */
export type LinkRefusal = "expired" | "invalid";

interface TokenPayload {
    region: string;
    layerName: string;
    version: number;
    expiresAt: number;
}

export class DownloadLinkSigner {
    /** @param secret the signing key; links signed with another key are invalid. */
    constructor(private readonly secret: Buffer) {}

    /** The URL path (with token) of a link to `target`, issued at `nowMs`. */
    path(target: DownloadTarget, nowMs: number): string {
        const payload: TokenPayload = { ...target, expiresAt: nowMs + DOWNLOAD_LINK_LIFETIME_MS };
        const encoded = Buffer.from(JSON.stringify(payload)).toString("base64url");
        return `${DOWNLOAD_PATH_PREFIX}${encoded}.${this.sign(encoded)}`;
    }

    /** The target of a token taken from a link's path, or why the link is refused at `nowMs`. */
    verify(token: string, nowMs: number): { target: DownloadTarget } | { refusal: LinkRefusal } {
        const [encoded, signature, ...rest] = token.split(".");
        if (!encoded || !signature || rest.length > 0 || !this.signatureMatches(encoded, signature)) {
            return { refusal: "invalid" };
        }
        const payload = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8")) as TokenPayload;
        if (nowMs >= payload.expiresAt) return { refusal: "expired" };
        return { target: { region: payload.region, layerName: payload.layerName, version: payload.version } };
    }

    private sign(encoded: string): string {
        return createHmac("sha256", this.secret).update(encoded).digest("base64url");
    }

    private signatureMatches(encoded: string, signature: string): boolean {
        const expected = Buffer.from(this.sign(encoded));
        const given = Buffer.from(signature);
        return expected.length === given.length && timingSafeEqual(expected, given);
    }
}
