import type { RoomEvent, RoomRole, UserRef, Visibility } from '@presence/protocol';
import type { MergedRooms } from './kysely-merge-user.js';
import type { AccountStore, ServiceKeyStore } from './identity-store.js';
import type { InviteStore } from './invite-store.js';
import type { SocialStore } from './social-store.js';
import type { AdminQueries } from './admin-queries.js';
import type { ChatStore } from './chat-store.js';
import type { BlobStore } from './blob-store.js';
import type { NotifyLevel } from './chat-types.js';
import type { ModerationStore } from './moderation-store.js';
import type { LiveSettingsStore } from './live-settings-store.js';
import type { AppStore } from './app-store.js';
import type { StreamKeyStore } from './stream-key-store.js';
import type { RecordingStore } from './recording-store.js';

/**
 * The Store seam: every durable write goes through it. Two implementations share one contract
 * test suite: SQLite (better-sqlite3 via Kysely, the default) and PostgreSQL (pg via Kysely).
 *
 * Failures to reach the database surface as `StoreUnavailableError`, which the gateway answers
 * with STORE_UNAVAILABLE; the store reconnects by itself when the database is back.
 */
export interface Store {
  /** Which backend this is, for logs and /healthz. */
  readonly kind: 'sqlite' | 'postgres';
  /** Users, revoked tokens. */
  readonly accounts: AccountStore;
  /** Service API keys (hashed). */
  readonly serviceKeys: ServiceKeyStore;
  /** WHIP stream keys of rooms (hashed). */
  readonly streamKeys: StreamKeyStore;
  /** Room invites. */
  readonly invites: InviteStore;
  /** Contacts, blocks, offline direct messages, device tokens (presence). */
  readonly social: SocialStore;
  /** Server-wide listings for operators and the service API. */
  readonly admin: AdminQueries;
  /** Files' facts, notification levels, search, room deletion. */
  readonly chat: ChatStore;
  /** Uploaded files' bytes in the database (the blob store of a cluster). */
  readonly blobs: BlobStore;
  /** Bans, moderation settings and audit logs. */
  readonly moderation: ModerationStore;
  /** Rooms' call settings (media mode, streaming, streamers). */
  readonly live: LiveSettingsStore;
  /** Finished call recordings' entries. */
  readonly recordings: RecordingStore;
  /** Third-party apps: registrations, grants, the outbox of their presence updates. */
  readonly apps: AppStore;
  /** Create or upgrade the schema. Idempotent; run at start. */
  migrate(): Promise<void>;
  /** True when a trivial query succeeds now. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;

  /** Make a room persistent: insert it together with its current members and log, in one transaction. */
  createRoom(room: StoredRoom, members: StoredMember[], events: RoomEvent[]): Promise<void>;
  getRoom(id: string): Promise<StoredRoom | undefined>;
  updateRoom(id: string, patch: Partial<Pick<StoredRoom, 'name' | 'topic' | 'visibility'>>): Promise<void>;
  /**
   * Public persistent rooms whose name or topic contains `query` (case-insensitive), by name.
   * Rooms created by guests (`created_by` starting with `~`) only with `guestRooms: true`.
   */
  listPublicRooms(query: string, limit: number, options?: { guestRooms?: boolean }): Promise<StoredRoom[]>;

  /**
   * A guest became an account: move everything stored about user `from` to `to` in one
   * transaction (memberships with the stronger role, rooms created, contacts, requests, blocks,
   * kept DMs, device tokens); afterwards nothing names `from`. Returns the rooms concerned.
   */
  mergeUser(from: string, to: UserRef): Promise<MergedRooms>;

  upsertMember(roomId: string, member: StoredMember): Promise<void>;
  removeMember(roomId: string, userId: string): Promise<void>;
  getMember(roomId: string, userId: string): Promise<StoredMember | undefined>;
  listMembers(roomId: string): Promise<StoredMember[]>;
  /** The persistent rooms a user belongs to, with role, read marker and unread message count. */
  roomsOfUser(userId: string): Promise<UserRoom[]>;
  /** Move the read marker forward (never back); returns the marker now in force. */
  setReadMarker(roomId: string, userId: string, seq: number): Promise<number>;

  /**
   * Append one event at `event.seq`, which must be the room's last seq + 1 (the caller sequences;
   * a duplicate seq throws). Also applies its effect on the room's state in the same transaction:
   * `message.edited` rewrites the target message's text/html/edited, `message.deleted` blanks it
   * and sets deleted, `room.updated` updates the room row, and the room's last seq advances.
   */
  appendEvent(event: RoomEvent): Promise<void>;
  /** The message a sender already stored under this nonce, if any (idempotent resend). */
  findByNonce(roomId: string, senderId: string, nonce: string): Promise<RoomEvent | undefined>;
  /** One event by seq, in its current state (edits and deletes applied to messages). */
  getEvent(roomId: string, seq: number): Promise<RoomEvent | undefined>;
  /**
   * A page of events in ascending seq order, in their current state.
   * `after`: events with seq > after, oldest first. `before`: the `limit` events just below
   * `before`. Neither: the latest `limit` events. `more` says whether events exist beyond the page
   * in the direction asked (older for before/latest, newer for after).
   */
  readEvents(roomId: string, page: EventPage): Promise<{ events: RoomEvent[]; more: boolean }>;
}

export interface StoredRoom {
  id: string;
  name: string | null;
  topic: string;
  visibility: Visibility;
  epoch: string;
  /** The seq of the latest stored event. */
  lastSeq: number;
  createdAt: number;
  createdBy: string;
  /** How many members the room has; filled in by listPublicRooms only (ignored on writes). */
  memberCount?: number;
}

export interface StoredMember {
  userId: string;
  name: string;
  avatar: string;
  role: RoomRole;
  joinedAt: number;
}

export interface UserRoom {
  room: StoredRoom;
  role: RoomRole;
  lastRead: number;
  /** Messages (not deleted) with seq > lastRead. */
  unread: number;
  /** Unread messages (not deleted) that mention the user. */
  mentions: number;
  notify: NotifyLevel;
  memberCount: number;
}

export interface EventPage {
  before?: number;
  after?: number;
  limit: number;
}

/** Thrown (or rejected) when the database cannot be reached; maps to STORE_UNAVAILABLE. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('store unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * appendEvent was given a seq other than the room's last seq + 1, or the room is not stored.
 * Not a connectivity problem: the caller's sequencing is out of step with the store.
 */
export class SeqConflictError extends Error {
  constructor(
    readonly roomId: string,
    /** The seq the store expected; undefined when the room is not stored. */
    readonly expected: number | undefined,
    readonly got: number,
  ) {
    super(
      expected === undefined
        ? `room ${roomId} is not stored (appending seq ${got})`
        : `room ${roomId}: expected seq ${expected}, got ${got}`,
    );
    this.name = 'SeqConflictError';
  }
}
