import { randomBytes } from 'node:crypto';
import type { UserPresence } from '@presence/protocol';
import type { Logger } from '../ops/logger.js';
import { unknownView } from '../presence/presence-aggregator.js';
import type { PresenceSink, RemoteViews } from '../presence/presence-service.js';
import { FederationError } from './federation-errors.js';
import { domainOf, type FederationGuard } from './federation-guard.js';
import type { FederationTransport } from './federation-transport.js';
import {
  MAX_ENTRIES,
  presenceReply,
  presenceRequest,
  type PresencePush,
  type PresenceRequest,
} from './presence-messages.js';

export interface RemotePresenceOptions {
  /** Changes for one peer wait this long and go as one request. */
  federationBatchMs: number;
  /** Short watchdog: reset by any traffic from the peer. */
  federationPeerTimeoutMs: number;
  /** Long watchdog (staggered per peer): a full resync. */
  federationPeerResyncMs: number;
}

/** What this needs of the local presence engine (attached after both exist). */
export interface LocalPresence {
  viewOf(userId: string): UserPresence;
  prepare(userId: string): Promise<void>;
  canSee(viewer: string, target: string): boolean;
}

/** A first watch goes out this soon (with whatever else is pending), not after the batch window. */
const SUBSCRIBE_DELAY_MS = 20;

interface PeerState {
  readonly domain: string;
  /** Our users' changes waiting for the batch: key (user + shown/unknown) → entry. */
  readonly pending: Map<string, { user: UserPresence; to: Set<string> }>;
  /** New subscriptions to send: our watcher → their users. */
  readonly pendingSubs: Map<string, Set<string>>;
  /** Their users watching ours (from their subscribe): pushes go only to these. */
  watchers: Set<string>;
  /** Our users watching theirs: what a reminder re-subscribes and an outage turns unknown. */
  readonly subscriptions: Map<string, Set<string>>;
  /** Their users' presence as last heard (not unknown). */
  readonly views: Map<string, UserPresence>;
  /** Their boot id as last seen: a change means they restarted and forgot our subscriptions. */
  boot: string | null;
  down: boolean;
  batchTimer: NodeJS.Timeout | undefined;
  shortTimer: NodeJS.Timeout | undefined;
  longTimer: NodeJS.Timeout | undefined;
  sending: Promise<void> | undefined;
  /** Send a resync with the next request (they restarted, or came back). */
  resync: boolean;
}

/**
 * Presence across servers, as in the Matrix design:
 *
 * - a local user's first watch of users on another server sends ONE combined request: the watcher's
 *   own presence for them (push) and the request for theirs (subscribe); the reply carries their
 *   current presence and the promise to push changes;
 * - changes are batched per destination server for `federationBatchMs`; only users that changed go,
 *   only to servers that have a watcher for them, only the latest state of each;
 * - two watchdog timers per peer: the short one is reset by any request or reply from the peer, and
 *   on expiry sends a reminder that re-subscribes (a keep-alive without states); the long one,
 *   staggered per peer so they do not all fire together, asks for the full state again. A peer that
 *   does not answer a reminder is down: its users show as `unknown` to our watchers until a
 *   reminder gets through, whose reply resyncs them in one message per peer.
 *
 * The watched user's home server decides visibility: a subscribe is answered only with users the
 * watcher may see by that server's own rules (contacts or shared rooms), and pushes go to the
 * recipients that server's presence engine chose. This class is also the presence engine's sink,
 * so remote recipients reach it through the same path as local ones.
 */
export class RemotePresence implements PresenceSink, RemoteViews {
  readonly boot = randomBytes(6).toString('hex');
  readonly #domain: string;
  readonly #transport: FederationTransport;
  readonly #guard: FederationGuard;
  readonly #local: PresenceSink;
  readonly #options: RemotePresenceOptions;
  readonly #log: Logger | undefined;
  readonly #peers = new Map<string, PeerState>();
  #presence: LocalPresence | undefined;
  #closed = false;

  constructor(deps: {
    domain: string;
    transport: FederationTransport;
    guard: FederationGuard;
    local: PresenceSink;
    options: RemotePresenceOptions;
    log?: Logger;
  }) {
    this.#domain = deps.domain.toLowerCase();
    this.#transport = deps.transport;
    this.#guard = deps.guard;
    this.#local = deps.local;
    this.#options = deps.options;
    this.#log = deps.log;
  }

  attach(presence: LocalPresence): void {
    this.#presence = presence;
  }

