// What the client needs to know about the protocol's values and message shapes at run time.
import type { ErrorCode, RequestOf, RequestType, RoomEvent, RoomEventType } from '@presence/protocol';

/**
 * Requests an application may send; `hello` is the client's own business.
 *
 * @example
 * const type: ClientRequestType = 'rooms.mine';
 * const result = await client.request(type, {});
 */
export type ClientRequestType = Exclude<RequestType, 'hello'>;

// Protocol values are restated here instead of imported: importing values from @presence/protocol
// would pull zod into every browser bundle. The type annotations keep them checked against it.
/** The version this client speaks: 2 (live messages may come lean; see room-members.ts). */
export const PROTOCOL_VERSION: RequestOf<'hello'>['v'] = 2;
/** HARD_LIMITS.resumeRooms: hello.rooms may list at most this many positions. */
export const RESUME_ROOMS_MAX = 200;
/** The server's maximum history page; a gap fill loops over pages anyway. */
export const HISTORY_PAGE = 100;
export const ROOM_EVENT_TYPES: Record<RoomEventType, true> = {
  message: true,
  'member.joined': true,
  'member.left': true,
  'member.updated': true,
  'room.updated': true,
  'message.edited': true,
  'message.deleted': true,
  reaction: true,
};
/** Names the server must not be able to emit through the transient-event path. */
export const LIFECYCLE_EVENTS = new Set<string>([
  'event',
  'state',
  'welcome',
  'recovered',
  'resync',
  'error',
  'send.pending',
  'send.settled',
  'send.failed',
]);
/** Requests that only report state (typing, read markers): coalesced, and sent after everything else. */
export const LOW_PRIORITY = new Set<string>(['chat.typing', 'room.read']);
/** Connection errors after which reconnecting cannot help or would fight another connection. */
export const FATAL_ERRORS = new Set<ErrorCode>(['UNSUPPORTED_VERSION', 'SESSION_REPLACED']);
/** Errors in reply to hello that mean "busy, try later" rather than "not like this". */
export const RETRYABLE_HELLO_ERRORS = new Set<ErrorCode>([
  'RATE_LIMITED',
  'TOO_MANY_CONNECTIONS',
  'SERVER_SHUTTING_DOWN',
  'STORE_UNAVAILABLE',
  'INTERNAL_ERROR',
  'SLOW_CONSUMER',
  'HEARTBEAT_TIMEOUT',
]);
/**
 * Requests that may be sent again on a new connection when the old one dropped before the reply:
 * reads, idempotent writes, and chat.send (always de-duplicated by its nonce).
 */
export const REPEATABLE = new Set<ClientRequestType>([
  'ping',
  'room.join',
  'room.history',
  'room.read',
  'rooms.mine',
  'rooms.directory',
  'chat.send',
  // Setting a reaction or a level to what it already is changes nothing; search only reads.
  'chat.react',
  'chat.search',
  'room.notify',
]);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isRoomEvent(message: Record<string, unknown>): message is RoomEvent {
  return (
    typeof message['type'] === 'string' &&
    Object.hasOwn(ROOM_EVENT_TYPES, message['type']) &&
    typeof message['room'] === 'string' &&
    typeof message['epoch'] === 'string' &&
    typeof message['seq'] === 'number'
  );
}
