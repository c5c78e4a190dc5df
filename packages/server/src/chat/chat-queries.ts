import { CHAT_LIMITS, type NotifyLevel, type RoomEvent } from '@presence/protocol';
import type { Actor } from '../shared/actor.js';
import { authorize, requireMember } from '../rooms/room-policy.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import type { Store } from '../store/store.js';

type MessageEvent = Extract<RoomEvent, { type: 'message' }>;

/** Per-member chat settings and search. */
export class ChatQueries {
  readonly #registry: RoomRegistry;
  readonly #store: Store;
  readonly #searchPageDefault: number;

  constructor(deps: { registry: RoomRegistry; store: Store; searchPageDefault?: number }) {
    this.#registry = deps.registry;
    this.#store = deps.store;
    this.#searchPageDefault = deps.searchPageDefault ?? 20;
  }

  /**
   * Set the actor's notification level for a room. Named rooms keep it with the membership;
   * unnamed rooms keep nothing (their members are gone with the room), so clients keep it there.
   */
  async notify(actor: Actor, roomId: string, level: NotifyLevel): Promise<{ level: NotifyLevel }> {
    const room = await this.#registry.require(roomId);
    authorize('room.notify', { role: requireMember(room, actor).role, room });
    if (room.persistent) await this.#store.chat.setNotify(room.id, actor.user.id, level);
    return { level };
  }

  /**
   * Full-text search over the named rooms the actor is a member of (one of them, or all). A room
   * the actor is not a member of simply has no results: that says nothing about whether it exists.
   */
  async search(
    actor: Actor,
    query: string,
    options: { room?: string | undefined; offset?: number | undefined; limit?: number | undefined },
  ): Promise<{ messages: MessageEvent[]; next?: number }> {
    const limit = Math.max(1, Math.min(options.limit ?? this.#searchPageDefault, CHAT_LIMITS.searchPage));
    const offset = options.offset ?? 0;
    const page = await this.#store.chat.search(actor.user.id, query, {
      ...(options.room !== undefined ? { roomId: options.room } : {}),
      offset,
      limit,
    });
    return page.more ? { messages: page.messages, next: offset + limit } : { messages: page.messages };
  }
}