  // --- RemoteViews -------------------------------------------------------------------------

  isRemote(userId: string): boolean {
    const d = domainOf(userId);
    return d !== '' && d !== this.#domain;
  }

  viewOf(userId: string): UserPresence {
    return this.#peers.get(domainOf(userId))?.views.get(userId) ?? unknownView(userId);
  }

  // --- PresenceSink ------------------------------------------------------------------------

  watching(userId: string): boolean {
    // A user of another server with a session here (in a room of ours) watches here too.
    if (this.#local.watching(userId)) return true;
    if (!this.isRemote(userId)) return false;
    const peer = this.#peers.get(domainOf(userId));
    return peer !== undefined && !peer.down && peer.watchers.has(userId);
  }

  deliver(userIds: readonly string[], json: string): void {
    const local: string[] = [];
    const remote = new Map<string, string[]>();
    for (const id of userIds) {
      if (!this.isRemote(id) || this.#local.watching(id)) local.push(id);
      if (!this.isRemote(id)) continue;
      const d = domainOf(id);
      const list = remote.get(d);
      if (list) list.push(id);
      else remote.set(d, [id]);
    }
    if (local.length > 0) this.#local.deliver(local, json);
    if (remote.size === 0) return;
    // The engine built one event for these recipients; here it becomes entries per user.
    const users = (JSON.parse(json) as { users: UserPresence[] }).users;
    for (const [d, recipients] of remote) {
      const peer = this.#peers.get(d);
      if (!peer || peer.down) continue;
      // Only to watchers that server asked for (a remote user may be here only for a room).
      const wanted = recipients.filter((r) => peer.watchers.has(r));
      if (wanted.length === 0) continue;
      for (const user of users) this.#queue(peer, user, wanted);
      this.#scheduleBatch(peer, this.#options.federationBatchMs);
    }
  }

  // --- watching ----------------------------------------------------------------------------

  /**
   * `viewer` (ours) watches these users (remote ones are picked out): first watches go out as one
   * combined push + subscribe per server, soon.
   */
  watch(viewer: string, userIds: readonly string[]): void {
    if (this.#closed || !this.#presence) return;
    const byDomain = new Map<string, string[]>();
    for (const id of userIds) {
      if (!this.isRemote(id)) continue;
      const d = domainOf(id);
      if (!this.#guard.allowed(d)) continue;
      const list = byDomain.get(d);
      if (list) list.push(id);
      else byDomain.set(d, [id]);
    }
    for (const [d, targets] of byDomain) {
      const peer = this.#peer(d);
      let subs = peer.subscriptions.get(viewer);
      if (!subs) {
        subs = new Set();
        peer.subscriptions.set(viewer, subs);
      }
      const fresh = targets.filter((t) => !subs.has(t));
      if (fresh.length === 0) continue;
      for (const t of fresh) subs.add(t);
      let pending = peer.pendingSubs.get(viewer);
      if (!pending) {
        pending = new Set();
        peer.pendingSubs.set(viewer, pending);
      }
      for (const t of fresh) pending.add(t);
      // The push half: the watcher's own presence, to those of them who may see it by our rules.
      const presence = this.#presence;
      const shown = fresh.filter((t) => presence.canSee(t, viewer));
      if (shown.length > 0) this.#queue(peer, presence.viewOf(viewer), shown);
      this.#scheduleBatch(peer, SUBSCRIBE_DELAY_MS);
    }
  }

  #queue(peer: PeerState, user: UserPresence, recipients: readonly string[]): void {
    const key = user.state === 'unknown' ? `${user.user}\tunknown` : user.user;
    const entry = peer.pending.get(key);
    if (entry) {
      entry.user = user;
      for (const r of recipients) entry.to.add(r);
    } else {
      peer.pending.set(key, { user, to: new Set(recipients) });
    }
    if (peer.pending.size >= MAX_ENTRIES) this.#scheduleBatch(peer, 0);
  }

  // --- sending -----------------------------------------------------------------------------

  #scheduleBatch(peer: PeerState, ms: number): void {
    if (this.#closed) return;
    if (peer.batchTimer) {
      // An earlier deadline (a first watch) wins over a later one.
      if (ms >= this.#options.federationBatchMs) return;
      clearTimeout(peer.batchTimer);
    }
    peer.batchTimer = setTimeout(() => {
      peer.batchTimer = undefined;
      void this.#flush(peer, false);
    }, ms);
    peer.batchTimer.unref();
  }

  /** Send what is pending for `peer` (and, for a reminder, every subscription held). */
  async #flush(peer: PeerState, reminder: boolean): Promise<void> {
    while (peer.sending) await peer.sending;
    if (this.#closed) return;
    const push: PresencePush[] = [];
    for (const { user, to } of peer.pending.values()) push.push({ user, to: [...to] });
    peer.pending.clear();
    let subscribe: { watcher: string; targets: string[] }[];
    if (reminder) {
      // Watchers with no session subscribed any more are dropped here, and so stop costing anything.
      for (const watcher of [...peer.subscriptions.keys()]) {
        if (!this.#local.watching(watcher)) peer.subscriptions.delete(watcher);
      }
      subscribe = [...peer.subscriptions].map(([watcher, targets]) => ({ watcher, targets: [...targets] }));
      peer.pendingSubs.clear();
    } else {
      subscribe = [...peer.pendingSubs].map(([watcher, targets]) => ({ watcher, targets: [...targets] }));
      peer.pendingSubs.clear();
    }
    if (!reminder && push.length === 0 && subscribe.length === 0) return;
    const resync = reminder && peer.resync;
    const body: PresenceRequest = { boot: this.boot, push, subscribe, reminder, resync };
    peer.sending = this.#send(peer, body, resync).finally(() => {
      peer.sending = undefined;
    });
    await peer.sending;
  }

  async #send(peer: PeerState, body: PresenceRequest, resync: boolean): Promise<void> {
    let raw: unknown;
    try {
      raw = await this.#transport.send(peer.domain, 'presence', body);
    } catch (err) {
      this.#log?.debug({ err, peer: peer.domain }, 'federated presence not delivered');
      // A refusal (forbidden, bad key) is as good as silence for presence: nothing is known there.
      if (body.reminder || err instanceof FederationError) this.#markDown(peer);
      return;
    }
    const reply = presenceReply.safeParse(raw);
    if (!reply.success) {
      this.#log?.warn({ peer: peer.domain }, 'federated presence reply is not valid');
      return;
    }
    if (resync) peer.resync = false;
    this.#heard(peer, reply.data.boot);
    this.#applyPush(peer, reply.data.push);
  }

  // --- receiving ---------------------------------------------------------------------------

  /** A verified `presence` request from `origin`: apply its pushes, record its watchers, reply. */
  async receive(origin: string, raw: unknown): Promise<object> {
    const parsed = presenceRequest.safeParse(raw);
    if (!parsed.success) throw new FederationError('BAD_FEDERATION_REQUEST', 'not a presence request');
    const req = parsed.data;
    const peer = this.#peer(origin);
    this.#heard(peer, req.boot);
    this.#applyPush(peer, req.push);
    if (req.reminder) {
      // The reminder lists every subscription they hold: what they no longer list is over.
      peer.watchers = new Set();
    }
    const wanted = new Map<string, Set<string>>();
    for (const { watcher, targets } of req.subscribe) {
      if (domainOf(watcher) !== origin) continue;
      peer.watchers.add(watcher);
      for (const t of targets) {
        if (this.isRemote(t)) continue;
        let set = wanted.get(t);
        if (!set) {
          set = new Set();
          wanted.set(t, set);
        }
        set.add(watcher);
      }
    }
    // A keep-alive reminder carries no states; a first subscribe or a resync does.
    const withStates = !req.reminder || req.resync;
    const push: PresencePush[] = [];
    const presence = this.#presence;
    if (withStates && presence && wanted.size > 0) {
      await Promise.all([...wanted.keys()].map((t) => presence.prepare(t)));
      for (const [target, watchers] of wanted) {
        // Our rules, as for a local viewer: contacts or a shared room, nobody else.
        const to = [...watchers].filter((w) => presence.canSee(w, target));
        if (to.length > 0) push.push({ user: presence.viewOf(target), to });
      }
    }
    return { boot: this.boot, push };
  }

  #applyPush(peer: PeerState, pushes: readonly PresencePush[]): void {
    for (const { user, to } of pushes) {
      // A server speaks only for its own users.
      if (domainOf(user.user) !== peer.domain) continue;
      if (user.state !== 'unknown') peer.views.set(user.user, user);
      const recipients = to.filter((r) => !this.isRemote(r) && this.#local.watching(r));
      if (recipients.length > 0)
        this.#local.deliver(recipients, JSON.stringify({ type: 'presence', users: [user] }));
    }
  }

  // --- watchdogs ---------------------------------------------------------------------------

  #peer(domain: string): PeerState {
    let peer = this.#peers.get(domain);
    if (peer) return peer;
    peer = {
      domain,
      pending: new Map(),
      pendingSubs: new Map(),
      watchers: new Set(),
      subscriptions: new Map(),
      views: new Map(),
      boot: null,
      down: false,
      batchTimer: undefined,
      shortTimer: undefined,
      longTimer: undefined,
      sending: undefined,
      resync: false,
    };
    this.#peers.set(domain, peer);
    this.#armShort(peer);
    this.#armLong(peer);
    return peer;
  }

  /** Any traffic from the peer: the short watchdog starts over; a peer that was down is back. */
  #heard(peer: PeerState, boot: string): void {
    if (peer.boot !== null && peer.boot !== boot) {
      // They restarted: they forgot what we subscribed to. Re-subscribe and resync soon.
      peer.resync = true;
      this.#remindSoon(peer);
    }
    peer.boot = boot;
    if (peer.down) {
      peer.down = false;
      peer.resync = true;
      this.#remindSoon(peer);
    }
    this.#armShort(peer);
  }

