import { PresenceError, type contactEvent, type ResultOf, type UserRef } from '@presence/protocol';
import type { z } from 'zod';
import { avatarUrl, defaultGuestName, userRef } from '../identity/guests.js';
import { isGuestId, userRefOf } from '../identity/identity-service.js';
import type { Actor } from '../shared/actor.js';
import type { AccountStore } from '../store/identity-store.js';
import type { SocialStore } from '../store/social-store.js';

export type ContactEvent = z.infer<typeof contactEvent>;
type ContactKind = ContactEvent['kind'];

/**
 * Messages addressed to a user rather than a room (UserDirectory in the gateway fits it). Kept as an
 * interface here so the domain does not depend on the gateway.
 */
export interface UserChannel {
  /** Send to every connected session of `userId` (except `exceptSession`); resolves with how many got it. */
  send(userId: string, message: object | string, exceptSession?: string): Promise<number>;
}

/** An answer to a contact request, as the target's home server gives it. */
export interface RemoteRequestResult {
  status: 'pending' | 'accepted';
  /** The target as their server names them. */
  user: UserRef;
}

/**
 * Contacts on other servers (federation). Each side stores the relation in its own store, with
 * the same rows a local pair has; these calls keep the other side in step. Blocks never cross.
 */
export interface RemoteContacts {
  isRemote(userId: string): boolean;
  /** Ask `to`'s server; rejects with USER_NOT_FOUND or SERVER_UNAVAILABLE. */
  request(from: UserRef, to: string, message: string | null): Promise<RemoteRequestResult>;
  /** Tell `to`'s server (best effort; the caller's side has already changed). */
  notify(op: 'accept' | 'deny' | 'cancel' | 'remove', from: UserRef, to: string): void;
}

export interface ContactsDeps {
  social: SocialStore;
  accounts: Pick<AccountStore, 'getUser'>;
  users: UserChannel;
  remote?: RemoteContacts | undefined;
  now?: () => number;
}

const guestsHaveNoContacts = (): PresenceError =>
  new PresenceError('FORBIDDEN', 'Guests have no contact list; sign in with an account.');

/**
 * The presence list: requests, acceptance, groups, the important group and blocks.
 *
 * Who can be a contact: users with a stored account (local, external or service-created), both as
 * requester and as target. Guests cannot: a contact is a durable, mutual grant, while a guest exists
 * only as long as their token is kept and has no account to come back to; a request to a guest id
 * is USER_NOT_FOUND like any id without an account, and a guest's own contact requests are
 * FORBIDDEN. Guests may still be blocked (they can send direct messages to `chatty` users).
 *
 * Blocks are never revealed: a request from someone the target blocked is recorded and answered
 * `pending` like any other, but its `contact` event is not sent, it is left out of the blocker's
 * lists and it is not delivered when the blocker comes online.
 */
export class ContactsService {
  readonly #social: SocialStore;
  readonly #accounts: Pick<AccountStore, 'getUser'>;
  readonly #users: UserChannel;
  readonly #remote: RemoteContacts | undefined;
  readonly #now: () => number;

  constructor(deps: ContactsDeps) {
    this.#social = deps.social;
    this.#accounts = deps.accounts;
    this.#users = deps.users;
    this.#remote = deps.remote;
    this.#now = deps.now ?? Date.now;
  }

