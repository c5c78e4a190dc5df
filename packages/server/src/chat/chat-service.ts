import {
  CHAT_LIMITS,
  PresenceError,
  type FileRef,
  type ReplyRef,
  type RoomEvent,
  type UserRef,
} from '@presence/protocol';
import type { FileService } from './file-service.js';
import { messageFromWindow } from './window-message.js';
import type { Broker } from '../broker/broker.js';
import type { Room } from '../rooms/room.js';
import type { Actor } from '../shared/actor.js';
import type { RoomLog } from '../rooms/room-log.js';
import { authorize, requireMember } from '../rooms/room-policy.js';
import { OPEN_GATE, type ModerationGate } from '../rooms/moderation-gate.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import type { Store } from '../store/store.js';
import { renderMarkdown, renderMessageText } from './markdown.js';
import { checkMessageText } from './message-text.js';

export interface ChatLimits {
  maxTextLength: number;
  typingThrottleMs: number;
}

/** What a message may carry besides text (chat.send's optional fields). */
export interface SendExtras {
  replyTo?: number | undefined;
  mentions?: string[] | undefined;
  file?: string | undefined;
}

/** The first `n` code points of a text (a reply's quote). */
function snippet(text: string, n: number): string {
  const points = Array.from(text);
  return points.length <= n ? text : `${points.slice(0, n).join('')}…`;
}

export interface SendResult {
  epoch: string;
  seq: number;
  ts: number;
  duplicate: boolean;
}

/** Chat in a room: send (idempotent by nonce), edit, delete, typing. */
export class ChatService {
  readonly #registry: RoomRegistry;
  readonly #log: RoomLog;
  readonly #store: Store;
  readonly #broker: Broker;
  readonly #limits: ChatLimits;
  readonly #gate: ModerationGate;

  constructor(deps: {
    registry: RoomRegistry;
    log: RoomLog;
    store: Store;
    broker: Broker;
    limits: ChatLimits;
    /** Attaching and deleting files; without it, chat.send refuses files (FILE_NOT_FOUND). */
    files?: FileService;
    /** Chat mutes and slow mode (moderation/); default: none. */
    gate?: ModerationGate;
  }) {
    this.#registry = deps.registry;
    this.#log = deps.log;
    this.#store = deps.store;
    this.#broker = deps.broker;
    this.#limits = deps.limits;
    this.#files = deps.files;
    this.#gate = deps.gate ?? OPEN_GATE;
  }

  readonly #files: FileService | undefined;

  #checkLength(text: string): void {
    checkMessageText(text, this.#limits.maxTextLength);
  }

