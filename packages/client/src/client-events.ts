import type { ErrorMessage, RoomEvent, RoomEventType, ServerMessage, Welcome } from '@presence/protocol';
import type { PendingSend, SendFailed, SendSettled } from './pending-sends.js';

/**
 * `idle` before `connect()`; `connecting` during the first connection; `connected` after a welcome;
 * `reconnecting` after an unexpected drop; `closed` after `close()`, a fatal error, a failed first
 * connection, or a drop with reconnection disabled.
 *
 * @example
 * client.on('state', (state: ConnectionState) => (banner.hidden = state === 'connected'));
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/**
 * Per room after a (re)connection that asked to recover it.
 *
 * @example
 * client.on('recovered', ({ room, recovered }: RecoveryInfo) => log(room, recovered ? 'caught up' : 'reload'));
 */
export interface RecoveryInfo {
  room: string;
  /** True when the missed events follow; false when the app must reload the room (see `resync`). */
  recovered: boolean;
  /** Why not, when the server said. */
  code?: ErrorMessage['code'];
}

/**
 * A connection-level error from the server (a message without request id).
 *
 * @example
 * client.on('error', ({ code, message }: ConnectionErrorInfo) => console.warn(code, message));
 */
export type ConnectionErrorInfo = Pick<ErrorMessage, 'code' | 'message' | 'retryAfterMs'>;

/**
 * Server messages that are neither replies, heartbeats nor room-log events (typing, presence…).
 *
 * @example
 * client.on('typing', (t) => showTyping(t.room, t.user.name, t.typing));
 */
export type TransientEvent = Exclude<
  ServerMessage,
  { type: 'welcome' | 'ok' | 'error' | 'ping' } | RoomEvent
>;

type RoomEventMap = { [K in RoomEventType]: Extract<RoomEvent, { type: K }> };
type TransientEventMap = { [E in TransientEvent as E['type']]: E };

/**
 * Every event a {@link PresenceClient} emits, by name, with its payload type.
 *
 * @example
 * const onMessage = (m: ClientEventMap['message']) => render(m.html);
 * client.on('message', onMessage);
 */
export type ClientEventMap = RoomEventMap &
  TransientEventMap & {
    /** Every room-log event, after de-duplication and gap filling (also emitted under its type). */
    event: RoomEvent;
    state: ConnectionState;
    welcome: Welcome;
    recovered: RecoveryInfo;
    /** The room's position is void: reload it with `room.join` (a fresh snapshot). */
    resync: { room: string };
    error: ConnectionErrorInfo;
    /** A chat message was handed to the client; it stays pending until `send.settled` or `send.failed`. */
    'send.pending': PendingSend;
    /** The server acknowledged a pending chat message (its `message` event comes too). */
    'send.settled': SendSettled;
    /** A pending chat message was refused or the client closed: it was not stored. */
    'send.failed': SendFailed;
  };

/**
 * The name of any client event.
 *
 * @example
 * const names: ClientEventType[] = ['message', 'state', 'resync'];
 */
export type ClientEventType = keyof ClientEventMap;
