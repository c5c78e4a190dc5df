import {
  DM_LIST_LIMIT,
  PresenceError,
  type DmConversationInfo,
  type dmDeliveredEvent,
  type dmEvent,
  type dmReadEvent,
  type ResultOf,
} from '@presence/protocol';
import type { z } from 'zod';
import { renderMarkdown } from '../chat/markdown.js';
import { checkMessageText } from '../chat/message-text.js';
import { randomId } from '../shared/random-id.js';
import { avatarUrl, defaultGuestName } from '../identity/guests.js';
import { isGuestId, userRefOf } from '../identity/identity-service.js';
import type { AccountStore } from '../store/identity-store.js';
import type { Actor } from '../shared/actor.js';
import {
  KeptMessagesFullError,
  MAX_KEPT_PER_RECIPIENT,
  type SocialStore,
  type StoredDirectMessage,
} from '../store/social-store.js';
import type { UserChannel } from './contacts-service.js';
import type { PresenceReader, VisibleState } from './presence-reader.js';

export type DmEvent = z.infer<typeof dmEvent>;
type DmDelivered = z.infer<typeof dmDeliveredEvent>;
type DmRead = z.infer<typeof dmReadEvent>;
type DmResult = ResultOf<'dm.send'>;

/** Accepted nonces remembered per server, for retries of dm.send; the oldest are forgotten first. */
const NONCES_KEPT = 10_000;

export interface DmDeps {
  social: SocialStore;
  presence: PresenceReader;
  users: UserChannel;
  limits: { maxTextLength: number };
  /** Accounts' names and avatars, for the sender's side of a conversation. */
  accounts?: Pick<AccountStore, 'getUser'>;
  now?: () => number;
  /** Told when a conversation's row could not be written (the message itself went out). */
  onConversationError?: (err: unknown) => void;
  /** Told about kept messages that could be neither delivered nor put back (logged by the caller). */
  onLost?: (err: unknown, recipient: string, count: number) => void;
}

/** How a message from a sender may reach a recipient, given the recipient's presence. */
export type Gate = 'deliver' | 'keep' | 'refuse';

/**
 * The gating rule of the presence design, as a pure function (unit-tested on its own): `chatty`
 * accepts anyone, `online` accepts contacts, `busy` accepts contacts in the recipient's important
 * group. Whatever is not accepted is kept for later if the sender is a contact, else refused. A
 * blocked sender is refused whatever the state. Hidden recipients arrive here as `offline`.
 */
export function gate(
  state: VisibleState,
  sender: { blocked: boolean; contact: boolean; important: boolean },
): Gate {
  if (sender.blocked) return 'refuse';
  const accepts =
    state === 'chatty' ||
    (state === 'online' && sender.contact) ||
    (state === 'busy' && sender.contact && sender.important);
  if (accepts) return 'deliver';
  return sender.contact ? 'keep' : 'refuse';
}

const unavailable = (): PresenceError => new PresenceError('RECIPIENT_UNAVAILABLE');

/**
 * Direct messages between two users, gated by the recipient's presence. Nothing is stored for a
 * delivered message (a DM is not a room: there is no log or history); a message kept for an absent
 * contact is stored until the recipient's next session takes it, exactly once.
 */
export class DmService {
  readonly #social: SocialStore;
  readonly #presence: PresenceReader;
  readonly #users: UserChannel;
  readonly #limits: { maxTextLength: number };
  readonly #now: () => number;
  readonly #onLost: (err: unknown, recipient: string, count: number) => void;
  readonly #accounts: Pick<AccountStore, 'getUser'> | undefined;
  readonly #onConversationError: (err: unknown) => void;
  /** `${sender}\n${nonce}` → the reply first given, so a retried send is answered, not repeated. */
  readonly #nonces = new Map<string, DmResult>();
  #counter = 0;

  constructor(deps: DmDeps) {
    this.#social = deps.social;
    this.#presence = deps.presence;
    this.#users = deps.users;
    this.#limits = deps.limits;
    this.#now = deps.now ?? Date.now;
    this.#onLost = deps.onLost ?? (() => undefined);
    this.#accounts = deps.accounts;
    this.#onConversationError = deps.onConversationError ?? (() => undefined);
  }

