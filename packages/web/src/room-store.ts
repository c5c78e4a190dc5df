import type {
  Knock,
  Member,
  ModerationSettings,
  Mute,
  RoomEvent,
  RoomInfo,
  RoomRole,
  TypingEvent,
  ResultOf,
} from '@presence/protocol';
import { guestKey } from './storage.ts';
import { LiveRoster } from './call/live-roster.ts';
import { Emitter } from './emitter.ts';
import { errorCode, errorText, type ChatClient } from './sdk.ts';
import { defaultNoticeText, Timeline, type TimelineChange } from './timeline.ts';
import { TypingTracker } from './typing.ts';

/**
 * `forbidden`: a private room this user is not a member of (joining needs an invite). `banned`,
 * `removed` (a moderator kicked this user; they may join again), `password` (the room asks for
 * one) and `lobby` (knock first) come from moderation.
 */
export type RoomStatus =
  | 'idle'
  | 'joining'
  | 'joined'
  | 'not-found'
  | 'forbidden'
  | 'banned'
  | 'removed'
  | 'password'
  | 'lobby'
  | 'error';

const STATUS_OF_CODE: Record<string, RoomStatus> = {
  ROOM_NOT_FOUND: 'not-found',
  FORBIDDEN: 'forbidden',
  BANNED: 'banned',
  PASSWORD_REQUIRED: 'password',
  PASSWORD_WRONG: 'password',
  LOBBY_REQUIRED: 'lobby',
};

const NO_SETTINGS: ModerationSettings = {
  lobby: false,
  slowModeSeconds: 0,
  joinMuted: false,
  hasPassword: false,
};

export interface RoomStoreEvents extends Record<string, unknown> {
  status: RoomStatus;
  info: RoomInfo;
  members: void;
  timeline: TimelineChange;
  typing: void;
  history: { loading: boolean };
  pending: void;
  /** Settings, mutes or the lobby's knocks changed. */
  moderation: void;
}

/**
 * A message sent from this tab that the server has not echoed yet. It stays in the timeline until
 * it is: `sending` (on its way), `waiting` (no connection, or the server asked us to slow down: it
 * goes again by itself, with the same nonce), `failed` (refused; the person may retry or discard).
 */
export interface PendingMessage {
  nonce: string;
  text: string;
  ts: number;
  state: 'sending' | 'waiting' | 'failed';
  /** Why it failed, in words (`failed` only). */
  error: string | null;
  /** The reply, mentions and file it goes with. */
  extras?: { replyTo?: number; mentions?: string[]; file?: string };
}

const HISTORY_PAGE = 50;

/** Everything the UI knows about one joined room; fed by join snapshots, history pages and live events. */
export class RoomStore extends Emitter<RoomStoreEvents> {
  status: RoomStatus = 'idle';
  error = '';
  info: RoomInfo | null = null;
  role: RoomRole | null = null;
  readonly members = new Map<string, Member>();
  readonly timeline = new Timeline((event) =>
    event.type === 'room.updated' ? this.describeUpdate(event) : defaultNoticeText(event),
  );
  readonly typing = new TypingTracker(() => this.emit('typing', undefined));
  /** Who is in the room's call (kept by live.* events, reset by every join snapshot). */
  readonly live = new LiveRoster();
  loadingHistory = false;
  historyError = '';
  /** Our messages on their way, by nonce, until their `message` event arrives. */
  readonly pending = new Map<string, PendingMessage>();
  /** The highest seq reported with `room.read`. */
  lastReadSent = 0;
  /** The password the person typed for this room (sent with every join until it works). */
  password: string | undefined;
  /** The code of the last failed join (PASSWORD_WRONG vs PASSWORD_REQUIRED, BANNED's text in `error`). */
  errorCode: string | undefined;
  settings: ModerationSettings = NO_SETTINGS;
  readonly mutes = new Map<string, Mute>();
  /** Waiting in the lobby (owners and admins see them). */
  readonly knocks = new Map<string, Knock>();
  private joining: Promise<void> | null = null;
  private describingLive = false;

  constructor(
    readonly id: string,
    private readonly client: () => Promise<ChatClient>,
  ) {
    super();
  }

