import type { StreamKeyService } from '../live/whip/stream-keys.js';
import { createStreamKeyHandlers } from './stream-key-handlers.js';
import type { RecordingService } from '../live/recording/recording-service.js';
import {
  PresenceError,
  type RequestOf,
  type ResultOf,
  type RequestType,
  type UserRef,
  type FederatedRooms,
  type DirectoryRoom,
  type RoomInfo,
} from '@presence/protocol';
import type { RoomQueries } from '../rooms/room-queries.js';
import type { JoinSnapshot, RoomOps } from '../routing/room-ops.js';
import type { Session } from './session.js';
import { createLiveHandlers } from './live-handlers.js';
import { createLiveSfuHandlers } from './live-sfu-handlers.js';
import { createLiveRelayHandlers } from './live-relay-handlers.js';
import { createPresenceHandlers, type PresenceHandlerDeps } from './presence-handlers.js';
import { createSocialHandlers, type SocialDeps } from './social-handlers.js';
import { inviteInvalid, type InviteService } from '../rooms/invite-service.js';
import { createInviteHandlers } from './invite-handlers.js';
import type { ChatQueries } from '../chat/chat-queries.js';
import { createModerationHandlers } from './moderation-handlers.js';

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
  /** Everything done to one room, on this node or (in a cluster) on the room's home node. */
  ops: RoomOps;
  /** Queries across rooms (the user's rooms, the directory). */
  queries: RoomQueries;
  /** Marks the directory's rooms whose call or stream is on. */
  markLive: (rooms: RoomInfo[]) => DirectoryRoom[];
  maxRoomsPerSession: number;
  /** Looking up an invite's room (the store). */
  invites: Pick<InviteService, 'roomOf'>;
  /** Contacts and direct messages. */
  social: SocialDeps;
  /** Search (not about one room: it runs here, on the store). */
  chatQueries: Pick<ChatQueries, 'search'>;
  /** Presence states, subscriptions and device tokens. */
  presence: Omit<PresenceHandlerDeps, 'dms'>;
  /** Federation: vouching for this server's users on another one; null when federation is off. */
  assertions: {
    issue(user: UserRef, server: string): Promise<{ assertion: string; expiresAt: number; url: string }>;
  } | null;
  /** Federation: the public rooms of the federated servers; null when federation is off. */
  federatedDirectory: { list(query: string): Promise<FederatedRooms[]> } | null;
  /** WHIP stream keys of rooms. */
  streamKeys: StreamKeyService;
  /** Finished call recordings (entries in the store: any node answers). */
  recordings: Pick<RecordingService, 'list' | 'delete'>;
}

