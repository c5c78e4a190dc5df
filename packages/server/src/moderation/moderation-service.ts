import { createHmac } from 'node:crypto';
import {
  PresenceError,
  type AuditEntry,
  type Ban,
  type Knock,
  type LiveMedia,
  type ModerationSettings,
  type Mute,
  type RoomRole,
  type UserRef,
} from '@presence/protocol';
import type { Broker } from '../broker/broker.js';
import type { ChatService } from '../chat/chat-service.js';
import { FailureLimiter } from '../identity/failure-limiter.js';
import { hashPassword, verifyPassword } from '../identity/passwords.js';
import type { LiveService } from '../live/live-service.js';
import type { JoinFacts, ModerationGate } from '../rooms/moderation-gate.js';
import type { Room } from '../rooms/room.js';
import type { RoomLog } from '../rooms/room-log.js';
import { authorize, isGuestUser, isModerator, requireMember } from '../rooms/room-policy.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import { randomId } from '../shared/random-id.js';
import type { Actor } from '../shared/actor.js';
import type {
  StoredAuditEntry,
  StoredBan,
  StoredKnock,
  StoredModerationSettings,
} from '../store/moderation-store.js';
import type { Store } from '../store/store.js';

const DEFAULT_SETTINGS: StoredModerationSettings = {
  lobby: false,
  slowModeSeconds: 0,
  joinMuted: false,
  passwordHash: null,
};
/** A chat mute without a duration: until unmuted (year 9999, inside a safe integer and a timestamp). */
const FOREVER = 253_402_300_799_000;
/** How long an admitted knock lets its user in. */
const PASS_MS = 10 * 60_000;
/** Knocks older than this are forgotten (the knocker has long given up or knocked again). */
const KNOCK_MS = 60 * 60_000;
/**
 * Wrong room passwords allowed per room and user, and per room and address, in a minute. Every
 * attempt at a room's password runs on the room's home node, so these hold cluster-wide per room.
 */
export const PASSWORD_LIMITS = {
  perUser: { max: 5, windowMs: 60_000 },
  perAddress: { max: 20, windowMs: 60_000 },
} as const;

interface MuteState {
  chatUntil: number | null;
  audio: boolean;
  video: boolean;
}

interface PendingKnock {
  knock: Knock;
  sessionId: string;
}

/**
 * What moderation keeps per loaded room on the room's home node. Settings, mutes, knocks and
 * passes are in the store too (loaded here, written through), so they survive a restart and a
 * change of home node; the slow-mode clock and how each user came in are this node's only.
 */
interface RoomState {
  settings: StoredModerationSettings;
  mutes: Map<string, MuteState>;
  lastSent: Map<string, number>;
  knocks: Map<string, PendingKnock>;
  /** Users admitted from the lobby, until when. */
  passes: Map<string, number>;
  /** How each user came in: what a ban on them must also cover. */
  seen: Map<string, { guestKeyHash?: string | undefined; addressHash?: string | undefined }>;
}

export interface ModerationDeps {
  registry: RoomRegistry;
  log: RoomLog;
  store: Store;
  broker: Broker;
  /** Keys the hashes of guest keys and addresses (never stored in the clear). */
  secret: Uint8Array;
  now?: () => number;
}

/**
 * Moderation that the server enforces: kick, ban, mute, lobby, password, slow mode, reports and
 * the audit log. It is the rooms' ModerationGate (joins, sends and calls ask it), and runs its
 * own requests on the room's home node (routed like every room operation), so one node decides
 * per room; bans and settings are in the store, so every node and every restart sees them.
 */
export class ModerationService implements ModerationGate {
  readonly #registry: RoomRegistry;
  readonly #log: RoomLog;
  readonly #store: Store;
  readonly #broker: Broker;
  readonly #secret: Uint8Array;
  readonly #now: () => number;
  readonly #state = new WeakMap<Room, Promise<RoomState>>();
  /** The same states once loaded, for what must not wait a turn (beforeSend, every message). */
  readonly #ready = new WeakMap<Room, RoomState>();
  /** Bans of memory-only rooms, for when the store is unreachable (see #read). */
  readonly #memoryBans = new WeakMap<Room, StoredBan[]>();
  #live: LiveService | null = null;
  #chat: ChatService | null = null;
  #lastAuditId = 0;
  readonly #passwordByUser: FailureLimiter;
  readonly #passwordByAddress: FailureLimiter;