  async send(actor: Actor, to: string, text: string, nonce?: string): Promise<DmResult> {
    checkMessageText(text, this.#limits.maxTextLength);
    const from = actor.user.id;
    if (to === from) throw new PresenceError('INVALID_MESSAGE', 'Direct messages go to someone else.');
    const key = nonce === undefined ? undefined : `${from}\n${nonce}`;
    const seen = key === undefined ? undefined : this.#nonces.get(key);
    if (seen) return seen;

    const state = this.#presence.stateFor(to);
    // Guests have no contacts, so nothing about them is stored: spare the queries.
    const guest = isGuestId(from) || isGuestId(to);
    const [blocked, contact] = guest
      ? [await this.#social.isBlocked(to, from), false]
      : await Promise.all([this.#social.isBlocked(to, from), this.#social.areContacts(to, from)]);
    // Only a busy recipient's important group matters; read it only then.
    const important = state === 'busy' && contact && !blocked && (await this.#isImportant(to, from));
    let decision = gate(state, { blocked, contact, important });

    const ts = this.#now();
    const event: DmEvent = {
      type: 'dm',
      id: this.#nextId(ts),
      from: actor.user,
      to,
      text,
      html: renderMarkdown(text),
      ts,
      offline: false,
    };
    const json = JSON.stringify(event);
    // Presence may say available while no session of the recipient is connected here (a session
    // in its grace period): then it is as if they were away.
    if (decision === 'deliver' && (await this.#users.send(to, json)) === 0)
      decision = contact ? 'keep' : 'refuse';
    if (decision === 'refuse') throw unavailable();
    if (decision === 'keep') {
      try {
        await this.#social.queueMessage({
          id: event.id,
          from,
          to,
          payload: JSON.stringify({ ...event, offline: true }),
          createdAt: ts,
        });
      } catch (err) {
        if (err instanceof KeptMessagesFullError) {
          throw new PresenceError(
            'LIMIT_EXCEEDED',
            `The recipient already has ${MAX_KEPT_PER_RECIPIENT} messages waiting; try again when they are back.`,
          );
        }
        throw err;
      }
    }
    // Both sides' conversation lists (dm.list) move; the message has gone out whatever happens here.
    await this.#noteConversation(actor, to, ts).catch(this.#onConversationError);
    // The sender's other devices show what was sent from this one.
    await this.#users.send(from, json, actor.sessionId);
    const result: DmResult = {
      outcome: decision === 'keep' ? 'queued' : 'delivered',
      id: event.id,
      ts,
      html: event.html,
    };
    if (key !== undefined) this.#remember(key, result);
    return result;
  }

  /** The actor's conversations, most recent first (`dm.list`). */
  async list(actor: Actor, limit = DM_LIST_LIMIT): Promise<{ conversations: DmConversationInfo[] }> {
    const rows = await this.#social.listConversations(actor.user.id, Math.min(limit, DM_LIST_LIMIT));
    return {
      conversations: rows.map((r) => ({
        peer: { id: r.peerId, name: r.peerName, avatar: r.peerAvatar },
        lastTs: r.lastTs,
        lastFromPeer: r.lastFromPeer,
        unread: r.unread,
      })),
    };
  }

  /** Mark the conversation with `peer` read (`dm.read`); the actor's other sessions are told. */
  async read(actor: Actor, peer: string): Promise<Record<string, never>> {
    if (await this.#social.readConversation(actor.user.id, peer)) {
      const event: DmRead = { type: 'dm.read', peer };
      await this.#users.send(actor.user.id, JSON.stringify(event), actor.sessionId);
    }
    return {};
  }

  async #noteConversation(actor: Actor, to: string, ts: number): Promise<void> {
    const account = isGuestId(to) ? undefined : await this.#accounts?.getUser(to);
    const recipient = account
      ? { ...userRefOf(account), known: true }
      : // Not an account here: the row keeps the name the recipient last wrote under, if any.
        {
          id: to,
          name: isGuestId(to) ? defaultGuestName(to) : (to.split('@')[0] ?? to),
          avatar: avatarUrl(to),
          known: false,
        };
    await this.#social.noteDirectMessage(actor.user, recipient, ts);
  }

  /**
   * Hand the user's kept messages to their connected sessions, oldest first (called when a session
   * of theirs starts). If none of their sessions could take them after all (the connection went
   * away meanwhile), they are put back for next time.
   */
  async deliverKept(userId: string): Promise<number> {
    return this.#deliverKept(userId, () => true);
  }

  /**
   * The user's presence as others see it changed to `state` (presence.set): kept messages it accepts
   * go to every connected session of theirs now, not at their next session start. Every kept message
   * is from a contact, so `chatty` and `online` take them all and `busy` those from the important
   * group; `away` and `offline` (hidden included) take none. The senders get `dm.delivered`.
   */
  async deliverKeptOnChange(userId: string, state: VisibleState): Promise<number> {
    if (state === 'chatty' || state === 'online') return this.#deliverKept(userId, () => true);
    if (state !== 'busy') return 0;
    const group = await this.#social.getImportantGroup(userId);
    if (group === null) return 0;
    const important = new Set(
      (await this.#social.listContacts(userId))
        .filter((c) => c.groups.includes(group))
        .map((c) => c.contactId),
    );
    if (important.size === 0) return 0;
    return this.#deliverKept(userId, (m) => important.has(m.from));
  }

  /**
   * Take the kept messages, hand those `accept` picks to the user's sessions, oldest first, and tell
   * each sender (`dm.delivered`, to all their sessions). The rest, and whatever could not be handed
   * over after all (the connection went away meanwhile), is put back.
   */
  async #deliverKept(userId: string, accept: (m: StoredDirectMessage) => boolean): Promise<number> {
    // Guests have no contacts, so nothing is ever kept for them.
    if (isGuestId(userId)) return 0;
    const messages = await this.#social.takeOfflineMessages(userId, MAX_KEPT_PER_RECIPIENT);
    const back: StoredDirectMessage[] = [];
    let delivered = 0;
    // A hidden recipient (a session start while hidden) gets them, but the senders are not told:
    // that would show them someone who looks offline is there.
    const announce = this.#presence.stateFor(userId) !== 'offline';
    for (const [i, m] of messages.entries()) {
      if (!accept(m)) {
        back.push(m);
        continue;
      }
      if ((await this.#users.send(userId, m.payload)) > 0) {
        delivered++;
        if (announce) {
          const notice: DmDelivered = { type: 'dm.delivered', id: m.id, to: userId, ts: this.#now() };
          await this.#users.send(m.from, JSON.stringify(notice));
        }
        continue;
      }
      back.push(...messages.slice(i));
      break;
    }
    if (back.length > 0) {
      try {
        for (const r of back) await this.#social.queueMessage(r);
      } catch (err) {
        this.#onLost(err, userId, back.length);
      }
    }
    return delivered;
  }

  async #isImportant(owner: string, contact: string): Promise<boolean> {
    const group = await this.#social.getImportantGroup(owner);
    if (group === null) return false;
    const entry = (await this.#social.listContacts(owner)).find((c) => c.contactId === contact);
    return entry?.groups.includes(group) ?? false;
  }

  /**
   * Ids that sort by time, then by order of sending on this server (kept messages are delivered
   * in id order within a millisecond), with randomness so they cannot be guessed or collide.
   */
  #nextId(ts: number): string {
    this.#counter = (this.#counter + 1) % 36 ** 4;
    return `${ts.toString(36).padStart(9, '0')}${this.#counter.toString(36).padStart(4, '0')}${randomId(8)}`;
  }

  #remember(key: string, result: DmResult): void {
    this.#nonces.set(key, result);
    if (this.#nonces.size > NONCES_KEPT) {
      const oldest = this.#nonces.keys().next();
      if (!oldest.done) this.#nonces.delete(oldest.value);
    }
  }
}
