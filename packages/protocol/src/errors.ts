/**
 * The closed list of error codes Presence ever sends. Every code is documented in
 * docs/protocol.md; a test keeps this list and that page in step, in both directions.
 *
 * `closes` says whether the server closes the connection after sending it, and `wsClose` is the
 * WebSocket close status used then (4000-4999 is the range RFC 6455 leaves to applications).
 */
export const ERRORS = {
  PROTOCOL_ERROR: {
    closes: false,
    wsClose: 4400,
    text: 'The frame is not a JSON object with a string "type".',
  },
  FRAME_TOO_LARGE: { closes: true, wsClose: 1009, text: 'The frame is larger than the server accepts.' },
  UNKNOWN_TYPE: {
    closes: false,
    wsClose: 4400,
    text: 'The message type is not part of this protocol version.',
  },
  INVALID_MESSAGE: { closes: false, wsClose: 4400, text: 'The message does not match its schema.' },
  UNSUPPORTED_VERSION: {
    closes: true,
    wsClose: 4406,
    text: 'The protocol version asked for in hello is not supported.',
  },
  HELLO_REQUIRED: { closes: false, wsClose: 4401, text: 'Send hello before any other request.' },
  ALREADY_HELLO: { closes: false, wsClose: 4400, text: 'This connection has already said hello.' },
  UNAUTHORIZED: {
    closes: false,
    wsClose: 4401,
    text: 'The token is forged, expired or malformed.',
  },
  FORBIDDEN: { closes: false, wsClose: 4403, text: 'You may not do this.' },
  RATE_LIMITED: { closes: false, wsClose: 4429, text: 'Too many messages; slow down.' },
  SLOW_CONSUMER: {
    closes: true,
    // Never sent in-band: the queue is full, so the socket is dropped and the client sees an
    // abnormal close (1006 on WebSocket, a reset or EOF on TCP).
    wsClose: 1006,
    text: 'The client read too slowly and its send queue overflowed; the connection was dropped.',
  },
  TOO_MANY_CONNECTIONS: { closes: true, wsClose: 4429, text: 'Too many connections from this address.' },
  HEARTBEAT_TIMEOUT: {
    closes: true,
    wsClose: 4408,
    text: 'Nothing was heard from the client within the heartbeat timeout.',
  },
  SESSION_REPLACED: { closes: true, wsClose: 4409, text: 'The session was resumed on another connection.' },
  SERVER_SHUTTING_DOWN: {
    closes: true,
    wsClose: 1001,
    text: 'The server is shutting down; reconnect and resume.',
  },
  ROOM_NOT_FOUND: { closes: false, wsClose: 4404, text: 'No such room (or it was purged).' },
  LIMIT_EXCEEDED: {
    closes: false,
    wsClose: 4429,
    text: 'A per-session limit was reached (e.g. rooms joined at once).',
  },
  INVITE_INVALID: {
    closes: false,
    wsClose: 4403,
    text: 'The invite cannot be used: see reason (not_found, expired, used_up, revoked).',
  },
  USERNAME_TAKEN: { closes: false, wsClose: 4409, text: 'That username is already registered.' },
  INVALID_CREDENTIALS: { closes: false, wsClose: 4401, text: 'Wrong username or password.' },
  USER_NOT_FOUND: { closes: false, wsClose: 4404, text: 'No such user.' },
  LIVE_FULL: { closes: false, wsClose: 4403, text: 'The call has reached its participant limit.' },
  TURN_REQUIRED: {
    closes: false,
    wsClose: 4409,
    text: 'A relayed broadcast keeps addresses private through TURN, and no TURN server is configured.',
  },
  RECIPIENT_UNAVAILABLE: {
    closes: false,
    wsClose: 4409,
    text: 'The recipient does not accept direct messages from you right now (their presence).',
  },
  ROOM_FULL: { closes: false, wsClose: 4403, text: 'The room has reached its member limit.' },
  NOT_IN_ROOM: { closes: false, wsClose: 4403, text: 'Join the room first.' },
  MESSAGE_TOO_LONG: { closes: false, wsClose: 4413, text: 'The text is longer than the server allows.' },
  MESSAGE_NOT_FOUND: { closes: false, wsClose: 4404, text: 'No message with that seq in this room.' },
  STORE_UNAVAILABLE: {
    closes: false,
    wsClose: 1011,
    text: 'The database is unreachable; try again shortly.',
  },
  ROOM_UNAVAILABLE: {
    closes: false,
    wsClose: 1011,
    text: 'The cluster node serving this room is unreachable; try again shortly.',
  },
  BANNED: { closes: false, wsClose: 4403, text: 'You are banned from this room.' },
  MUTED: { closes: false, wsClose: 4403, text: 'A moderator muted you here (chat or call).' },
  SLOW_MODE: {
    closes: false,
    wsClose: 4429,
    text: 'Slow mode: one message per interval; see retryAfterMs.',
  },
  PASSWORD_REQUIRED: {
    closes: false,
    wsClose: 4401,
    text: 'The room has a password: give it (or an invite) to join.',
  },
  PASSWORD_WRONG: { closes: false, wsClose: 4401, text: 'That is not the room’s password.' },
  LOBBY_REQUIRED: {
    closes: false,
    wsClose: 4403,
    text: 'The room has a lobby: knock (lobby.knock) and wait to be admitted.',
  },
  NOT_IMPLEMENTED: { closes: false, wsClose: 4501, text: 'This part of Presence is not built yet.' },
  SFU_UNAVAILABLE: {
    closes: false,
    wsClose: 1011,
    text: 'No SFU (Janus) is available for this call; mesh calls still work.',
  },
  LIVE_NOT_SFU: {
    closes: false,
    wsClose: 4409,
    text: 'This needs an SFU call; this call is peer-to-peer (or there is none).',
  },
  STREAM_KEY_NOT_FOUND: { closes: false, wsClose: 4404, text: 'No such stream key in this room.' },
  INTERNAL_ERROR: {
    closes: false,
    wsClose: 1011,
    text: 'The server failed unexpectedly; the request had no effect.',
  },
  FILE_TOO_LARGE: { closes: false, wsClose: 4413, text: 'The file is larger than the server accepts.' },
  FILE_NOT_FOUND: {
    closes: false,
    wsClose: 4404,
    text: 'No such file, or it is not yours to attach or read.',
  },
  APP_NOT_FOUND: { closes: false, wsClose: 4404, text: 'No such app (or its secret is wrong).' },
  CURSOR_EXPIRED: {
    closes: false,
    wsClose: 4410,
    text: 'The cursor is older than the updates kept; start again without it.',
  },
  SERVER_UNAVAILABLE: {
    closes: false,
    wsClose: 4502,
    text: "The user's server could not be reached, or does not federate with this one.",
  },
} as const satisfies Record<string, { closes: boolean; wsClose: number; text: string }>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** Extra fields of an error reply: INVITE_INVALID's reason, RATE_LIMITED's wait. */
export interface ErrorDetails {
  reason?: string;
  retryAfterMs?: number;
}

/** An error a handler throws to answer a request with a typed code. */
export class PresenceError extends Error {
  readonly code: ErrorCode;
  /** Extra fields for the error reply (e.g. INVITE_INVALID's reason). */
  readonly details: ErrorDetails | undefined;
  constructor(code: ErrorCode, message: string = ERRORS[code].text, details?: ErrorDetails) {
    super(message);
    this.name = 'PresenceError';
    this.code = code;
    this.details = details;
  }
}
