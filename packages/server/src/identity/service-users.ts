import { PresenceError, type UserRef } from '@presence/protocol';
import { UsernameTakenError, type AccountStore, type StoredUser } from '../store/identity-store.js';
import { randomId } from '../shared/random-id.js';
import { avatarUrl } from './guests.js';

/**
 * Users created by a trusted backend (service API) or an operator (`presence admin users create`):
 * kind 'service', no password, id `<local>@<domain>`. Their sessions are minted, never logged into.
 */

/** The sender of messages a backend posts without naming a user: `system@<domain>`, "System". */
export function systemUser(domain: string): UserRef {
  const id = `system@${domain}`;
  return { id, name: 'System', avatar: avatarUrl(id) };
}

/** Local parts nobody may take: a user `system@<domain>` could pass for the system. */
const RESERVED = new Set(['system']);

export async function createServiceUser(
  accounts: AccountStore,
  domain: string,
  init: { local?: string | undefined; name: string; avatarUrl?: string | undefined },
  now: number = Date.now(),
): Promise<StoredUser> {
  const local = init.local ?? randomId(10);
  if (RESERVED.has(local)) throw new PresenceError('USERNAME_TAKEN', `"${local}" is reserved.`);
  const user: StoredUser = {
    id: `${local}@${domain}`,
    username: null,
    name: init.name,
    avatarUrl: init.avatarUrl ?? null,
    passwordHash: null,
    kind: 'service',
    tokenVersion: 0,
    createdAt: now,
  };
  try {
    await accounts.createUser(user);
  } catch (err) {
    if (err instanceof UsernameTakenError) {
      throw new PresenceError('USERNAME_TAKEN', `A user ${user.id} exists already.`);
    }
    throw err;
  }
  return user;
}
