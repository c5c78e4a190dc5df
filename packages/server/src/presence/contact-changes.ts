import type { SocialStore } from '../store/social-store.js';

/**
 * The social store, telling `changed(a, b)` whenever a contact relation between a and b began or
 * ended (request auto-accepted, accept, remove, block). Presence visibility follows contacts, and
 * every path that changes them goes through the store, so watching the store cannot miss one.
 * Everything else passes through untouched.
 */
export function watchContactChanges(
  social: SocialStore,
  changed: (a: string, b: string) => void,
): SocialStore {
  const overrides: Partial<SocialStore> = {
    async requestContact(from, to, message, now) {
      const status = await social.requestContact(from, to, message, now);
      if (status === 'accepted') changed(from.id, to.id);
      return status;
    },
    async acceptContact(owner, requester, now) {
      const accepted = await social.acceptContact(owner, requester, now);
      if (accepted) changed(owner, requester);
      return accepted;
    },
    async removeContact(a, b) {
      const removed = await social.removeContact(a, b);
      if (removed) changed(a, b);
      return removed;
    },
    async block(owner, blocked, now) {
      const ended = await social.block(owner, blocked, now);
      if (ended) changed(owner, blocked);
      return ended;
    },
  };
  return new Proxy(social, {
    get: (target, prop): unknown => {
      if (typeof prop === 'string' && Object.hasOwn(overrides, prop))
        return overrides[prop as keyof SocialStore];
      const value: unknown = Reflect.get(target, prop, target);
      // Bound to the real store, so an implementation with private fields still finds them.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
