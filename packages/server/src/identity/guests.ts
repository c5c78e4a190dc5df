import type { UserRef } from '@presence/protocol';
import { randomId } from '../shared/random-id.js';

/** A guest's id: `~<random>@<domain>`, qualified by this server as every user id is. */
export function newGuestId(domain: string): string {
  return `~${randomId(10)}@${domain}`;
}

export function avatarUrl(userId: string): string {
  return `/avatars/${encodeURIComponent(userId)}.svg`;
}

export function userRef(id: string, name: string): UserRef {
  return { id, name, avatar: avatarUrl(id) };
}

/** Guests without a name get a friendly one derived from their id. */
export function defaultGuestName(userId: string): string {
  return `Guest ${userId.slice(1, 5)}`;
}
