import { PresenceError, type RoomEvent, type UserRef } from '@presence/protocol';
import type { Broker } from '../broker/broker.js';
import type { Room } from '../rooms/room.js';
import type { Actor } from '../shared/actor.js';
import type { RoomLog } from '../rooms/room-log.js';
import { authorize, requireMember } from '../rooms/room-policy.js';
import { OPEN_GATE, type ModerationGate } from '../rooms/moderation-gate.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import type { Store } from '../store/store.js';
import { renderMarkdown } from './markdown.js';
import { checkMessageText } from './message-text.js';

export interface ChatLimits {
  maxTextLength: number;
  typingThrottleMs: number;
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
    /** Chat mutes and slow mode (moderation/); default: none. */
    gate?: ModerationGate;
  }) {
    this.#registry = deps.registry;
    this.#log = deps.log;
    this.#store = deps.store;
    this.#broker = deps.broker;
    this.#limits = deps.limits;
    this.#gate = deps.gate ?? OPEN_GATE;
  }

  #checkLength(text: string): void {
    checkMessageText(text, this.#limits.maxTextLength);
  }

  /**
   * Render once, sequence, store (persistent rooms, before the ack), fan out. A nonce already
   * accepted from this sender is answered with the original seq and nothing new happens.
   */
  async send(actor: Actor, roomId: string, text: string, nonce?: string): Promise<SendResult> {
    this.#checkLength(text);
    const room = await this.#registry.require(roomId);
    const role = requireMember(room, actor).role;
    authorize('chat.send', { role, room });
    const html = renderMarkdown(text);
    return room.queue.run(async () => {
      if (nonce !== undefined) {
        const seen = await this.#findNonce(room, actor.user.id, nonce);
        if (seen) return { epoch: room.epoch, seq: seen.seq, ts: seen.ts, duplicate: true };
      }
      // After the nonce: a resend of an accepted message is not a second message.
      await this.#gate.beforeSend(room, actor, role);
      const event = await this.#log.append(room, {
        type: 'message',
        from: actor.user,
        text,
        html,
        ...(nonce !== undefined ? { nonce } : {}),
      });
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
      const entries = (await this.#broker.since(room.id, room.epoch, seq - 1)) ?? [];
      const entry = entries[0];
      if (entry && entry.seq === seq) event = JSON.parse(entry.json) as RoomEvent;
      // The window keeps events as they happened: look for a later delete of this message.
      for (const e of entries) {
        if (
          e.json.startsWith('{"type":"message.deleted"') &&
          (JSON.parse(e.json) as { target: number }).target === seq
        ) {
          event = undefined;
        }
      }
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
