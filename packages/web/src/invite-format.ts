/**
 * Words for invites and accounts, with no DOM access (unit-tested): why an invite cannot be used,
 * what kind it is, when it expires, and how long to wait after too many failed logins.
 */
import type { InviteInvalidReason } from '@presence/protocol';

/** Why an invite was refused, for a person. */
export const INVITE_REASON_TEXT: Record<InviteInvalidReason, string> = {
  not_found: 'This invite does not exist or its room is gone.',
  expired: 'This invite has expired.',
  used_up: 'This invite has already been used.',
  revoked: 'This invite was revoked.',
};

/** A heading for the refusal card. */
export const INVITE_REASON_TITLE: Record<InviteInvalidReason, string> = {
  not_found: 'Invite not found',
  expired: 'Invite expired',
  used_up: 'Invite already used',
  revoked: 'Invite revoked',
};

const REASONS = new Set<string>(['not_found', 'expired', 'used_up', 'revoked']);

export function isInviteReason(value: unknown): value is InviteInvalidReason {
  return typeof value === 'string' && REASONS.has(value);
}

/**
 * The reason behind a refusal the SDK reported without its `reason` field: the server's messages
 * ("This invite has been used up.", "This invite was revoked.", …) name it.
 */
export function reasonFromMessage(message: string): InviteInvalidReason {
  const m = message.toLowerCase();
  if (m.includes('expired')) return 'expired';
  if (m.includes('used up') || m.includes('already been used')) return 'used_up';
  if (m.includes('revoked')) return 'revoked';
  return 'not_found';
}

/** A duration for a sentence: "45 seconds", "1 minute", "3 hours", "7 days" (rounded up). */
export function durationText(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  const unit = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds < 60) return unit(seconds, 'second');
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return unit(minutes, 'minute');
  const hours = Math.ceil(minutes / 60);
  if (hours < 48) return unit(hours, 'hour');
  return unit(Math.ceil(hours / 24), 'day');
}

/** "Expires in 7 days", "Never expires", "Expired". */
export function expiryText(expiresAt: number | null, now: number = Date.now()): string {
  if (expiresAt === null) return 'Never expires';
  if (expiresAt <= now) return 'Expired';
  return `Expires in ${durationText(expiresAt - now)}`;
}

/** What an invite admits: "Single-use", "Multi-use, 2 of 10 used", "Multi-use, used 3 times". */
export function inviteUsesText(invite: {
  kind: 'single' | 'public';
  maxUses: number | null;
  uses: number;
}): string {
  if (invite.kind === 'single') return invite.uses > 0 ? 'Single-use, used' : 'Single-use';
  if (invite.maxUses !== null) return `Multi-use, ${invite.uses} of ${invite.maxUses} used`;
  if (invite.uses === 0) return 'Multi-use, not used yet';
  return `Multi-use, used ${invite.uses} time${invite.uses === 1 ? '' : 's'}`;
}

/** The kind, explained for the person who was invited. */
export function inviteKindText(kind: 'single' | 'public'): string {
  return kind === 'single'
    ? 'Single-use invite: it lets one person in.'
    : 'Multi-use invite: anyone with this link can join.';
}

/** RATE_LIMITED after failed logins: when to try again. */
export function retryText(retryAfterMs: number | undefined): string {
  if (retryAfterMs === undefined || !(retryAfterMs > 0)) {
    return 'Too many failed attempts. Please wait a while before trying again.';
  }
  return `Too many failed attempts. Try again in ${durationText(retryAfterMs)}.`;
}

/** The join page's address for an invite code on this origin. */
export function inviteUrl(origin: string, code: string): string {
  return `${origin}/i/${encodeURIComponent(code)}`;
}

/** Usernames as the server accepts them: 2–32 of a-z 0-9 . _ -, starting with a letter or digit. */
export function usernameProblem(raw: string): string | null {
  const name = raw.trim().toLowerCase();
  if (name.length < 2) return 'A username needs at least 2 characters.';
  if (name.length > 32) return 'A username has at most 32 characters.';
  if (!/^[a-z0-9]/.test(name)) return 'A username starts with a letter or a digit.';
  if (!/^[a-z0-9._-]+$/.test(name)) return 'Use only letters a–z, digits and . _ - in a username.';
  return null;
}

export function passwordProblem(password: string): string | null {
  if (password.length < 8) return 'The password needs at least 8 characters.';
  if (password.length > 256) return 'The password can have at most 256 characters.';
  return null;
}