  /**
   * Render once, sequence, store (persistent rooms, before the ack), fan out. A nonce already
   * accepted from this sender is answered with the original seq and nothing new happens.
   */
  async send(
    actor: Actor,
    roomId: string,
    text: string,
    nonce?: string,
    extras: SendExtras = {},
  ): Promise<SendResult> {
    this.#checkLength(text);
    // A loaded room (the common case) without a turn of the microtask queue.
    const room = this.#registry.loaded(roomId) ?? (await this.#registry.require(roomId));
    const role = requireMember(room, actor).role;
    authorize('chat.send', { role, room });
    const { html, plain } = renderMessageText(text);
    return room.queue.run(async () => {
      if (nonce !== undefined) {
        const seen = await this.#findNonce(room, actor.user.id, nonce);
        if (seen) return { epoch: room.epoch, seq: seen.seq, ts: seen.ts, duplicate: true };
      }
      let reply: ReplyRef | undefined;
      if (extras.replyTo !== undefined) {
        const quoted = await this.#message(room, extras.replyTo);
        reply = {
          seq: quoted.seq,
          from: quoted.from.id,
          name: quoted.from.name,
          text: snippet(quoted.text, CHAT_LIMITS.replySnippet),
        };
      }
      // Mentions are ids of members (not names in the text): others are dropped, and so is oneself.
      const mentions =
        extras.mentions === undefined
          ? []
          : [...new Set(extras.mentions)].filter((id) => id !== actor.user.id && room.members.has(id));
      let file: FileRef | undefined;
      if (extras.file !== undefined) {
        if (!this.#files) throw new PresenceError('FILE_NOT_FOUND', 'This server takes no files.');
        file = await this.#files.attachable(actor, room.id, extras.file);
      }
      // After the nonce: a resend of an accepted message is not a second message.
      const gate = this.#gate.beforeSend(room, actor, role);
      if (gate !== undefined) await gate;
      const event = await this.#log.append(
        room,
        {
          type: 'message',
          from: actor.user,
          text,
          html,
          ...(nonce !== undefined ? { nonce } : {}),
          ...(reply ? { reply } : {}),
          ...(mentions.length > 0 ? { mentions } : {}),
          ...(file ? { file } : {}),
        },
        { plainText: plain },
      );
      if (file && this.#files) await this.#files.attached(file.id, event.seq);
      if (nonce !== undefined) room.rememberNonce(actor.user.id, nonce, event.seq, event.ts);
      // Sending ends typing: clients need not spend a frame (and a rate token) on the stop.
      if (room.typingAt.delete(actor.user.id)) {
        await this.#log.transient(room, { type: 'typing', room: room.id, user: actor.user, typing: false });
      }
      return { epoch: room.epoch, seq: event.seq, ts: event.ts, duplicate: false };
    });
  }

  /**
   * Post for a trusted backend (the service API), which is not in the room: as the member
   * `asUserId`, or as `system`. The same checks and rendering as send; no nonce, so a retried
   * request posts again. A persistent room loaded only for this is unloaded again.
   */
  async post(
    roomId: string,
    text: string,
    asUserId: string | undefined,
    system: UserRef,
  ): Promise<{ epoch: string; seq: number; ts: number }> {
    this.#checkLength(text);
    return this.#registry.withRoom(roomId, async (room) => {
      let from = system;
      if (asUserId !== undefined) {
        const member = room.members.get(asUserId);
        if (!member) throw new PresenceError('NOT_IN_ROOM', `${asUserId} is not a member of this room.`);
        from = member.ref;
      }
      // After the checks, so a refusal never depends on the text.
      const html = renderMarkdown(text);
      const event = await this.#log.append(room, { type: 'message', from, text, html });
      return { epoch: room.epoch, seq: event.seq, ts: event.ts };
    });
  }

  async #findNonce(
    room: Room,
    senderId: string,
    nonce: string,
  ): Promise<{ seq: number; ts: number } | undefined> {
    const inMemory = room.findNonce(senderId, nonce);
    if (inMemory || !room.persistent) return inMemory;
    const stored = await this.#store.findByNonce(room.id, senderId, nonce);
    return stored ? { seq: stored.seq, ts: stored.ts } : undefined;
  }

  /** Edit one's own message. */
  async edit(actor: Actor, roomId: string, seq: number, text: string): Promise<{ seq: number }> {
    this.#checkLength(text);
    const room = await this.#registry.require(roomId);
    const member = requireMember(room, actor);
    return room.queue.run(async () => {
      const target = await this.#message(room, seq);
      authorize('chat.edit', { role: member.role, room, own: target.from.id === actor.user.id });
      // Rendered only once the edit is allowed: a refusal must not depend on what the text is.
      const html = renderMarkdown(text);
      const event = await this.#log.append(room, {
        type: 'message.edited',
        by: actor.user,
        target: seq,
        text,
        html,
      });
      return { seq: event.seq };
    });
  }

  /** Delete one's own message; owners and admins may delete any. */
  async delete(actor: Actor, roomId: string, seq: number): Promise<{ seq: number }> {
    const room = await this.#registry.require(roomId);
    const member = requireMember(room, actor);
    return room.queue.run(async () => {
      const target = await this.#message(room, seq);
      const own = target.from.id === actor.user.id;
      authorize('chat.delete', { role: member.role, room, own });
      const event = await this.#log.append(room, { type: 'message.deleted', by: actor.user, target: seq });
      // The file goes with its message (after the delete is in the log: a failure here leaves an
      // unreachable blob, never a message pointing at nothing).
      if (target.file && this.#files) await this.#files.remove(target.file.id);
      if (!own) {
        await this.#gate.record(room, {
          action: 'message.delete',
          actor: actor.user,
          target: target.from,
          detail: { seq },
        });
      }
      return { seq: event.seq };
    });
  }

  /** Add or take back one's reaction to a message; nothing is logged when nothing changes. */
  async react(
    actor: Actor,
    roomId: string,
    seq: number,
    emoji: string,
    on: boolean,
  ): Promise<{ seq: number; changed: boolean }> {
    const room = await this.#registry.require(roomId);
    authorize('chat.react', { role: requireMember(room, actor).role, room });
    return room.queue.run(async () => {
      const target = await this.#message(room, seq);
      const users = target.reactions?.[emoji] ?? [];
      if (users.includes(actor.user.id) === on) return { seq: room.seq, changed: false };
      const kinds = Object.keys(target.reactions ?? {}).length;
      if (on && users.length === 0 && kinds >= CHAT_LIMITS.reactionsPerMessage) {
        throw new PresenceError(
          'LIMIT_EXCEEDED',
          `A message takes at most ${CHAT_LIMITS.reactionsPerMessage} different reactions.`,
        );
      }
      const event = await this.#log.append(room, {
        type: 'reaction',
        by: actor.user,
        target: seq,
        emoji,
        on,
      });
      return { seq: event.seq, changed: true };
    });
  }

  /** The live (not deleted) message at seq (MESSAGE_NOT_FOUND otherwise): what a report is about. */
  message(room: Room, seq: number): Promise<Extract<RoomEvent, { type: 'message' }>> {
    return this.#message(room, seq);
  }

  /** The live (not deleted) message at seq, from the store or the in-memory window. */
  async #message(room: Room, seq: number): Promise<Extract<RoomEvent, { type: 'message' }>> {
    let event: RoomEvent | undefined;
    if (room.persistent) {
      event = await this.#store.getEvent(room.id, seq);
    } else {
      // The window keeps events as they happened: later edits, deletes and reactions are applied.
      event = messageFromWindow((await this.#broker.since(room.id, room.epoch, seq - 1)) ?? [], seq);
    }
    if (!event || event.type !== 'message' || event.deleted) {
      throw new PresenceError('MESSAGE_NOT_FOUND', `No message with seq ${seq} in this room.`);
    }
    return event;
  }

  /** Typing starts are throttled per user; stops always go out so indicators clear promptly. */
  async typing(actor: Actor, roomId: string, typing: boolean): Promise<void> {
    const room = await this.#registry.require(roomId);
    authorize('chat.typing', { role: requireMember(room, actor).role, room });
    const now = Date.now();
    if (typing) {
      const last = room.typingAt.get(actor.user.id) ?? 0;
      if (now - last < this.#limits.typingThrottleMs) return;
      room.typingAt.set(actor.user.id, now);
    } else {
      room.typingAt.delete(actor.user.id);
    }
    await this.#log.transient(room, { type: 'typing', room: room.id, user: actor.user, typing });
  }
}