  constructor(deps: ModerationDeps) {
    this.#registry = deps.registry;
    this.#log = deps.log;
    this.#store = deps.store;
    this.#broker = deps.broker;
    this.#secret = deps.secret;
    this.#now = deps.now ?? Date.now;
    this.#passwordByUser = new FailureLimiter(PASSWORD_LIMITS.perUser, { now: this.#now });
    this.#passwordByAddress = new FailureLimiter(PASSWORD_LIMITS.perAddress, { now: this.#now });
  }

  /** Chat and calls, built after this since they ask this gate. */
  connect(services: { chat: ChatService; live: LiveService }): void {
    this.#chat = services.chat;
    this.#live = services.live;
  }

  // ---- the gate -------------------------------------------------------------------------------

  async admit(room: Room, actor: Actor, facts: JoinFacts): Promise<void> {
    const state = await this.#stateOf(room);
    const guestKeyHash = facts.guestKey !== undefined ? this.#hash('guest', facts.guestKey) : undefined;
    const addressHash = actor.address !== undefined ? this.#hash('address', actor.address) : undefined;
    await this.#refuseBanned(room, actor.user.id, guestKeyHash, addressHash);
    if (!facts.member && !facts.invite) {
      await this.#refresh(room, state);
      await this.#checkPassword(room, state, actor, facts.password);
      if (state.settings.lobby && !(await this.#hasPass(room, state, actor.user.id))) {
        throw new PresenceError('LOBBY_REQUIRED');
      }
    }
    state.seen.set(actor.user.id, { guestKeyHash, addressHash });
  }

  beforeSend(room: Room, actor: Actor, role: RoomRole): Promise<void> | undefined {
    // Once the room's state is loaded, decided at once: no promise per message.
    const ready = this.#ready.get(room);
    if (ready !== undefined) {
      this.#checkSend(ready, actor, role);
      return undefined;
    }
    return this.#stateOf(room).then((state) => this.#checkSend(state, actor, role));
  }

  /** Throws MUTED or SLOW_MODE; else counts the message for slow mode. */
  #checkSend(state: RoomState, actor: Actor, role: RoomRole): void {
    const now = this.#now();
    const mute = state.mutes.get(actor.user.id);
    if (mute !== undefined && mute.chatUntil !== null && mute.chatUntil > now) {
      throw new PresenceError(
        'MUTED',
        mute.chatUntil === FOREVER
          ? 'A moderator muted you in this room’s chat.'
          : `A moderator muted you in this room’s chat until ${new Date(mute.chatUntil).toISOString()}.`,
      );
    }
    if (isModerator(role)) return;
    // Kept with slow mode off too, so that turning it on counts the message just sent.
    const gapMs = state.settings.slowModeSeconds * 1000;
    const last = state.lastSent.get(actor.user.id);
    if (gapMs > 0 && last !== undefined && now - last < gapMs) {
      throw new PresenceError(
        'SLOW_MODE',
        `Slow mode: one message every ${state.settings.slowModeSeconds} s.`,
        { retryAfterMs: gapMs - (now - last) },
      );
    }
    state.lastSent.set(actor.user.id, now);
  }