  /** Join (or re-join after `resync`): idempotent on the server, merged by seq here. */
  join(): Promise<void> {
    if (this.joining) return this.joining;
    if (this.status !== 'joined') this.setStatus('joining');
    this.joining = (async () => {
      try {
        const client = await this.client();
        const key = guestKey();
        const result = await client.request('room.join', {
          room: this.id,
          ...(key !== undefined ? { guestKey: key } : {}),
          ...(this.password !== undefined ? { password: this.password } : {}),
        });
        this.applyJoin(result);
      } catch (err) {
        this.error = errorText(err);
        const code = errorCode(err);
        this.errorCode = code;
        this.setStatus(STATUS_OF_CODE[code ?? ''] ?? 'error');
      } finally {
        this.joining = null;
      }
    })();
    return this.joining;
  }

  /** A `room.join` / `room.create` result. */
  applyJoin(result: ResultOf<'room.join'>): void {
    this.info = result.room;
    this.role = result.role;
    this.members.clear();
    this.live.reset(result.live ?? []);
    this.live.setSettings(result.liveSettings ?? null);
    this.live.setStream(result.stream ?? null);
    for (const m of result.members) this.members.set(m.id, m);
    this.settings = result.moderation?.settings ?? NO_SETTINGS;
    this.mutes.clear();
    for (const m of result.moderation?.mutes ?? []) this.mutes.set(m.user, m);
    this.emit('moderation', undefined);
    const first = result.recent[0];
    const change = this.timeline.applySnapshot(result.room.epoch, result.recent, {
      kind: 'join',
      hasMoreBefore: first ? first.seq > 1 : result.room.seq > 0,
      currentReactions: result.room.persistent,
    });
    if (this.timeline.size === 0 && result.recent.length === 0) {
      this.timeline.oldestLoaded = result.room.seq + 1;
    }
    this.error = '';
    this.setStatus('joined');
    this.emit('info', result.room);
    this.emit('members', undefined);
    this.emit('timeline', change);
  }

  /** Load the page before the oldest loaded event; resolves once the page is merged. */
  async loadOlder(): Promise<void> {
    if (this.loadingHistory || !this.timeline.hasMoreBefore || this.status !== 'joined') return;
    const before = this.timeline.oldestLoaded;
    if (!Number.isFinite(before) || before <= 1) return;
    this.loadingHistory = true;
    this.historyError = '';
    this.emit('history', { loading: true });
    try {
      const client = await this.client();
      const result = await client.request('room.history', { room: this.id, before, limit: HISTORY_PAGE });
      const epoch = this.timeline.epoch ?? this.info?.epoch ?? '';
      const change = this.timeline.applySnapshot(epoch, result.events, {
        kind: 'history',
        hasMoreBefore: result.more && result.events.length > 0,
        currentReactions: this.info?.persistent === true,
      });
      this.emit('timeline', change);
    } catch (err) {
      this.historyError = errorText(err);
      // Do not hammer a server that cannot page (yet): stop until the room is reloaded.
      this.timeline.hasMoreBefore = false;
    } finally {
      this.loadingHistory = false;
      this.emit('history', { loading: false });
    }
  }

  /** A live event of this room, in seq order (the SDK de-duplicates and fills gaps). */
  applyLive(event: RoomEvent): void {
    if (event.type === 'member.joined') {
      this.members.set(event.user.id, event.user);
      this.emit('members', undefined);
    } else if (event.type === 'member.left') {
      const existing = this.members.get(event.user.id);
      if (existing) {
        // A named room keeps its members; a timed-out member is then only offline.
        if (this.info?.persistent && event.reason === 'timeout') existing.online = false;
        else this.members.delete(event.user.id);
        this.emit('members', undefined);
      }
      this.typing.set(event.user, false);
    } else if (event.type === 'room.updated' && this.info) {
      // Described against the previous state, before it is overwritten.
      this.describingLive = true;
      const change = this.timeline.applyLive(event);
      this.describingLive = false;
      this.info = {
        ...this.info,
        name: event.name,
        topic: event.topic,
        visibility: event.visibility,
        persistent: event.persistent,
        seq: Math.max(this.info.seq, event.seq),
      };
      this.emit('info', this.info);
      this.emit('timeline', change);
      return;
    } else if (event.type === 'member.updated') {
      const existing = this.members.get(event.user.id);
      if (existing) {
        this.members.set(event.user.id, { ...existing, ...event.user });
        this.emit('members', undefined);
      }
    } else if (event.type === 'message') {
      this.typing.set(event.from, false);
      if (event.nonce !== undefined && this.pending.delete(event.nonce)) this.emit('pending', undefined);
    }
    if (this.info) this.info.seq = Math.max(this.info.seq, event.seq);
    this.emit('timeline', this.timeline.applyLive(event));
  }

