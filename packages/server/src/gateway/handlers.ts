import { PresenceError, type RequestOf, type ResultOf, type RequestType } from '@presence/protocol';
import type { ChatService } from '../chat/chat-service.js';
import type { RoomQueries } from '../rooms/room-queries.js';
import type { RoomService, RoomSnapshot } from '../rooms/room-service.js';
import type { RoomFanout } from './room-fanout.js';
import type { Session } from './session.js';
import type { LiveService } from '../live/live-service.js';
import { createLiveHandlers } from './live-handlers.js';
import { createPresenceHandlers, type PresenceHandlerDeps } from './presence-handlers.js';
import { createSocialHandlers, type SocialDeps } from './social-handlers.js';
import { inviteInvalid, type InviteService } from '../rooms/invite-service.js';
import { createInviteHandlers } from './invite-handlers.js';

export interface HandlerContext {
  session: Session;
  /** Run after the reply has been queued on the connection (e.g. release held room events). */
  afterReply(fn: () => void): void;
}

type Handler<T extends Exclude<RequestType, 'hello'>> = (
  ctx: HandlerContext,
  request: RequestOf<T>,
) => Promise<ResultOf<T>>;

export type Handlers = { [T in Exclude<RequestType, 'hello'>]: Handler<T> };

export interface HandlerDeps {
  rooms: RoomService;
  queries: RoomQueries;
  chat: ChatService;
  fanout: RoomFanout;
  maxRoomsPerSession: number;
  live: LiveService;
  invites: InviteService;
  /** Contacts and direct messages. */
  social: SocialDeps;
  /** Presence states, subscriptions and device tokens. */
  presence: PresenceHandlerDeps;
}

/**
 * One handler per request type; the mapped type makes a missing one a compile error.
 * Handlers translate between the session (gateway) and the domain services.
 */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { rooms, queries, chat, fanout } = deps;

  /** Enter a room's delivery with frames held, so nothing published during the join is lost. */
  async function enter(
    ctx: HandlerContext,
    roomId: string | null,
    act: () => Promise<RoomSnapshot>,
  ): Promise<RoomSnapshot> {
    const { session } = ctx;
    const wasIn = roomId !== null && session.rooms.has(roomId);
    if (!wasIn && session.rooms.size >= deps.maxRoomsPerSession) {
      throw new PresenceError(
        'LIMIT_EXCEEDED',
        `A session may be in at most ${deps.maxRoomsPerSession} rooms.`,
      );
    }
    if (roomId !== null) {
      session.hold(roomId, '');
      fanout.add(roomId, session);
    }
    let snapshot: RoomSnapshot;
    try {
      snapshot = await act();
    } catch (err) {
      if (roomId !== null && !wasIn) {
        session.rooms.delete(roomId);
        fanout.remove(roomId, session);
      } else if (roomId !== null) {
        const sub = session.rooms.get(roomId);
        if (sub) session.release(roomId, sub.epoch, sub.lastSeq);
      }
      throw err;
    }
    const id = snapshot.room.id;
    if (roomId === null) {
      session.hold(id, snapshot.room.epoch);
      fanout.add(id, session);
    }
    ctx.afterReply(() => session.release(id, snapshot.room.epoch, snapshot.room.seq));
    // Members outside the call see who is in it.
    const live = deps.live.participants(id);
    return live.length > 0 ? { ...snapshot, live } : snapshot;
  }

  return {
    ...createLiveHandlers(deps.live),
    ...createPresenceHandlers(deps.presence),
    ...createSocialHandlers(deps.social),
    ping: async () => ({ ts: Date.now() }),
    'room.create': (ctx, r) =>
      enter(ctx, null, () =>
        rooms.create(ctx.session.actor, { name: r.name, topic: r.topic, visibility: r.visibility }),
      ),
    'room.join': async (ctx, r) => {
      const { invite } = r;
      // The schema requires room or invite; with only an invite, the invite names the room.
      const room = r.room ?? (invite !== undefined ? await deps.invites.roomOf(invite) : undefined);
      if (room === undefined) throw new PresenceError('INVALID_MESSAGE', 'Give room or invite.');
      try {
        return await enter(ctx, room, () => rooms.join(ctx.session.actor, room, undefined, invite));
      } catch (err) {
        // An invite whose room is gone is a dead invite; the room id it named stays unsaid.
        if (r.room === undefined && err instanceof PresenceError && err.code === 'ROOM_NOT_FOUND') {
          throw inviteInvalid('not_found');
        }
        throw err;
      }
    },
    'room.leave': async (ctx, r) => {
      if (!ctx.session.rooms.has(r.room)) throw new PresenceError('NOT_IN_ROOM');
      await deps.live.sessionLeft(ctx.session.actor, r.room, 'left');
      await rooms.leave(ctx.session.actor, r.room, 'left');
      ctx.session.rooms.delete(r.room);
      fanout.remove(r.room, ctx.session);
      return {};
    },
    'room.update': async (ctx, r) => ({
      room: await rooms.update(ctx.session.actor, r.room, {
        name: r.name,
        topic: r.topic,
        visibility: r.visibility,
      }),
    }),
    'room.role': async (ctx, r) => ({
      member: await rooms.setRole(ctx.session.actor, r.room, r.user, r.role),
    }),
    'room.history': (ctx, r) =>
      queries.history(ctx.session.actor, r.room, { before: r.before, after: r.after, limit: r.limit }),
    'room.read': (ctx, r) => queries.markRead(ctx.session.actor, r.room, r.seq),
    'rooms.mine': async (ctx) => ({ rooms: await queries.mine(ctx.session.actor) }),
    'rooms.directory': async (_ctx, r) => ({ rooms: await queries.directory(r.query ?? '', r.limit) }),
    'chat.send': (ctx, r) => chat.send(ctx.session.actor, r.room, r.text, r.nonce),
    'chat.edit': (ctx, r) => chat.edit(ctx.session.actor, r.room, r.seq, r.text),
    'chat.delete': (ctx, r) => chat.delete(ctx.session.actor, r.room, r.seq),
    'room.remove': async (ctx, r) => {
      // The removed sessions stop getting the room when the member.left reaches them (session.ts);
      // a call they were in ends here, where both services are at hand.
      const removed = await rooms.remove(ctx.session.actor, r.room, r.user);
      for (const actor of removed) await deps.live.sessionLeft(actor, r.room, 'removed');
      return {};
    },
    ...createInviteHandlers(deps.invites),
    'chat.typing': async (ctx, r) => {
      await chat.typing(ctx.session.actor, r.room, r.typing);
      return {};
    },
  };
}
