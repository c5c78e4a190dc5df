import type { AuditAction, UserRef } from '@presence/protocol';

/**
 * Durable moderation state (`store.moderation`): bans, a room's moderation settings and its audit
 * log. Kept for unnamed rooms too: a ban must hold for as long as the room exists, and room ids are
 * random, so the rows of a purged room are inert.
 */
export interface ModerationStore {
  addBan(ban: StoredBan): Promise<void>;
  /** Bans of the room still in force at `now`. */
  listBans(roomId: string, now: number): Promise<StoredBan[]>;
  /** The first ban in force at `now` that matches any of the given facts. */
  findBan(roomId: string, match: BanMatch, now: number): Promise<StoredBan | undefined>;
  /** False when the room has no such ban. */
  removeBan(roomId: string, id: string): Promise<boolean>;
  getSettings(roomId: string): Promise<StoredModerationSettings | undefined>;
  putSettings(roomId: string, settings: StoredModerationSettings): Promise<void>;
  appendAudit(entry: StoredAuditEntry): Promise<void>;
  /** Set (or, with null, lift) a member's mute in the room. */
  putMute(roomId: string, userId: string, mute: StoredMute | null): Promise<void>;
  listMutes(roomId: string): Promise<(StoredMute & { userId: string })[]>;
  addKnock(roomId: string, knock: StoredKnock): Promise<void>;
  /** False when the room has no such knock (answered meanwhile). */
  removeKnock(roomId: string, id: string): Promise<boolean>;
  /** Knocks made at or after `since`, oldest first. */
  listKnocks(roomId: string, since: number): Promise<StoredKnock[]>;
  /** Let `userId` past the lobby until `until`. */
  putPass(roomId: string, userId: string, until: number): Promise<void>;
  getPass(roomId: string, userId: string): Promise<number | undefined>;
  /** Newest first; `before`: entries with a smaller id. */
  listAudit(
    roomId: string,
    page: { before?: number | undefined; limit: number },
  ): Promise<StoredAuditEntry[]>;
}

export interface BanMatch {
  userId: string;
  guestKeyHash?: string | undefined;
  addressHash?: string | undefined;
}

export interface StoredBan {
  id: string;
  roomId: string;
  userId: string | null;
  userName: string;
  userAvatar: string;
  guestKeyHash: string | null;
  addressHash: string | null;
  reason: string;
  by: UserRef;
  createdAt: number;
  expiresAt: number | null;
}

export interface StoredModerationSettings {
  lobby: boolean;
  slowModeSeconds: number;
  joinMuted: boolean;
  passwordHash: string | null;
}

export interface StoredMute {
  /** Chat muted until then (null: not muted in chat). */
  chatUntil: number | null;
  audio: boolean;
  video: boolean;
}

export interface StoredKnock {
  id: string;
  user: UserRef;
  /** The knocking session: where the outcome goes. */
  sessionId: string;
  at: number;
}

export interface StoredAuditEntry {
  roomId: string;
  id: number;
  ts: number;
  action: AuditAction;
  actor: UserRef;
  target: UserRef | null;
  reason: string;
  detail: Record<string, string | number | boolean | null>;
}
