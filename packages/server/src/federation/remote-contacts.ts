import { PRESENCE_LIMITS, PresenceError, userId, userRef, type UserRef } from '@presence/protocol';
import { z } from 'zod';
import type { Logger } from '../ops/logger.js';
import type { ContactsService, RemoteContacts, RemoteRequestResult } from '../presence/contacts-service.js';
import { FederationError } from './federation-errors.js';
import { domainOf, type FederationGuard } from './federation-guard.js';
import type { FederationTransport } from './federation-transport.js';
import type { RemotePresence } from './remote-presence.js';

/** `POST /_federation/v1/contact`: one contact operation from a user of the origin to one of ours. */
export const contactRequest = z.object({
  op: z.enum(['request', 'accept', 'deny', 'cancel', 'remove']),
  from: userRef,
  to: userId,
  message: z.string().max(PRESENCE_LIMITS.contactMessage).nullable().default(null),
});

const requestReply = z.object({ status: z.enum(['pending', 'accepted']), user: userRef });

/**
 * Contacts across servers: the target's home server applies its own consent rules (an account,
 * auto-accept when the reverse request exists, blocks kept secret) and both stores hold the same
 * rows. Once a relation is accepted, presence between the two starts with a first watch.
 */
export class FederatedContacts implements RemoteContacts {
  readonly #domain: string;
  readonly #transport: FederationTransport;
  readonly #guard: FederationGuard;
  readonly #presence: RemotePresence;
  readonly #log: Logger | undefined;
  /** Whether a local user has a session subscribed to presence. */
  readonly #watching: (userId: string) => boolean;
  #contacts: ContactsService | undefined;

  constructor(deps: {
    domain: string;
    transport: FederationTransport;
    guard: FederationGuard;
    presence: RemotePresence;
    watching: (userId: string) => boolean;
    log?: Logger;
  }) {
    this.#domain = deps.domain.toLowerCase();
    this.#transport = deps.transport;
    this.#guard = deps.guard;
    this.#presence = deps.presence;
    this.#watching = deps.watching;
    this.#log = deps.log;
  }

  attach(contacts: ContactsService): void {
    this.#contacts = contacts;
  }

  isRemote(id: string): boolean {
    const d = domainOf(id);
    return d !== '' && d !== this.#domain;
  }

  async request(from: UserRef, to: string, message: string | null): Promise<RemoteRequestResult> {
    const d = domainOf(to);
    if (!this.#guard.allowed(d)) throw new PresenceError('SERVER_UNAVAILABLE');
    let raw: unknown;
    try {
      raw = await this.#transport.send(d, 'contact', { op: 'request', from, to, message });
    } catch (err) {
      if (err instanceof FederationError && err.code === 'BAD_FEDERATION_REQUEST' && err.status === 404) {
        throw new PresenceError('USER_NOT_FOUND', 'No user with an account has that id.');
      }
      throw new PresenceError('SERVER_UNAVAILABLE');
    }
    const reply = requestReply.safeParse(raw);
    if (!reply.success || reply.data.user.id !== to) throw new PresenceError('SERVER_UNAVAILABLE');
    if (reply.data.status === 'accepted') this.#watchSoon(from.id, to);
    return reply.data;
  }

  notify(op: 'accept' | 'deny' | 'cancel' | 'remove', from: UserRef, to: string): void {
    const d = domainOf(to);
    if (!this.#guard.allowed(d)) return;
    this.#transport.send(d, 'contact', { op, from, to, message: null }).then(
      () => {
        if (op === 'accept') this.#watchSoon(from.id, to);
      },
      (err: unknown) => this.#log?.warn({ err, op, to }, 'contact change not delivered to the other server'),
    );
  }

  /** A verified contact operation from `origin`. */
  async receive(origin: string, raw: unknown): Promise<object> {
    const parsed = contactRequest.safeParse(raw);
    const contacts = this.#contacts;
    if (!parsed.success || !contacts)
      throw new FederationError('BAD_FEDERATION_REQUEST', 'not a contact request');
    const { op, from, to, message } = parsed.data;
    // A server speaks only for its own users, and only to ours.
    if (domainOf(from.id) !== origin || this.isRemote(to)) {
      throw new FederationError(
        'BAD_FEDERATION_REQUEST',
        'from must be a user of the origin, to one of ours',
      );
    }
    try {
      const result = await contacts.receiveRemote(op, from, to, message);
      if (op === 'accept' || result?.status === 'accepted') this.#watchSoon(to, from.id);
      return result ?? {};
    } catch (err) {
      if (err instanceof PresenceError && err.code === 'USER_NOT_FOUND') {
        throw new FederationError('BAD_FEDERATION_REQUEST', 'no such user', 404);
      }
      throw err;
    }
  }

  /** A new contact across servers: a watching local user starts watching them. */
  #watchSoon(local: string, remote: string): void {
    // After the contact caches reload (contactsChanged runs on the store write), so the push half
    // of the first watch sees the new relation.
    setTimeout(() => {
      if (this.#watching(local)) this.#presence.watch(local, [remote]);
    }, 50).unref();
  }
}