/**
 * One handler per request type; the mapped type makes a missing one a compile error.
 * Handlers translate between the session (gateway) and the domain services.
 */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { ops, queries } = deps;

  /** Enter a room's delivery with frames held, so nothing published during the join is lost. */
  async function enter(
    ctx: HandlerContext,
    roomId: string | null,
    act: () => Promise<JoinSnapshot>,
  ): Promise<JoinSnapshot> {
    const { session } = ctx;
    const wasIn = roomId !== null && session.rooms.has(roomId);
    if (!wasIn && session.rooms.size >= deps.maxRoomsPerSession) {
      throw new PresenceError(
        'LIMIT_EXCEEDED',
        `A session may be in at most ${deps.maxRoomsPerSession} rooms.`,
      );
    }
    if (roomId !== null) session.rooms.hold(roomId, '');
    let snapshot: JoinSnapshot;
    try {
      snapshot = await act();
    } catch (err) {
      if (roomId !== null && !wasIn) session.rooms.leave(roomId);
      else if (roomId !== null) session.rooms.resume(roomId);
      throw err;
    }
    const id = snapshot.room.id;
    if (roomId === null) session.rooms.hold(id, snapshot.room.epoch);
    ctx.afterReply(() => session.rooms.release(id, snapshot.room.epoch, snapshot.room.seq));
    return snapshot;
  }

  return {
    ...createLiveHandlers(ops),
    ...createLiveSfuHandlers(ops),
    ...createStreamKeyHandlers(deps.streamKeys),
    'live.recordings': async (ctx, r) => ({
      recordings: await deps.recordings.list(ctx.session.actor, r.room),
    }),
    'live.recording.delete': async (ctx, r) => {
      await deps.recordings.delete(ctx.session.actor, r.room, r.recording);
      return {};
    },
    ...createLiveRelayHandlers(ops),
    ...createPresenceHandlers({ ...deps.presence, dms: deps.social.dms }),
    ...createSocialHandlers(deps.social),
    ping: async () => ({ ts: Date.now() }),
    'federation.assertion': async ({ session }, r) => {
      if (!deps.assertions) throw new PresenceError('FORBIDDEN', 'Federation is off on this server.');
      return await deps.assertions.issue(session.user, r.server);
    },
    'federation.directory': async (_ctx, r) => ({
      servers: deps.federatedDirectory ? await deps.federatedDirectory.list(r.query ?? '') : [],
    }),
    'room.create': (ctx, r) =>
      enter(ctx, null, () =>
        ops.create(ctx.session.actor, { name: r.name, topic: r.topic, visibility: r.visibility }),
      ),
    'room.join': async (ctx, r) => {
      const { invite } = r;
      // The schema requires room or invite; with only an invite, the invite names the room.
      const room = r.room ?? (invite !== undefined ? await deps.invites.roomOf(invite) : undefined);
      if (room === undefined) throw new PresenceError('INVALID_MESSAGE', 'Give room or invite.');
      try {
        const admission = { password: r.password, guestKey: r.guestKey };
        return await enter(ctx, room, () => ops.join(room, ctx.session.actor, invite, admission));
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
      await ops.leave(r.room, ctx.session.actor, 'left');
      ctx.session.rooms.leave(r.room);
      return {};
    },
    'room.update': async (ctx, r) => ({
      room: await ops.update(r.room, ctx.session.actor, {
        name: r.name,
        topic: r.topic,
        visibility: r.visibility,
      }),
    }),
    'room.role': async (ctx, r) => ({
      member: await ops.setRole(r.room, ctx.session.actor, r.user, r.role),
    }),
    'room.history': (ctx, r) =>
      ops.history(r.room, ctx.session.actor, { before: r.before, after: r.after, limit: r.limit }),
    'room.read': (ctx, r) => ops.markRead(r.room, ctx.session.actor, r.seq),
    'rooms.mine': async (ctx) => ({ rooms: await queries.mine(ctx.session.actor) }),
    'rooms.directory': async (_ctx, r) => ({
      rooms: deps.markLive(await queries.directory(r.query ?? '', r.limit)),
    }),
    'chat.send': (ctx, r) =>
      ops.chatSend(r.room, ctx.session.actor, r.text, r.nonce, {
        replyTo: r.replyTo,
        mentions: r.mentions,
        file: r.file,
      }),
    'chat.react': (ctx, r) => ops.chatReact(r.room, ctx.session.actor, r.seq, r.emoji, r.on),
    'chat.search': (ctx, r) =>
      deps.chatQueries.search(ctx.session.actor, r.query, { room: r.room, offset: r.offset, limit: r.limit }),
    'room.notify': (ctx, r) => ops.notify(r.room, ctx.session.actor, r.level),
    'room.delete': async (ctx, r) => {
      await ops.deleteRoom(r.room, ctx.session.actor);
      return {};
    },
    'chat.edit': (ctx, r) => ops.chatEdit(r.room, ctx.session.actor, r.seq, r.text),
    'chat.delete': (ctx, r) => ops.chatDelete(r.room, ctx.session.actor, r.seq),
    'room.remove': async (ctx, r) => {
      // The removed sessions stop getting the room when the member.left reaches them (session.ts).
      await ops.remove(r.room, ctx.session.actor, r.user);
      return {};
    },
    ...createInviteHandlers(ops),
    ...createModerationHandlers(ops),
    'chat.typing': async (ctx, r) => {
      await ops.chatTyping(r.room, ctx.session.actor, r.typing);
      return {};
    },
  };
}
