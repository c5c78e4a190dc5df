import { PresenceError } from '@presence/protocol';
import type {
  ModerationRequestType,
  RequestOf,
  LiveMedia,
  LiveMediaMode,
  LiveParticipant,
  LiveSignal,
  NotifyLevel,
  RoomInfo,
  RoomPosition,
  Visibility,
} from '@presence/protocol';
import type { RoomRegistry } from '../rooms/room-registry.js';
import type { ChatService, SendExtras } from '../chat/chat-service.js';
import type { ChatQueries } from '../chat/chat-queries.js';
import type { RoomDeletion } from '../chat/room-deletion.js';
import type { Store } from '../store/store.js';
import type { LiveService } from '../live/live-service.js';
import type { SfuCandidate } from '../live/sfu/sfu-backend.js';
import type { InviteOptions, InviteService } from '../rooms/invite-service.js';
import type { RoomQueries } from '../rooms/room-queries.js';
import type { RecoveryResult, RoomRecoveryService } from '../rooms/room-recovery.js';
import type { JoinAdmission, RoomService, RoomSnapshot } from '../rooms/room-service.js';
import type { ModerationService } from '../moderation/moderation-service.js';
import type { Actor } from '../shared/actor.js';

/** A room snapshot as a joiner gets it: with the call's participants when there is a call. */
export type JoinSnapshot = RoomSnapshot & { live?: LiveParticipant[] };

/**
 * Every operation on one room that the gateway performs for a session, with the room's id first.
 * Room state lives on one node (its home), so these are the operations a cluster forwards there;
 * arguments and results are plain data for that reason. LocalRoomOps runs them on this node's
 * services; cluster-room-ops.ts routes each to the room's home.
 */
export class LocalRoomOps {
  readonly #rooms: RoomService;
  readonly #queries: RoomQueries;
  readonly #chat: ChatService;
  readonly #live: LiveService;
  readonly #invites: InviteService;
  readonly #recovery: RoomRecoveryService;
  readonly #registry: RoomRegistry;
  readonly #chatQueries: ChatQueries | undefined;
  readonly #deletion: RoomDeletion | undefined;
  readonly #store: Store | undefined;
  readonly #moderation: ModerationService;

  constructor(deps: {
    /** Notification levels; room deletion; the store, for membership of rooms not loaded. */
    chatQueries?: ChatQueries;
    deletion?: RoomDeletion;
    store?: Store;
    registry: RoomRegistry;
    rooms: RoomService;
    queries: RoomQueries;
    chat: ChatService;
    live: LiveService;
    invites: InviteService;
    recovery: RoomRecoveryService;
    moderation: ModerationService;
  }) {
    this.#rooms = deps.rooms;
    this.#queries = deps.queries;
    this.#chat = deps.chat;
    this.#live = deps.live;
    this.#invites = deps.invites;
    this.#recovery = deps.recovery;
    this.#registry = deps.registry;
    this.#chatQueries = deps.chatQueries;
    this.#deletion = deps.deletion;
    this.#store = deps.store;
    this.#moderation = deps.moderation;
  }

  /** Create a room here (a new room's home is the node that made it). */
  async create(
    actor: Actor,
    options: { name?: string | undefined; topic?: string | undefined; visibility?: Visibility | undefined },
  ): Promise<JoinSnapshot> {
    return this.#withLive(await this.#rooms.create(actor, options));
  }

  async join(
    roomId: string,
    actor: Actor,
    invite?: string,
    admission?: JoinAdmission,
  ): Promise<JoinSnapshot> {
    return this.#withLive(await this.#rooms.join(actor, roomId, undefined, invite, admission));
  }

  /** Every moderation request (plain data, so a cluster forwards it like any room operation). */
  moderate(roomId: string, actor: Actor, r: ModerationRequest): Promise<unknown> {
    const m = this.#moderation;
    switch (r.type) {
      case 'mod.kick':
        return m.kick(actor, roomId, r.user, r.reason ?? '').then(() => ({}));
      case 'mod.ban':
        return m
          .ban(actor, roomId, r.user, {
            reason: r.reason ?? '',
            durationSeconds: r.durationSeconds,
            byAddress: r.byAddress,
          })
          .then((ban) => ({ ban }));
      case 'mod.unban':
        return m.unban(actor, roomId, r.ban).then(() => ({}));
      case 'mod.bans':
        return m.bans(actor, roomId).then((bans) => ({ bans }));
      case 'mod.mute':
        return m.mute(actor, roomId, r).then((mutes) => ({ mutes }));
      case 'mod.settings':
        return m.settings(actor, roomId, r).then((settings) => ({ settings }));
      case 'mod.audit':
        return m.audit(actor, roomId, r);
      case 'lobby.knock':
        return m.knock(actor, roomId, r);
      case 'lobby.list':
        return m.knocks(actor, roomId).then((knocks) => ({ knocks }));
      case 'lobby.answer':
        return m.answer(actor, roomId, r.knock, r.admit).then(() => ({}));
      case 'chat.report':
        return m.report(actor, roomId, r.seq, r.reason ?? '').then(() => ({}));
    }
  }