  /** Everything the caller's contacts UI needs, in one reply. Guests get an empty list. */
  async list(actor: Actor): Promise<ResultOf<'contacts.list'>> {
    const me = actor.user.id;
    if (isGuestId(me)) return { contacts: [], incoming: [], outgoing: [], blocked: [], importantGroup: null };
    const [contacts, pending, blockedIds, importantGroup] = await Promise.all([
      this.#social.listContacts(me),
      this.#social.listPending(me),
      this.#social.listBlocked(me),
      this.#social.getImportantGroup(me),
    ]);
    const blocked = new Set(blockedIds);
    const request = (p: {
      userId: string;
      name: string;
      avatar: string;
      message: string | null;
      at: number;
    }) => ({
      user: { id: p.userId, name: p.name, avatar: p.avatar },
      message: p.message,
      at: p.at,
    });
    return {
      contacts: contacts.map((c) => ({
        user: { id: c.contactId, name: c.name, avatar: c.avatar },
        groups: c.groups,
        since: c.since,
      })),
      incoming: pending.incoming.filter((p) => !blocked.has(p.userId)).map(request),
      outgoing: pending.outgoing.map(request),
      blocked: await Promise.all(blockedIds.map((id) => this.#refOf(id))),
      importantGroup,
    };
  }

  /** Ask `target` to become a contact; accepted at once when they already asked the caller. */
  async request(actor: Actor, target: string, message: string | null): Promise<ResultOf<'contacts.request'>> {
    const me = this.#member(actor);
    this.#notSelf(me, target);
    if (this.#remote?.isRemote(target)) return this.#requestRemote(actor, target, message);
    const account = isGuestId(target) ? undefined : await this.#accounts.getUser(target);
    if (!account) throw new PresenceError('USER_NOT_FOUND', 'No user with an account has that id.');
    if (await this.#social.isBlocked(me, target)) {
      throw new PresenceError('FORBIDDEN', 'You blocked this user; unblock them first.');
    }
    const blockedByThem = await this.#social.isBlocked(target, me);
    const status = await this.#social.requestContact(actor.user, userRefOf(account), message, this.#now());
    // A blocked requester hears `pending` like everyone else; only the blocker is spared the event.
    if (!blockedByThem)
      this.#tell(target, status === 'accepted' ? 'accepted' : 'request', actor.user, message);
    return { status };
  }

  /**
   * A request to a user of another server: their server applies its rules (account, blocks,
   * auto-accept) and answers; then this side records the same relation.
   */
  async #requestRemote(
    actor: Actor,
    target: string,
    message: string | null,
  ): Promise<ResultOf<'contacts.request'>> {
    const remote = this.#remote as RemoteContacts;
    if (await this.#social.isBlocked(actor.user.id, target)) {
      throw new PresenceError('FORBIDDEN', 'You blocked this user; unblock them first.');
    }
    const answer = await remote.request(actor.user, target, message);
    const status = await this.#social.requestContact(actor.user, answer.user, message, this.#now());
    if (status === 'accepted' || answer.status === 'accepted') {
      // Their server auto-accepted (they had asked us): record it here too.
      if (status !== 'accepted') await this.#social.acceptContact(target, actor.user.id, this.#now());
      return { status: 'accepted' };
    }
    return { status };
  }

  /**
   * A contact operation from another server (already verified to come from `from`'s server),
   * applied with the same rules as a local one. Returns what a request's sender is told.
   */
  async receiveRemote(
    op: 'request' | 'accept' | 'deny' | 'cancel' | 'remove',
    from: UserRef,
    to: string,
    message: string | null,
  ): Promise<RemoteRequestResult | null> {
    const account = isGuestId(to) ? undefined : await this.#accounts.getUser(to);
    if (!account) throw new PresenceError('USER_NOT_FOUND', 'No user with an account has that id.');
    const now = this.#now();
    const blocked = await this.#social.isBlocked(to, from.id);
    switch (op) {
      case 'request': {
        const status = await this.#social.requestContact(from, userRefOf(account), message, now);
        // As locally: a blocked requester hears `pending` like anyone; only the event is spared.
        if (!blocked) this.#tell(to, status === 'accepted' ? 'accepted' : 'request', from, message);
        return { status, user: userRefOf(account) };
      }
      case 'accept':
        if (!blocked && (await this.#social.acceptContact(from.id, to, now)))
          this.#tell(to, 'accepted', from);
        return null;
      case 'deny':
        if (await this.#social.deletePending(to, from.id)) this.#tell(to, 'denied', from);
        return null;
      case 'cancel':
        if ((await this.#social.deletePending(from.id, to)) && !blocked) this.#tell(to, 'cancelled', from);
        return null;
      case 'remove':
        if (await this.#social.removeContact(to, from.id)) this.#tell(to, 'removed', from);
        return null;
    }
  }

  async accept(actor: Actor, requester: string): Promise<void> {
    const me = this.#member(actor);
    // A request from someone the caller blocked is invisible to them, so it cannot be accepted.
    const ok =
      !(await this.#social.isBlocked(me, requester)) &&
      (await this.#social.acceptContact(me, requester, this.#now()));
    if (!ok) throw new PresenceError('USER_NOT_FOUND', 'No pending request from this user.');
    this.#tell(requester, 'accepted', actor.user);
    if (this.#remote?.isRemote(requester)) this.#remote.notify('accept', actor.user, requester);
  }

  /** Refuse a request. Denying one that is not there (any more) succeeds, so retries are safe. */
  async deny(actor: Actor, requester: string): Promise<void> {
    const me = this.#member(actor);
    if (await this.#social.deletePending(requester, me)) {
      this.#tell(requester, 'denied', actor.user);
      if (this.#remote?.isRemote(requester)) this.#remote.notify('deny', actor.user, requester);
    }
  }

  /** Withdraw one's own request. Idempotent like deny. */
  async cancel(actor: Actor, target: string): Promise<void> {
    const me = this.#member(actor);
    if (!(await this.#social.deletePending(me, target))) return;
    if (this.#remote?.isRemote(target)) {
      this.#remote.notify('cancel', actor.user, target);
      return;
    }
    // The target never saw a request from someone they blocked; its withdrawal stays unseen too.
    if (!(await this.#social.isBlocked(target, me))) this.#tell(target, 'cancelled', actor.user);
  }

  /** End a contact both ways. Idempotent like deny. */
  async remove(actor: Actor, other: string): Promise<void> {
    const me = this.#member(actor);
    if (await this.#social.removeContact(me, other)) {
      this.#tell(other, 'removed', actor.user);
      if (this.#remote?.isRemote(other)) this.#remote.notify('remove', actor.user, other);
    }
  }

  async setGroups(actor: Actor, contact: string, groups: string[]): Promise<void> {
    const me = this.#member(actor);
    // Labels are a set: the first spelling of a repeated one wins, order is the caller's.
    const unique = groups.filter((g, i) => groups.indexOf(g) === i);
    if (!(await this.#social.setGroups(me, contact, unique))) {
      throw new PresenceError('USER_NOT_FOUND', 'This user is not one of your contacts.');
    }
  }

  /** Name the group whose members still reach the caller when busy; null: none. */
  async setImportantGroup(actor: Actor, group: string | null): Promise<void> {
    await this.#social.setImportantGroup(this.#member(actor), group);
  }

  /**
   * Block `other`: their requests and direct messages stop reaching the caller, without them being
   * told. Any id can be blocked (guests too). A contact is ended by it, and they see that as
   * `removed`, exactly as if the caller had removed them.
   */
  async block(actor: Actor, other: string): Promise<void> {
    const me = this.#member(actor);
    this.#notSelf(me, other);
    if (await this.#social.block(me, other, this.#now())) {
      this.#tell(other, 'removed', actor.user);
      // Their server hears a removal, never a block.
      if (this.#remote?.isRemote(other)) this.#remote.notify('remove', actor.user, other);
    }
  }

  async unblock(actor: Actor, other: string): Promise<void> {
    await this.#social.unblock(this.#member(actor), other);
  }

  /**
   * The `contact` events a session of `userId` should get when it starts: one per request still
   * waiting for an answer, oldest first, leaving out requests from users they blocked.
   */
  async pendingRequests(userId: string): Promise<ContactEvent[]> {
    if (isGuestId(userId)) return [];
    const [{ incoming }, blockedIds] = await Promise.all([
      this.#social.listPending(userId),
      this.#social.listBlocked(userId),
    ]);
    const blocked = new Set(blockedIds);
    return incoming
      .filter((p) => !blocked.has(p.userId))
      .map((p) => ({
        type: 'contact',
        kind: 'request',
        user: { id: p.userId, name: p.name, avatar: p.avatar },
        message: p.message,
      }));
  }

  /** The caller's id, if they may have contacts at all. */
  #member(actor: Actor): string {
    if (isGuestId(actor.user.id)) throw guestsHaveNoContacts();
    if (this.#remote?.isRemote(actor.user.id)) {
      throw new PresenceError('FORBIDDEN', 'Your contacts are kept by your own server; manage them there.');
    }
    return actor.user.id;
  }

  #notSelf(me: string, other: string): void {
    if (me === other) throw new PresenceError('INVALID_MESSAGE', 'That is your own id.');
  }

  #tell(to: string, kind: ContactKind, from: UserRef, message?: string | null): void {
    const event: ContactEvent = { type: 'contact', kind, user: from };
    if (kind === 'request') event.message = message ?? null;
    void this.#users.send(to, event).catch(() => undefined);
  }

  /** A blocked id as a UserRef: the account's name when there is one, else what we can derive. */
  async #refOf(id: string): Promise<UserRef> {
    if (isGuestId(id)) return userRef(id, defaultGuestName(id));
    const account = await this.#accounts.getUser(id);
    return account ? userRefOf(account) : { id, name: id, avatar: avatarUrl(id) };
  }
}
