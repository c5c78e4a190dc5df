/**
 * Why a server-to-server request was refused. The code travels in the reply body
 * (`{ code, message }`) with the HTTP status, so the sending server can tell a forged or replayed
 * request from an outage. docs/federation.md lists them.
 */
export const FEDERATION_ERRORS = {
  UNSIGNED: { status: 401, text: 'The request carries no valid X-Presence authorization.' },
  DOMAIN_REFUSED: { status: 403, text: 'This server does not federate with that domain.' },
  WRONG_DESTINATION: { status: 401, text: 'The request was signed for another server.' },
  STALE_REQUEST: { status: 401, text: 'The request is too old or from the future.' },
  REPLAYED: { status: 401, text: 'This request was already received.' },
  UNKNOWN_KEY: { status: 401, text: 'The signing key is not one the origin publishes.' },
  BAD_SIGNATURE: { status: 401, text: 'The signature does not match the request.' },
  PEER_UNREACHABLE: { status: 502, text: 'The origin server or its keys could not be reached.' },
  BAD_FEDERATION_REQUEST: { status: 400, text: 'The request body is not valid for this endpoint.' },
} as const;

export type FederationErrorCode = keyof typeof FEDERATION_ERRORS;

export class FederationError extends Error {
  override name = 'FederationError';
  readonly status: number;
  constructor(
    readonly code: FederationErrorCode,
    message?: string,
    status?: number,
  ) {
    super(message ?? FEDERATION_ERRORS[code].text);
    this.status = status ?? FEDERATION_ERRORS[code].status;
  }
}
