/**
 * The region a request is for. AWS knows it from the endpoint; the emulator has one endpoint for
 * every region, so it reads the region from the SigV4 credential scope the client signed with:
 * `Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/lambda/aws4_request, ...`.
 */

/** The region of unsigned requests, and of requests whose signature names none. */
export const DEFAULT_REGION = "us-east-1";

// Only lowercase letters, digits and dashes: the region also names a folder in the data directory.
const CREDENTIAL_SCOPE = /Credential=[^/\s,]+\/\d{8}\/([a-z0-9-]{1,32})\/[a-z0-9-]+\/aws4_request/;

export function regionOfRequest(authorization: string | undefined): string {
    return (authorization && CREDENTIAL_SCOPE.exec(authorization)?.[1]) || DEFAULT_REGION;
}
