import { ERRORS, PresenceError, type ErrorCode } from '@presence/protocol';
import { UsernameTakenError } from '../store/identity-store.js';
import { StoreUnavailableError } from '../store/store.js';
import { RoomElsewhereError } from '../rooms/room-homes.js';

/** The HTTP status that fits each protocol error code a REST route can answer with. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_MESSAGE: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  INVITE_INVALID: 403,
  ROOM_NOT_FOUND: 404,
  APP_NOT_FOUND: 404,
  CURSOR_EXPIRED: 410,
  USER_NOT_FOUND: 404,
  NOT_IN_ROOM: 404,
  MESSAGE_NOT_FOUND: 404,
  USERNAME_TAKEN: 409,
  ROOM_FULL: 409,
  /** The call's state conflicts with what was asked (its size, a source already live). */
  LIVE_FULL: 409,
  MESSAGE_TOO_LONG: 413,
  FILE_TOO_LARGE: 413,
  FILE_NOT_FOUND: 404,
  STREAM_KEY_NOT_FOUND: 404,
  RATE_LIMITED: 429,
  LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  STORE_UNAVAILABLE: 503,
  ROOM_UNAVAILABLE: 503,
  SFU_UNAVAILABLE: 503,
};

export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code] ?? 400;
}

export interface HttpError {
  status: number;
  body: { code: ErrorCode; message: string; reason?: string };
}

/**
 * Any error a REST handler throws, as a status and a `{code, message}` body, or null for an
 * unexpected one (the caller logs it and answers 500 INTERNAL_ERROR without details).
 */
export function toHttpError(err: unknown): HttpError | null {
  if (err instanceof PresenceError) {
    const reason = err.details?.reason;
    // An invite that never existed is not found; one that did but is spent is gone (like /api/invites).
    const status =
      err.code === 'INVITE_INVALID' && reason !== undefined
        ? reason === 'not_found'
          ? 404
          : 410
        : reason === 'relay_running'
          ? 409
          : httpStatusOf(err.code);
    return {
      status,
      body: { code: err.code, message: err.message, ...(reason !== undefined ? { reason } : {}) },
    };
  }
  if (err instanceof StoreUnavailableError) {
    return { status: 503, body: { code: 'STORE_UNAVAILABLE', message: ERRORS.STORE_UNAVAILABLE.text } };
  }
  if (err instanceof RoomElsewhereError) {
    // Service API room administration runs on the room's home only (not forwarded yet): the
    // caller retries, ideally on the node that serves the room.
    return {
      status: 503,
      body: {
        code: 'ROOM_UNAVAILABLE',
        message: 'Another node of the cluster serves this room right now; try again (or on that node).',
      },
    };
  }
  if (err instanceof UsernameTakenError) {
    return { status: 409, body: { code: 'USERNAME_TAKEN', message: err.message } };
  }
  // Fastify's own 4xx: malformed JSON, wrong content type, body too large.
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { code: 'INVALID_MESSAGE', message: 'The body must be a JSON object.' } };
  }
  return null;
}

export const INTERNAL: HttpError = {
  status: 500,
  body: { code: 'INTERNAL_ERROR', message: ERRORS.INTERNAL_ERROR.text },
};
