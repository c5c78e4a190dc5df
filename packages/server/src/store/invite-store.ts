import type { InviteInvalidReason } from '@presence/protocol';

/**
 * Durable invites (`store.invites`). Invites to unnamed rooms live here too and are deleted when
 * the room is purged, so a public invite dies with its ephemeral room.
 */
export interface InviteStore {
  createInvite(invite: StoredInvite): Promise<void>;
  getInvite(code: string): Promise<StoredInvite | undefined>;
  /** A room's invites that are still usable at `now` (not revoked, not expired, not used up). */
  listActiveInvites(roomId: string, now: number): Promise<StoredInvite[]>;
  /**
   * Use an invite once, atomically: two concurrent uses of a single-use invite cannot both win.
   * Returns the invite after the use, or why it cannot be used.
   */
  consumeInvite(
    code: string,
    now: number,
  ): Promise<{ ok: true; invite: StoredInvite } | { ok: false; reason: InviteInvalidReason }>;
  /** Returns false when no such invite exists for that room. */
  revokeInvite(roomId: string, code: string, now: number): Promise<boolean>;
  deleteInvitesForRoom(roomId: string): Promise<void>;
}

export interface StoredInvite {
  code: string;
  roomId: string;
  kind: 'single' | 'public';
  /** 1 for single-use; null = unlimited. */
  maxUses: number | null;
  uses: number;
  expiresAt: number | null;
  revokedAt: number | null;
  createdAt: number;
  createdBy: string;
  createdByName: string;
}

/** Why a stored invite is not usable at `now`, or null when it is. */
export function inviteProblem(invite: StoredInvite | undefined, now: number): InviteInvalidReason | null {
  if (!invite) return 'not_found';
  if (invite.revokedAt !== null) return 'revoked';
  if (invite.expiresAt !== null && invite.expiresAt <= now) return 'expired';
  if (invite.maxUses !== null && invite.uses >= invite.maxUses) return 'used_up';
  return null;
}