  addPending(message: PendingMessage): void {
    this.pending.set(message.nonce, message);
    this.emit('pending', undefined);
  }

  updatePending(nonce: string, change: Pick<PendingMessage, 'state' | 'error'>): void {
    const message = this.pending.get(nonce);
    if (!message || (message.state === change.state && message.error === change.error)) return;
    this.pending.set(nonce, { ...message, ...change });
    this.emit('pending', undefined);
  }

  /** Drop a pending message (discarded, or acknowledged and already in the timeline). */
  settlePending(nonce: string): void {
    if (this.pending.delete(nonce)) this.emit('pending', undefined);
  }

  /** Whether the timeline holds our message with this nonce. */
  hasNonce(nonce: string): boolean {
    return this.timeline.lastMessage((m) => m.nonce === nonce) !== undefined;
  }

  applyTyping(event: TypingEvent, me: string | null): void {
    if (event.user.id === me) return;
    this.typing.set(event.user, event.typing);
  }

  /** Apply what `room.update` answered, without waiting for the event. */
  applyInfo(info: RoomInfo): void {
    this.info = info;
    this.emit('info', info);
  }

  /** Moderation events for this room (mutes and settings to everyone, the lobby to moderators). */
  applyModeration(
    event:
      | { type: 'mod.muted'; mute: Mute }
      | { type: 'mod.settings'; settings: ModerationSettings }
      | { type: 'lobby.knocked'; knock: Knock }
      | { type: 'lobby.closed'; knock: string },
  ): void {
    if (event.type === 'mod.muted') {
      const m = event.mute;
      if (m.chatUntil === null && !m.audio && !m.video) this.mutes.delete(m.user);
      else this.mutes.set(m.user, m);
    } else if (event.type === 'mod.settings') {
      this.settings = event.settings;
    } else if (event.type === 'lobby.knocked') {
      this.knocks.set(event.knock.id, event.knock);
    } else {
      this.knocks.delete(event.knock);
    }
    this.emit('moderation', undefined);
  }

  /** What a moderator muted for `userId` now (chat mutes past their time do not count). */
  muteOf(userId: string | null): { chat: boolean; audio: boolean; video: boolean } {
    const m = userId === null ? undefined : this.mutes.get(userId);
    return {
      chat: m !== undefined && m.chatUntil !== null && m.chatUntil > Date.now(),
      audio: m?.audio ?? false,
      video: m?.video ?? false,
    };
  }

  /** A moderator took this user out (`mod.removed`, a kick): the room is no longer shown. */
  removedBy(by: string, reason: string | null): void {
    this.error = `${by} removed you.${reason ? ` “${reason}”` : ''} You can join again.`;
    this.errorCode = 'REMOVED';
    this.setStatus('removed');
  }

  private setStatus(status: RoomStatus): void {
    this.status = status;
    this.emit('status', status);
  }

  private describeUpdate(event: Extract<RoomEvent, { type: 'room.updated' }>): string | null {
    // Snapshot pages have no reliable "before": only a naming is worth a line there.
    const prev = this.describingLive ? this.info : null;
    const who = event.by.name;
    if (!prev) return event.name !== null ? `${who} named the room “${event.name}”` : null;
    if (prev.name !== event.name) {
      if (event.name === null) return `${who} removed the room name`;
      return prev.name
        ? `${who} renamed the room to “${event.name}”`
        : `${who} named the room “${event.name}”`;
    }
    if (prev.topic !== event.topic) return event.topic ? `${who} set the topic: ${event.topic}` : null;
    if (prev.visibility !== event.visibility) {
      if (event.visibility === 'public') return `${who} listed the room in the directory`;
      return event.visibility === 'private'
        ? `${who} made the room invite-only`
        : `${who} removed the room from the directory`;
    }
    return null;
  }
}