  #remindSoon(peer: PeerState): void {
    if (this.#closed) return;
    if (peer.shortTimer) clearTimeout(peer.shortTimer);
    peer.shortTimer = setTimeout(() => this.#onShort(peer), SUBSCRIBE_DELAY_MS);
    peer.shortTimer.unref();
  }

  #armShort(peer: PeerState): void {
    if (this.#closed) return;
    if (peer.shortTimer) clearTimeout(peer.shortTimer);
    const base = this.#options.federationPeerTimeoutMs;
    // A little jitter, so that peers heard from at the same moment do not all remind together.
    peer.shortTimer = setTimeout(() => this.#onShort(peer), Math.round(base * (0.9 + 0.2 * Math.random())));
    peer.shortTimer.unref();
  }

  #armLong(peer: PeerState): void {
    if (this.#closed) return;
    if (peer.longTimer) clearTimeout(peer.longTimer);
    // Staggered: ±25% per peer, so the long resyncs of many peers spread out instead of bursting.
    const ms = Math.round(this.#options.federationPeerResyncMs * (0.75 + 0.5 * Math.random()));
    peer.longTimer = setTimeout(() => {
      peer.resync = true;
      this.#armLong(peer);
      void this.#remind(peer);
    }, ms);
    peer.longTimer.unref();
  }

  #onShort(peer: PeerState): void {
    peer.shortTimer = undefined;
    void this.#remind(peer);
  }

  async #remind(peer: PeerState): Promise<void> {
    if (this.#closed) return;
    // Nobody here watches them and nobody there watches us: no point in any traffic.
    for (const watcher of [...peer.subscriptions.keys()]) {
      if (!this.#local.watching(watcher)) peer.subscriptions.delete(watcher);
    }
    if (peer.subscriptions.size === 0 && peer.watchers.size === 0 && peer.pending.size === 0) {
      this.#drop(peer);
      return;
    }
    // Re-armed first: if the reminder fails, the next attempt comes one short period later.
    this.#armShort(peer);
    await this.#flush(peer, true);
  }

  /** The peer did not answer: what we showed of its users is no longer known. */
  #markDown(peer: PeerState): void {
    if (peer.down) return;
    peer.down = true;
    peer.resync = true;
    peer.views.clear();
    peer.pending.clear();
    for (const [watcher, targets] of peer.subscriptions) {
      if (!this.#local.watching(watcher)) continue;
      const users = [...targets].map((t) => unknownView(t));
      this.#local.deliver([watcher], JSON.stringify({ type: 'presence', users }));
    }
    this.#log?.info({ peer: peer.domain }, 'federation peer silent: its users are unknown');
  }

  #drop(peer: PeerState): void {
    for (const t of [peer.batchTimer, peer.shortTimer, peer.longTimer]) if (t) clearTimeout(t);
    this.#peers.delete(peer.domain);
  }

  /** Peers presence is exchanged with (tests, metrics). */
  peerStates(): { domain: string; down: boolean; watchers: number; subscriptions: number }[] {
    return [...this.#peers.values()].map((p) => ({
      domain: p.domain,
      down: p.down,
      watchers: p.watchers.size,
      subscriptions: p.subscriptions.size,
    }));
  }

  /** Push out what is batched now (tests and the bench skip the window). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.#peers.values()].map((p) => this.#flush(p, false)));
  }

  close(): void {
    this.#closed = true;
    for (const peer of [...this.#peers.values()]) this.#drop(peer);
  }
}
