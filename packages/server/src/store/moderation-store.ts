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