  /** Leave the room, and its call first. */
  async leave(roomId: string, actor: Actor, reason: 'left' | 'timeout'): Promise<void> {
    await this.#live.sessionLeft(actor, roomId, reason);
    await this.#rooms.leave(actor, roomId, reason);
  }

  update(
    roomId: string,
    actor: Actor,
    patch: { name?: string | undefined; topic?: string | undefined; visibility?: Visibility | undefined },
  ) {
    return this.#rooms.update(actor, roomId, patch);
  }

  setRole(roomId: string, actor: Actor, userId: string, role: 'admin' | 'member' | 'guest') {
    return this.#rooms.setRole(actor, roomId, userId, role);
  }

  /** Remove a member; the call they were in ends for them here, where both services are at hand. */
  async remove(roomId: string, actor: Actor, userId: string): Promise<void> {
    const removed = await this.#rooms.remove(actor, roomId, userId);
    for (const a of removed) await this.#live.sessionLeft(a, roomId, 'removed');
  }

  /** The room's public facts (a link preview), or null when there is no such room. */
  async info(roomId: string): Promise<RoomInfo | null> {
    return (await this.#registry.get(roomId))?.info() ?? null;
  }

  /** Whether the actor's session is in the room now (it may have re-joined after a removal). */
  isPresent(roomId: string, actor: Actor): Promise<boolean> {
    return Promise.resolve(this.#rooms.isPresent(roomId, actor));
  }

  history(
    roomId: string,
    actor: Actor,
    page: { before?: number | undefined; after?: number | undefined; limit?: number | undefined },
  ) {
    return this.#queries.history(actor, roomId, page);
  }

  markRead(roomId: string, actor: Actor, seq: number) {
    return this.#queries.markRead(actor, roomId, seq);
  }

  chatSend(roomId: string, actor: Actor, text: string, nonce?: string, extras?: SendExtras) {
    return this.#chat.send(actor, roomId, text, nonce, extras);
  }

  chatReact(roomId: string, actor: Actor, seq: number, emoji: string, on: boolean) {
    return this.#chat.react(actor, roomId, seq, emoji, on);
  }

  notify(roomId: string, actor: Actor, level: NotifyLevel): Promise<{ level: NotifyLevel }> {
    if (!this.#chatQueries) throw new PresenceError('NOT_IMPLEMENTED');
    return this.#chatQueries.notify(actor, roomId, level);
  }

  deleteRoom(roomId: string, actor: Actor): Promise<void> {
    if (!this.#deletion) throw new PresenceError('NOT_IMPLEMENTED');
    return this.#deletion.delete(actor, roomId);
  }

  /** Whether the user is a member of the room (loaded or stored), for file access. */
  async memberOf(roomId: string, userId: string): Promise<boolean> {
    const loaded = this.#registry.loaded(roomId);
    if (loaded) return loaded.members.has(userId);
    return (await this.#store?.getMember(roomId, userId)) !== undefined;
  }

  chatEdit(roomId: string, actor: Actor, seq: number, text: string) {
    return this.#chat.edit(actor, roomId, seq, text);
  }

  chatDelete(roomId: string, actor: Actor, seq: number) {
    return this.#chat.delete(actor, roomId, seq);
  }

  chatTyping(roomId: string, actor: Actor, typing: boolean): Promise<void> {
    return this.#chat.typing(actor, roomId, typing);
  }

  inviteCreate(roomId: string, actor: Actor, options: InviteOptions) {
    return this.#invites.create(actor, roomId, options);
  }

  inviteList(roomId: string, actor: Actor) {
    return this.#invites.list(actor, roomId);
  }

  inviteRevoke(roomId: string, actor: Actor, code: string): Promise<void> {
    return this.#invites.revoke(actor, roomId, code);
  }

  liveJoin(roomId: string, actor: Actor, media: Partial<LiveMedia>) {
    return this.#live.join(actor, roomId, media);
  }

  liveLeave(roomId: string, actor: Actor): Promise<void> {
    return this.#live.leave(actor, roomId, 'left');
  }

  liveMedia(roomId: string, actor: Actor, patch: Partial<LiveMedia> & { speaking?: boolean | undefined }) {
    return this.#live.media(actor, roomId, patch);
  }

  liveSignal(roomId: string, actor: Actor, to: string, signal: LiveSignal): Promise<void> {
    return this.#live.signal(actor, roomId, to, signal);
  }

  liveIce(roomId: string, actor: Actor) {
    return Promise.resolve(this.#live.ice(actor, roomId));
  }

  liveMode(roomId: string, actor: Actor, mode: LiveMediaMode) {
    return this.#live.setMode(actor, roomId, mode);
  }

  liveSettings(roomId: string, actor: Actor, patch: Parameters<LiveService['setSettings']>[2]) {
    return this.#live.setSettings(actor, roomId, patch);
  }

  liveSfuPublish(roomId: string, actor: Actor, sdp: string, restart: boolean): Promise<string> {
    return this.#live.sfuPublish(actor, roomId, sdp, restart);
  }

  liveSfuUnpublish(roomId: string, actor: Actor): Promise<void> {
    return this.#live.sfuUnpublish(actor, roomId);
  }

  liveSfuAnswer(roomId: string, actor: Actor, sdp: string): Promise<void> {
    return this.#live.sfuAnswer(actor, roomId, sdp);
  }

  liveSfuCandidate(
    roomId: string,
    actor: Actor,
    target: 'publisher' | 'subscriber',
    candidate: SfuCandidate | null,
  ): Promise<void> {
    return this.#live.sfuCandidate(actor, roomId, target, candidate);
  }

  liveRelayStart(
    roomId: string,
    actor: Actor,
    opts: { bitrateBps?: number | undefined; direct?: boolean | undefined },
  ): Promise<{ source: string }> {
    return this.#live.relayStart(actor, roomId, opts);
  }

  liveRelayStop(roomId: string, actor: Actor): Promise<void> {
    return this.#live.relayStop(actor, roomId);
  }

  liveRelayProbe(roomId: string, actor: Actor) {
    return Promise.resolve(this.#live.relayProbe(actor, roomId));
  }

  liveRelayReport(
    roomId: string,
    actor: Actor,
    report: { silent?: string | undefined; sendingBps?: number | undefined },
  ): Promise<void> {
    return this.#live.relayReport(actor, roomId, report);
  }

  liveRelayPrefs(roomId: string, actor: Actor, relay: boolean): Promise<{ relay: boolean }> {
    return this.#live.relayPrefs(actor, roomId, relay);
  }

  liveRecord(roomId: string, actor: Actor, on: boolean) {
    return this.#live.record(actor, roomId, on);
  }

  liveSfuRestart(roomId: string, actor: Actor): Promise<void> {
    return this.#live.sfuRestart(actor, roomId);
  }

  /** The session's connection dropped (or came back): its call peers see it reconnecting. */
  liveConnection(roomId: string, sessionId: string, connected: boolean): Promise<void> {
    // Session ids are unique, so the room only says where to run this; the call is found by session.
    void roomId;
    return connected ? this.#live.sessionResumed(sessionId) : this.#live.sessionDetached(sessionId);
  }

  /** Bring a (re)connecting session back into a room (recovery by position). */
  recover(roomId: string, actor: Actor, position: RoomPosition, inRoom: boolean): Promise<RecoveryResult> {
    return this.#recovery.recover(actor, { ...position, room: roomId }, inRoom);
  }

  async #withLive(snapshot: RoomSnapshot): Promise<JoinSnapshot> {
    // Members outside the call see who is in it.
    const id = snapshot.room.id;
    const live = this.#live.participants(id);
    const liveSettings = await this.#live.snapshotSettings(id);
    const stream = this.#live.stream(id);
    return {
      ...snapshot,
      ...(live.length > 0 ? { live } : {}),
      ...(liveSettings ? { liveSettings } : {}),
      ...(stream ? { stream } : {}),
    };
  }
}

/** The operations that are about an existing room, routed by their first argument. */
export type RoomOpName = Exclude<
  {
    [K in keyof LocalRoomOps]: LocalRoomOps[K] extends (roomId: string, ...rest: never[]) => unknown
      ? K
      : never;
  }[keyof LocalRoomOps],
  'create'
>;

/** What the gateway uses: the local operations, or a cluster's routed ones. */
export type RoomOps = Pick<LocalRoomOps, RoomOpName | 'create'>;

export const ROOM_OP_NAMES: readonly RoomOpName[] = [
  'join',
  'leave',
  'update',
  'setRole',
  'remove',
  'isPresent',
  'info',
  'history',
  'markRead',
  'chatSend',
  'chatEdit',
  'chatDelete',
  'chatTyping',
  'chatReact',
  'notify',
  'deleteRoom',
  'memberOf',
  'inviteCreate',
  'inviteList',
  'inviteRevoke',
  'liveJoin',
  'liveLeave',
  'liveMedia',
  'liveSignal',
  'liveIce',
  'liveConnection',
  'liveMode',
  'liveSettings',
  'liveSfuPublish',
  'liveSfuUnpublish',
  'liveSfuAnswer',
  'liveSfuCandidate',
  'liveSfuRestart',
  'liveRecord',
  'liveRelayStart',
  'liveRelayStop',
  'liveRelayProbe',
  'liveRelayReport',
  'liveRelayPrefs',
  'recover',
  'moderate',
];

/** A moderation request as the gateway parsed it. */
export type ModerationRequest = { [T in ModerationRequestType]: RequestOf<T> }[ModerationRequestType];