  async beforeCall(room: Room, actor: Actor): Promise<void> {
    const seen = (await this.#stateOf(room)).seen.get(actor.user.id);
    await this.#refuseBanned(room, actor.user.id, seen?.guestKeyHash, seen?.addressHash);
  }

  async media(
    room: Room,
    userId: string,
    role: RoomRole,
    asked: Partial<LiveMedia>,
    joining: boolean,
  ): Promise<Partial<LiveMedia>> {
    const state = await this.#stateOf(room);
    let mute = state.mutes.get(userId);
    if (joining && !mute && state.settings.joinMuted && !isModerator(role)) {
      mute = { chatUntil: null, audio: true, video: false };
      state.mutes.set(userId, mute);
      await this.#write(room, () => this.#store.moderation.putMute(room.id, userId, mute ?? null));
      await this.#log.transient(room, {
        type: 'mod.muted',
        room: room.id,
        by: { id: room.createdBy, name: 'moderation', avatar: '' },
        mute: muteView(userId, mute),
      });
    }
    if (!mute) return asked;
    const out = { ...asked };
    for (const kind of ['audio', 'video'] as const) {
      if (!mute[kind] || out[kind] !== true) continue;
      if (!joining)
        throw new PresenceError(
          'MUTED',
          `A moderator muted your ${kind === 'audio' ? 'microphone' : 'camera'}.`,
        );
      out[kind] = false;
    }
    return out;
  }

  async callMute(room: Room, userId: string): Promise<{ audio: boolean; video: boolean }> {
    const mute = (await this.#stateOf(room)).mutes.get(userId);
    return { audio: mute?.audio ?? false, video: mute?.video ?? false };
  }

  async snapshot(room: Room): Promise<{ settings: ModerationSettings; mutes: Mute[] } | undefined> {
    const state = await this.#stateOf(room);
    const mutes = this.#activeMutes(state);
    const s = state.settings;
    const plain = !s.lobby && s.slowModeSeconds === 0 && !s.joinMuted && s.passwordHash === null;
    if (plain && mutes.length === 0) return undefined;
    return { settings: settingsView(s), mutes };
  }

  async record(
    room: Room,
    entry: {
      action: 'role' | 'remove' | 'message.delete';
      actor: UserRef;
      target: UserRef | null;
      detail?: Record<string, string | number | boolean | null>;
    },
  ): Promise<void> {
    await this.#audit(room.id, entry.action, entry.actor, entry.target, '', entry.detail ?? {});
  }

  // ---- requests -------------------------------------------------------------------------------

  /** Take a member out now (they may come back, unless banned). */
  async kick(actor: Actor, roomId: string, userId: string, reason: string): Promise<void> {
    const room = await this.#registry.require(roomId);
    await room.queue.run(async () => {
      const { target } = this.#targetOf(room, actor, userId, 'mod.kick');
      await this.#takeOut(room, actor, target.ref, target.sessions, 'kick', reason, null);
      await this.#audit(room.id, 'kick', actor.user, target.ref, reason, {});
    });
  }

  async ban(
    actor: Actor,
    roomId: string,
    userId: string,
    options: { reason: string; durationSeconds?: number | undefined; byAddress?: boolean | undefined },
  ): Promise<Ban> {
    const room = await this.#registry.require(roomId);
    return room.queue.run(async () => {
      const { target } = this.#targetOf(room, actor, userId, 'mod.ban');
      const state = await this.#stateOf(room);
      const seen = state.seen.get(userId);
      const now = this.#now();
      const expiresAt = options.durationSeconds !== undefined ? now + options.durationSeconds * 1000 : null;
      const stored: StoredBan = {
        id: randomId(12),
        roomId: room.id,
        userId,
        userName: target.ref.name,
        userAvatar: target.ref.avatar,
        // A guest gets a new id every visit: the browser's key is what comes back.
        guestKeyHash: isGuestUser(userId) ? (seen?.guestKeyHash ?? null) : null,
        addressHash: options.byAddress === true ? (seen?.addressHash ?? null) : null,
        reason: options.reason,
        by: actor.user,
        createdAt: now,
        expiresAt,
      };
      await this.#store.moderation.addBan(stored);
      if (!room.persistent) this.#memoryBans.set(room, [...(this.#memoryBans.get(room) ?? []), stored]);
      if (room.members.has(userId)) {
        await this.#takeOut(room, actor, target.ref, target.sessions, 'ban', options.reason, expiresAt);
      }
      await this.#audit(room.id, 'ban', actor.user, target.ref, options.reason, {
        expiresAt,
        byAddress: stored.addressHash !== null,
        byGuestKey: stored.guestKeyHash !== null,
      });
      return banView(stored);
    });
  }

  async unban(actor: Actor, roomId: string, banId: string): Promise<void> {
    const room = await this.#registry.require(roomId);
    authorize('mod.unban', { role: requireMember(room, actor).role, room });
    const bans = await this.#store.moderation.listBans(room.id, this.#now());
    const ban = bans.find((b) => b.id === banId);
    if (!ban || !(await this.#store.moderation.removeBan(room.id, banId))) {
      throw new PresenceError('FORBIDDEN', 'No such ban in this room.');
    }
    const kept = this.#memoryBans.get(room)?.filter((b) => b.id !== banId);
    if (kept) this.#memoryBans.set(room, kept);
    await this.#audit(room.id, 'unban', actor.user, banTarget(ban), '', { ban: banId });
  }

  async bans(actor: Actor, roomId: string): Promise<Ban[]> {
    const room = await this.#registry.require(roomId);
    authorize('mod.bans', { role: requireMember(room, actor).role, room });
    return (await this.#store.moderation.listBans(room.id, this.#now())).map(banView);
  }

  /**
   * Mute or unmute one member, or (no user) everyone below owners and admins who is in the room.
   * A call mute also turns that media off at once; mutes last while the room is loaded.
   */
  async mute(
    actor: Actor,
    roomId: string,
    request: {
      user?: string | undefined;
      chat?: boolean | undefined;
      audio?: boolean | undefined;
      video?: boolean | undefined;
      durationSeconds?: number | undefined;
      reason?: string | undefined;
    },
  ): Promise<Mute[]> {
    const room = await this.#registry.require(roomId);
    return room.queue.run(async () => {
      const me = requireMember(room, actor);
      const targets: UserRef[] = [];
      if (request.user !== undefined) {
        targets.push(this.#targetOf(room, actor, request.user, 'mod.mute').target.ref);
      } else {
        authorize('mod.mute', { role: me.role, room });
        for (const m of room.members.values()) {
          if (m.sessions.size > 0 && !isModerator(m.role)) targets.push(m.ref);
        }
      }
      const state = await this.#stateOf(room);
      const now = this.#now();
      const out: Mute[] = [];
      for (const user of targets) {
        const prev = state.mutes.get(user.id) ?? { chatUntil: null, audio: false, video: false };
        const next: MuteState = {
          chatUntil:
            request.chat === undefined
              ? prev.chatUntil
              : request.chat
                ? request.durationSeconds !== undefined
                  ? now + request.durationSeconds * 1000
                  : FOREVER
                : null,
          audio: request.audio ?? prev.audio,
          video: request.video ?? prev.video,
        };
        const lifted = next.chatUntil === null && !next.audio && !next.video;
        await this.#write(room, () => this.#store.moderation.putMute(room.id, user.id, lifted ? null : next));
        if (lifted) state.mutes.delete(user.id);
        else state.mutes.set(user.id, next);
        await this.#live?.forceOff(room.id, user.id, { audio: next.audio, video: next.video });
        const view = muteView(user.id, next);
        await this.#log.transient(room, { type: 'mod.muted', room: room.id, by: actor.user, mute: view });
        const muting = request.chat === true || request.audio === true || request.video === true;
        await this.#audit(room.id, muting ? 'mute' : 'unmute', actor.user, user, request.reason ?? '', {
          chat: request.chat ?? null,
          audio: request.audio ?? null,
          video: request.video ?? null,
          chatUntil: next.chatUntil,
          everyone: request.user === undefined,
        });
        out.push(view);
      }
      return out;
    });
  }

  async settings(
    actor: Actor,
    roomId: string,
    patch: {
      lobby?: boolean | undefined;
      slowModeSeconds?: number | undefined;
      joinMuted?: boolean | undefined;
      password?: string | null | undefined;
    },
  ): Promise<ModerationSettings> {
    const room = await this.#registry.require(roomId);
    return room.queue.run(async () => {
      authorize('mod.settings', { role: requireMember(room, actor).role, room });
      const state = await this.#stateOf(room);
      const next: StoredModerationSettings = {
        lobby: patch.lobby ?? state.settings.lobby,
        slowModeSeconds: patch.slowModeSeconds ?? state.settings.slowModeSeconds,
        joinMuted: patch.joinMuted ?? state.settings.joinMuted,
        passwordHash:
          patch.password === undefined
            ? state.settings.passwordHash
            : patch.password === null
              ? null
              : await hashPassword(patch.password),
      };
      await this.#store.moderation.putSettings(room.id, next);
      state.settings = next;
      const view = settingsView(next);
      await this.#log.transient(room, {
        type: 'mod.settings',
        room: room.id,
        by: actor.user,
        settings: view,
      });
      await this.#audit(room.id, 'settings', actor.user, null, '', {
        lobby: patch.lobby ?? null,
        slowModeSeconds: patch.slowModeSeconds ?? null,
        joinMuted: patch.joinMuted ?? null,
        password: patch.password === undefined ? null : patch.password === null ? 'cleared' : 'set',
      });
      return view;
    });
  }

  /** The audit log for a member who may read it (owners and admins). */
  async audit(
    actor: Actor,
    roomId: string,
    page: { before?: number | undefined; limit?: number | undefined },
  ): Promise<{ entries: AuditEntry[]; more: boolean }> {
    const room = await this.#registry.require(roomId);
    authorize('mod.audit', { role: requireMember(room, actor).role, room });
    return this.readAudit(room.id, page);
  }

  /** The audit log as the service API reads it (no member check: the backend is trusted). */
  async readAudit(
    roomId: string,
    page: { before?: number | undefined; limit?: number | undefined },
  ): Promise<{ entries: AuditEntry[]; more: boolean }> {
    const limit = Math.min(page.limit ?? 50, 200);
    const rows = await this.#store.moderation.listAudit(roomId, { before: page.before, limit: limit + 1 });
    return { entries: rows.slice(0, limit).map(auditView), more: rows.length > limit };
  }

  /**
   * Ask to come in. Without a lobby (or with a pass already) the answer is immediate; otherwise the
   * room's owners and admins are told and the knocker waits for `lobby.outcome`.
   */
  async knock(
    actor: Actor,
    roomId: string,
    facts: { guestKey?: string | undefined; password?: string | undefined },
  ): Promise<{ knock: string; admitted: boolean }> {
    const room = await this.#registry.require(roomId);
    return room.queue.run(async () => {
      const state = await this.#stateOf(room);
      const guestKeyHash = facts.guestKey !== undefined ? this.#hash('guest', facts.guestKey) : undefined;
      const addressHash = actor.address !== undefined ? this.#hash('address', actor.address) : undefined;
      await this.#refuseBanned(room, actor.user.id, guestKeyHash, addressHash);
      authorize('room.join', { role: room.members.get(actor.user.id)?.role ?? null, room });
      const member = room.members.has(actor.user.id);
      if (!member) {
        await this.#refresh(room, state);
        await this.#checkPassword(room, state, actor, facts.password);
      }
      if (member || !state.settings.lobby || (await this.#hasPass(room, state, actor.user.id))) {
        return { knock: '', admitted: true };
      }
      for (const [id, k] of state.knocks) {
        if (k.sessionId === actor.sessionId) return { knock: id, admitted: false };
      }
      const knock: Knock = { id: randomId(10), user: actor.user, at: this.#now() };
      await this.#write(room, () =>
        this.#store.moderation.addKnock(room.id, { ...knock, sessionId: actor.sessionId }),
      );
      state.knocks.set(knock.id, { knock, sessionId: actor.sessionId });
      await this.#toModerators(room, { type: 'lobby.knocked', room: room.id, knock });
      return { knock: knock.id, admitted: false };
    });
  }

  async knocks(actor: Actor, roomId: string): Promise<Knock[]> {
    const room = await this.#registry.require(roomId);
    authorize('lobby.list', { role: requireMember(room, actor).role, room });
    const state = await this.#stateOf(room);
    const since = this.#now() - KNOCK_MS;
    for (const [id, k] of state.knocks) if (k.knock.at < since) state.knocks.delete(id);
    return [...state.knocks.values()].map((k) => k.knock);
  }

  async answer(actor: Actor, roomId: string, knockId: string, admit: boolean): Promise<void> {
    const room = await this.#registry.require(roomId);
    await room.queue.run(async () => {
      authorize('lobby.answer', { role: requireMember(room, actor).role, room });
      const state = await this.#stateOf(room);
      const pending = state.knocks.get(knockId);
      if (!pending) throw new PresenceError('FORBIDDEN', 'No such knock waiting (answered or withdrawn).');
      await this.#write(room, () => this.#store.moderation.removeKnock(room.id, knockId));
      state.knocks.delete(knockId);
      if (admit) {
        const until = this.#now() + PASS_MS;
        await this.#write(room, () => this.#store.moderation.putPass(room.id, pending.knock.user.id, until));
        state.passes.set(pending.knock.user.id, until);
      }
      const outcome = { type: 'lobby.outcome', room: room.id, knock: knockId, admitted: admit };
      await this.#broker.sendDirect(pending.sessionId, JSON.stringify(outcome));
      await this.#toModerators(room, {
        type: 'lobby.closed',
        room: room.id,
        knock: knockId,
        admitted: admit,
      });
      await this.#audit(
        room.id,
        admit ? 'lobby.admit' : 'lobby.deny',
        actor.user,
        pending.knock.user,
        '',
        {},
      );
    });
  }

  /** Any member may report a message; the room's owners and admins are told, and it is audited. */
  async report(actor: Actor, roomId: string, seq: number, reason: string): Promise<void> {
    const room = await this.#registry.require(roomId);
    authorize('chat.report', { role: requireMember(room, actor).role, room });
    if (!this.#chat) throw new PresenceError('NOT_IMPLEMENTED', 'Reports need the chat service.');
    const message = await this.#chat.message(room, seq);
    const ts = this.#now();
    await this.#toModerators(room, { type: 'chat.reported', room: room.id, seq, by: actor.user, reason, ts });
    await this.#audit(room.id, 'report', actor.user, message.from, reason, { seq });
  }

  // ---- internals ------------------------------------------------------------------------------

  /**
   * A store read for `room`. A memory-only (unnamed) room works without the store, so its
   * moderation must too: there, an unreachable store falls back to what this node holds (the
   * room's home node made every ban of it, and the room dies with this node's memory anyway).
   */
  async #read<T>(room: Room, read: () => Promise<T>, fallback: () => T): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (room.persistent || !(err instanceof Error) || err.name !== 'StoreUnavailableError') throw err;
      return fallback();
    }
  }

  /** A store write for `room`; for a memory-only room an unreachable store only loses durability. */
  async #write(room: Room, write: () => Promise<unknown>): Promise<void> {
    await this.#read(room, write, () => undefined);
  }

  #stateOf(room: Room): Promise<RoomState> {
    let state = this.#state.get(room);
    if (!state) {
      state = this.#load(room);
      // A failed read must not stick: the next call reads again.
      state.catch(() => this.#state.delete(room));
      this.#state.set(room, state);
      const loading = state;
      loading.then(
        (loaded) => {
          if (this.#state.get(room) === loading) this.#ready.set(room, loaded);
        },
        () => undefined,
      );
    }
    return state;
  }

  async #load(room: Room): Promise<RoomState> {
    const m = this.#store.moderation;
    const [settings, mutes, knocks] = await Promise.all([
      this.#read(
        room,
        () => m.getSettings(room.id),
        () => undefined,
      ),
      this.#read(
        room,
        () => m.listMutes(room.id),
        () => [],
      ),
      this.#read(
        room,
        () => m.listKnocks(room.id, this.#now() - KNOCK_MS),
        (): StoredKnock[] => [],
      ),
    ]);
    return {
      settings: settings ?? { ...DEFAULT_SETTINGS },
      mutes: new Map(mutes.map(({ userId, ...mute }) => [userId, mute])),
      lastSent: new Map(),
      knocks: new Map(
        knocks.map((k) => [k.id, { knock: { id: k.id, user: k.user, at: k.at }, sessionId: k.sessionId }]),
      ),
      passes: new Map(),
      seen: new Map(),
    };
  }

  /** Whether `userId` was admitted from the lobby lately (this node's memory, else the store). */
  async #hasPass(room: Room, state: RoomState, userId: string): Promise<boolean> {
    let until = state.passes.get(userId);
    if (until === undefined) {
      until = await this.#read(
        room,
        () => this.#store.moderation.getPass(room.id, userId),
        () => undefined,
      );
      if (until !== undefined) state.passes.set(userId, until);
    }
    return until !== undefined && until > this.#now();
  }

  /** Newcomers see the stored settings: `presence admin` may have changed them without this node. */
  async #refresh(room: Room, state: RoomState): Promise<void> {
    const stored = await this.#read(
      room,
      () => this.#store.moderation.getSettings(room.id),
      () => state.settings,
    );
    state.settings = stored ?? { ...DEFAULT_SETTINGS };
  }

  #targetOf(room: Room, actor: Actor, userId: string, action: 'mod.kick' | 'mod.ban' | 'mod.mute') {
    const me = requireMember(room, actor);
    const target = room.members.get(userId);
    if (!target) throw new PresenceError('NOT_IN_ROOM', `${userId} is not a member of this room.`);
    authorize(action, { role: me.role, room, targetRole: target.role });
    return { me, target };
  }

  async #refuseBanned(
    room: Room,
    userId: string,
    guestKeyHash: string | undefined,
    addressHash: string | undefined,
  ): Promise<void> {
    const now = this.#now();
    const ban = await this.#read(
      room,
      () => this.#store.moderation.findBan(room.id, { userId, guestKeyHash, addressHash }, now),
      () =>
        (this.#memoryBans.get(room) ?? []).find(
          (b) =>
            (b.expiresAt === null || b.expiresAt > now) &&
            (b.userId === userId ||
              (guestKeyHash !== undefined && b.guestKeyHash === guestKeyHash) ||
              (addressHash !== undefined && b.addressHash === addressHash)),
        ),
    );
    if (!ban) return;
    const until = ban.expiresAt === null ? '' : ` until ${new Date(ban.expiresAt).toISOString()}`;
    throw new PresenceError(
      'BANNED',
      `You are banned from this room${until}.${ban.reason ? ` ${ban.reason}` : ''}`,
    );
  }

  /**
   * The room password, if set. Wrong guesses are limited per room and user and per room and
   * address (RATE_LIMITED with retryAfterMs); the attempt counts before the slow hash is checked,
   * so concurrent guesses cannot slip past, and a right one takes it back.
   */
  async #checkPassword(
    room: Room,
    state: RoomState,
    actor: Actor,
    password: string | undefined,
  ): Promise<void> {
    const hash = state.settings.passwordHash;
    if (hash === null) return;
    if (password === undefined) throw new PresenceError('PASSWORD_REQUIRED');
    const byUser = `${room.id}\n${actor.user.id}`;
    const byAddress =
      actor.address !== undefined ? `${room.id}\n${this.#hash('address', actor.address)}` : null;
    const wait = Math.max(
      this.#passwordByUser.retryAfterMs(byUser),
      byAddress === null ? 0 : this.#passwordByAddress.retryAfterMs(byAddress),
    );
    if (wait > 0) {
      throw new PresenceError('RATE_LIMITED', 'Too many wrong passwords for this room; wait a little.', {
        retryAfterMs: wait,
      });
    }
    this.#passwordByUser.fail(byUser);
    if (byAddress !== null) this.#passwordByAddress.fail(byAddress);
    if (!(await verifyPassword(password, hash))) throw new PresenceError('PASSWORD_WRONG');
    this.#passwordByUser.reset(byUser);
    if (byAddress !== null) this.#passwordByAddress.forgive(byAddress);
  }

  /** End the membership (member.left, removed), tell the sessions why, and take them out of the call. */
  async #takeOut(
    room: Room,
    actor: Actor,
    target: UserRef,
    sessions: Set<string>,
    action: 'kick' | 'ban',
    reason: string,
    expiresAt: number | null,
  ): Promise<void> {
    const ids = [...sessions];
    const why = JSON.stringify({
      type: 'mod.removed',
      room: room.id,
      by: actor.user,
      action,
      reason,
      expiresAt,
    });
    for (const id of ids) await this.#broker.sendDirect(id, why);
    if (room.persistent) await this.#store.removeMember(room.id, target.id);
    room.members.delete(target.id);
    await this.#log.append(room, { type: 'member.left', user: target, reason: 'removed' });
    for (const sessionId of ids)
      await this.#live?.sessionLeft({ user: target, sessionId }, room.id, 'removed');
  }

  async #toModerators(room: Room, event: object): Promise<void> {
    const json = JSON.stringify(event);
    for (const m of room.members.values()) {
      if (!isModerator(m.role)) continue;
      for (const sessionId of m.sessions) await this.#broker.sendDirect(sessionId, json);
    }
  }

  async #audit(
    roomId: string,
    action: StoredAuditEntry['action'],
    actor: UserRef,
    target: UserRef | null,
    reason: string,
    detail: StoredAuditEntry['detail'],
  ): Promise<void> {
    const ts = this.#now();
    // Increasing per node and across restarts (time-based); a room's entries come from its home.
    const id = Math.max(ts * 1000, this.#lastAuditId + 1);
    this.#lastAuditId = id;
    const ref = (u: UserRef | null) => (u === null ? null : { id: u.id, name: u.name, avatar: u.avatar });
    await this.#store.moderation.appendAudit({
      roomId,
      id,
      ts,
      action,
      actor: ref(actor) as UserRef,
      target: ref(target),
      reason,
      detail,
    });
  }

  #activeMutes(state: RoomState): Mute[] {
    const now = this.#now();
    const out: Mute[] = [];
    for (const [userId, m] of state.mutes) {
      const chatUntil = m.chatUntil !== null && m.chatUntil > now ? m.chatUntil : null;
      if (chatUntil !== null || m.audio || m.video) out.push(muteView(userId, { ...m, chatUntil }));
    }
    return out;
  }

  #hash(kind: string, value: string): string {
    return createHmac('sha256', this.#secret).update(`${kind}\n${value}`).digest('base64url');
  }
}

function settingsView(s: StoredModerationSettings): ModerationSettings {
  return {
    lobby: s.lobby,
    slowModeSeconds: s.slowModeSeconds,
    joinMuted: s.joinMuted,
    hasPassword: s.passwordHash !== null,
  };
}

function muteView(user: string, m: MuteState): Mute {
  return { user, chatUntil: m.chatUntil, audio: m.audio, video: m.video };
}

function banTarget(b: StoredBan): UserRef | null {
  return b.userId === null ? null : { id: b.userId, name: b.userName, avatar: b.userAvatar };
}

function banView(b: StoredBan): Ban {
  return {
    id: b.id,
    user: banTarget(b),
    byGuestKey: b.guestKeyHash !== null,
    byAddress: b.addressHash !== null,
    reason: b.reason,
    by: b.by,
    createdAt: b.createdAt,
    expiresAt: b.expiresAt,
  };
}

function auditView(e: StoredAuditEntry): AuditEntry {
  return {
    id: e.id,
    ts: e.ts,
    action: e.action,
    actor: e.actor,
    target: e.target,
    reason: e.reason,
    detail: e.detail,
  };
}
