import type { DeviceState, DeviceType, UserPresence } from '@presence/protocol';
import type { Logger } from '../ops/logger.js';
import { aggregate, isIdle, offlineView, type DeviceFacts, type UserFacts } from './presence-aggregator.js';
import { Batch } from './presence-batch.js';
import type { VisibleState } from './presence-reader.js';
import { PresenceVisibility, type ContactSource } from './presence-visibility.js';

export interface PresenceOptions {
  /** A device idle this long counts as away. */
  presenceIdleMs: number;
  /** Changes are held until none came for this long (and at most 4× this), then sent together. */
  presenceCoalesceMs: number;
  /** A socketless device silent this long counts as gone (offline). */
  presenceDeviceTimeoutMs: number;
}

/**
 * Where presence events go: the gateway's subscribed sessions. Kept as an interface so the domain
 * never sees a socket, and so a bench can count deliveries without any.
 */
export interface PresenceSink {
  /** True when some session of `userId` here asked for presence events (presence.subscribe). */
  watching(userId: string): boolean;
  /** Send one serialized `presence` event to every subscribed session of each of `userIds`. */
  deliver(userIds: readonly string[], json: string): void;
}

/**
 * Users of other servers (federation): they have no devices here, what is shown of them is what
 * their home server last said. Absent when federation is off.
 */
export interface RemoteViews {
  isRemote(userId: string): boolean;
  /** Their presence as last heard; `unknown` until their server says (or when it went silent). */
  viewOf(userId: string): UserPresence;
}

/** What a device may change with presence.set (or a socketless report). */
export interface DevicePatch {
  state?: DeviceState | undefined;
  /** null clears the text. */
  status?: string | null | undefined;
  idleSince?: number | null | undefined;
  device?: DeviceType | undefined;
  hidden?: boolean | undefined;
}

interface Device extends DeviceFacts {
  readonly id: string;
  readonly userId: string;
  /** Socketless devices: when they last reported. Null for devices with a socket. */
  reportedAt: number | null;
  /** A socket device between disconnect and the end of its grace period: when it went. */
  detachedAt: number | null;
}

interface UserEntry {
  readonly id: string;
  readonly devices: Map<string, Device>;
  status: string | null;
  hiddenSince: number | null;
  /** Activity remembered from devices that are gone. */
  lastActive: number | null;
  /** The views as last published: deltas are sent when these change. */
  ownJson: string;
  othersJson: string;
}

/** A device as devicesWhere() lists it. */
export interface DeviceRecord {
  userId: string;
  deviceId: string;
  type: DeviceType;
  state: DeviceState;
  idleSince: number | null;
  /** Reported over HTTP (times out when silent) rather than a session. */
  socketless: boolean;
  status: string | null;
  hidden: boolean;
}

/** What is remembered of a user who has no device left: shown as last seen, restored on return. */
interface Remembered {
  lastActive: number | null;
  status: string | null;
  hiddenSince: number | null;
}

/** Users remembered after going offline (last seen, status, hidden); the oldest are forgotten. */
const MAX_REMEMBERED = 100_000;
/** Visibility changes held before a flush is forced early, so the queues stay bounded. */
const MAX_PENDING = 50_000;
/** Devices a user may have at once (sessions and socketless ones together). */
const MAX_DEVICES_PER_USER = 64;
/** The idle and silence sweep runs at most this far apart. */
const MAX_SWEEP_MS = 15_000;

/**
 * The presence engine: devices in, coalesced and batched `presence` deltas out.
 *
 * - Devices are sessions (online from hello until the session ends after its grace period, so a
 *   disconnect or a switch between devices never shows offline) and socketless devices that report
 *   over HTTP (gone when silent past `presenceDeviceTimeoutMs`).
 * - Each user's view is recomputed only when something about them changed (`dirty`), and its JSON
 *   is built once per change, whoever receives it.
 * - Changes wait until none arrived for `presenceCoalesceMs` (at most 4× that), then one flush
 *   works out, per recipient user, every changed user they may see and sends ONE event listing
 *   them all; recipients with the same list share one serialized payload. A room join storm thus
 *   costs each member one event per flush, not one per joiner.
 */
export class PresenceService {
  readonly visibility: PresenceVisibility;
  readonly #users = new Map<string, UserEntry>();
  readonly #remembered = new Map<string, Remembered>();
  readonly #dirty = new Set<string>();
  /** Devices reported idle that have not yet crossed the idle threshold. */
  readonly #idleSoon = new Set<Device>();
  readonly #socketless = new Set<Device>();
  readonly #options: PresenceOptions;
  readonly #sink: PresenceSink;
  readonly #remote: RemoteViews | undefined;
  readonly #log: Logger | undefined;
  readonly #now: () => number;
  readonly #sweep: NodeJS.Timeout;
  #timer: NodeJS.Timeout | undefined;
  #firstChangeAt = 0;
  #lastChangeAt = 0;
  #flushing: Promise<void> | undefined;
  #closed = false;
  readonly #hiddenListeners: ((userId: string) => void)[] = [];
  readonly #publishedListeners: ((userId: string, others: UserPresence) => void)[] = [];

  constructor(deps: {
    options: PresenceOptions;
    contacts: ContactSource;
    sink: PresenceSink;
    remote?: RemoteViews | undefined;
    log?: Logger;
    now?: () => number;
  }) {
    this.#options = deps.options;
    this.#sink = deps.sink;
    this.#remote = deps.remote;
    this.#log = deps.log;
    this.#now = deps.now ?? Date.now;
    this.visibility = new PresenceVisibility({
      contacts: deps.contacts,
      ...(deps.log ? { log: deps.log } : {}),
      onChange: () => this.#schedule(),
    });
    // One sweep for the whole process, whatever the number of devices; a quarter of the shortest
    // timeout keeps it timely without waking up more than every few seconds at the defaults.
    const shortest = Math.min(deps.options.presenceIdleMs, deps.options.presenceDeviceTimeoutMs);
    const every = Math.min(MAX_SWEEP_MS, Math.max(20, Math.floor(shortest / 4)));
    this.#sweep = setInterval(() => this.sweep(), every);
    this.#sweep.unref();
  }

  // --- devices -----------------------------------------------------------------------------

  /** A session started (hello): the user is online from now on, through this device. */
  deviceOnline(userId: string, deviceId: string, facts: { type: DeviceType; state: DeviceState }): void {
    const user = this.#entry(userId);
    if (!user.devices.has(deviceId) && user.devices.size >= MAX_DEVICES_PER_USER) this.#dropOldest(user);
    const now = this.#now();
    user.devices.set(deviceId, {
      id: deviceId,
      userId,
      state: facts.state,
      idleSince: null,
      type: facts.type,
      lastActive: now,
      reportedAt: null,
      detachedAt: null,
    });
    this.#touch(userId);
  }

  /** The device's connection dropped: nothing shows yet (grace period); remember when. */
  deviceDetached(userId: string, deviceId: string): void {
    const device = this.#users.get(userId)?.devices.get(deviceId);
    if (device) device.detachedAt = this.#now();
  }

  /** The device's connection is back within the grace period. */
  deviceResumed(userId: string, deviceId: string): void {
    const device = this.#users.get(userId)?.devices.get(deviceId);
    if (device) device.detachedAt = null;
  }

  /** The device is gone for good (session ended, socketless device signed off or went silent). */
  deviceEnded(userId: string, deviceId: string): void {
    const user = this.#users.get(userId);
    const device = user?.devices.get(deviceId);
    if (!user || !device) return;
    // A socket device in use until it went was active then, not at its last report; a silent
    // socketless device was last active when it last reported.
    const now = this.#now();
    const until =
      device.reportedAt !== null ? device.lastActive : (device.idleSince ?? device.detachedAt ?? now);
    const last = Math.max(device.lastActive, Math.min(until, now));
    user.lastActive = Math.max(user.lastActive ?? last, last);
    user.devices.delete(deviceId);
    this.#idleSoon.delete(device);
    this.#socketless.delete(device);
    this.#touch(userId);
  }

  /**
   * presence.set: change this device (state, idleness, type) or the user (status text, hidden).
   * Returns the user's presence as their own sessions see it.
   */
  set(userId: string, deviceId: string, patch: DevicePatch): UserPresence {
    const user = this.#users.get(userId);
    const device = user?.devices.get(deviceId);
    if (!user || !device) return this.ownView(userId);
    this.#apply(user, device, patch);
    return this.ownView(userId);
  }

  #apply(user: UserEntry, device: Device, patch: DevicePatch): void {
    const now = this.#now();
    if (patch.state !== undefined) device.state = patch.state;
    if (patch.device !== undefined) device.type = patch.device;
    if (patch.idleSince !== undefined) {
      // A device cannot have been idle since the future.
      device.idleSince = patch.idleSince === null ? null : Math.min(patch.idleSince, now);
    }
    if (device.idleSince === null) {
      device.lastActive = now;
      this.#idleSoon.delete(device);
    } else {
      // The device knows best: idle since then means last used then (its hello may have been an
      // automatic reconnect, not someone at the keyboard).
      device.lastActive = device.idleSince;
      if (isIdle(device, now, this.#options.presenceIdleMs)) this.#idleSoon.delete(device);
      else this.#idleSoon.add(device);
    }
    if (patch.status !== undefined) user.status = patch.status;
    if (patch.hidden !== undefined && patch.hidden !== (user.hiddenSince !== null)) {
      user.hiddenSince = patch.hidden ? now : null;
      for (const listener of this.#hiddenListeners) listener(user.id);
    }
    this.#touch(user.id);
  }

  /**
   * A socketless device reported (POST /api/presence). `offline` signs it off at once; otherwise it
   * counts until silent for `presenceDeviceTimeoutMs`.
   */
  report(
    userId: string,
    deviceId: string,
    type: DeviceType,
    state: DeviceState | 'offline',
    status?: string | null,
  ): UserPresence {
    if (state === 'offline') {
      const user = this.#users.get(userId);
      if (user && status !== undefined) user.status = status;
      this.deviceEnded(userId, deviceId);
      return this.ownView(userId);
    }
    const user = this.#entry(userId);
    let device = user.devices.get(deviceId);
    const now = this.#now();
    if (!device) {
      if (user.devices.size >= MAX_DEVICES_PER_USER) this.#dropOldest(user);
      device = {
        id: deviceId,
        userId,
        state,
        idleSince: null,
        type,
        lastActive: now,
        reportedAt: now,
        detachedAt: null,
      };
      user.devices.set(deviceId, device);
      this.#socketless.add(device);
    }
    device.reportedAt = now;
    // Reporting `away` is how such a device says it is not in use; any other state is activity.
    this.#apply(user, device, {
      state,
      device: type,
      idleSince: state === 'away' ? (device.idleSince ?? now) : null,
      ...(status !== undefined ? { status } : {}),
    });
    return this.ownView(userId);
  }

  /**
   * Turn devices idle past the threshold away, and socketless devices silent past their timeout
   * offline. Only the devices that can change are looked at.
   */
  sweep(): void {
    const now = this.#now();
    for (const device of this.#idleSoon) {
      if (isIdle(device, now, this.#options.presenceIdleMs)) {
        this.#idleSoon.delete(device);
        this.#touch(device.userId);
      }
    }
    for (const device of this.#socketless) {
      if (now - (device.reportedAt ?? now) >= this.#options.presenceDeviceTimeoutMs) {
        this.deviceEnded(device.userId, device.id);
      }
    }
  }

  /**
   * Every device whose id `match`es, with what another replica needs to recreate it (a cluster
   * node starting up copies its peers' devices; a dead node's sessions are ended by id prefix).
   */
  devicesWhere(match: (deviceId: string) => boolean): DeviceRecord[] {
    const out: DeviceRecord[] = [];
    for (const user of this.#users.values()) {
      for (const d of user.devices.values()) {
        if (!match(d.id)) continue;
        out.push({
          userId: user.id,
          deviceId: d.id,
          type: d.type,
          state: d.state,
          idleSince: d.idleSince,
          socketless: d.reportedAt !== null,
          status: user.status,
          hidden: user.hiddenSince !== null,
        });
      }
    }
    return out;
  }

  // --- views -------------------------------------------------------------------------------

  /** The user's presence as their own sessions see it (hidden shows the truth). */
  ownView(userId: string): UserPresence {
    return this.#views(userId).own;
  }

  /** The user's presence as everyone else sees it (hidden shows offline). */
  viewOf(userId: string): UserPresence {
    return this.#views(userId).others;
  }

  /** A guest became `to`: its status text goes with it, unless the account has one of its own. */
  inheritStatus(from: string, to: string): void {
    const status = this.#users.get(from)?.status ?? this.#remembered.get(from)?.status ?? null;
    if (status === null) return;
    const target = this.#users.get(to);
    if (target) {
      if (target.status === null) {
        target.status = status;
        this.#touch(to);
      }
      return;
    }
    const remembered = this.#remembered.get(to);
    if (!remembered) this.#remembered.set(to, { lastActive: null, status, hiddenSince: null });
    else if (remembered.status === null) remembered.status = status;
  }

  /** Whether the user appears offline to others on purpose (presence.set hidden). */
  isHidden(userId: string): boolean {
    const user = this.#users.get(userId);
    return (user ? user.hiddenSince : (this.#remembered.get(userId)?.hiddenSince ?? null)) !== null;
  }

  /**
   * Hear when a user starts or stops appearing offline, so that rooms (member lists and
   * `member.presence`) say what presence says. Listeners must not throw.
   */
  onHiddenChange(listener: (userId: string) => void): void {
    this.#hiddenListeners.push(listener);
  }

  /**
   * Hear every change of a user's presence as others see it, once per flush (third-party apps
   * feed their outbox from this). Listeners must not throw.
   */
  onPublished(listener: (userId: string, others: UserPresence) => void): void {
    this.#publishedListeners.push(listener);
  }

  /** For direct-message gating (PresenceReader): what others see, never `unknown` here. */
  stateFor(userId: string): VisibleState {
    const state = this.viewOf(userId).state;
    return state === 'unknown' ? 'offline' : state;
  }

  #views(userId: string): { own: UserPresence; others: UserPresence } {
    const user = this.#users.get(userId);
    if (!user && this.#remote?.isRemote(userId)) {
      const view = this.#remote.viewOf(userId);
      return { own: view, others: view };
    }
    if (!user) {
      const off = offlineView(userId, this.#remembered.get(userId)?.lastActive ?? null);
      return { own: off, others: off };
    }
    return aggregate(userId, this.#facts(user), this.#now(), this.#options.presenceIdleMs);
  }

  #facts(user: UserEntry): UserFacts {
    return {
      devices: [...user.devices.values()],
      status: user.status,
      hiddenSince: user.hiddenSince,
      lastActive: user.lastActive,
    };
  }

  /** Resolves once `viewer`'s contact list is loaded, so that `snapshot` is complete. */
  prepare(viewer: string): Promise<void> {
    return this.visibility.load(viewer);
  }

  /**
   * presence.subscribe's snapshot: every user `viewer` may see, as they may see them (their own
   * entry as themselves). Synchronous, so the caller can subscribe in the same tick (call
   * `prepare` first).
   */
  snapshot(viewer: string): UserPresence[] {
    const out: UserPresence[] = [];
    for (const userId of this.visibility.visibleTo(viewer)) {
      const views = this.#views(userId);
      out.push(userId === viewer ? views.own : views.others);
    }
    return out;
  }

  // --- flushing ----------------------------------------------------------------------------

  /** Something changed about a user: recompute and deliver at the next flush. */
  #touch(userId: string): void {
    this.#dirty.add(userId);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed) return;
    // The window runs on the monotonic clock: a wall-clock jump (NTP) must not stall delivery.
    const now = performance.now();
    this.#lastChangeAt = now;
    if (this.#dirty.size + this.visibility.pending >= MAX_PENDING) {
      // Bounded queues: past the bound, flush now rather than hold more.
      this.#arm(0);
      return;
    }
    if (this.#timer || this.#flushing) return;
    this.#firstChangeAt = now;
    this.#arm(this.#options.presenceCoalesceMs);
  }

  #arm(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#onTimer(), ms);
    this.#timer.unref();
  }

  /**
   * Debounce without touching the timer on every change: when it fires, wait on if changes are
   * still arriving, unless the oldest one has waited long enough.
   */
  #onTimer(): void {
    this.#timer = undefined;
    const now = performance.now();
    const window = this.#options.presenceCoalesceMs;
    const quietFor = now - this.#lastChangeAt;
    const waited = now - this.#firstChangeAt;
    const pending = this.#dirty.size + this.visibility.pending;
    if (pending < MAX_PENDING && quietFor < window && waited < 4 * window) {
      this.#arm(Math.min(window - quietFor, 4 * window - waited));
      return;
    }
    void this.flush();
  }

  /** Deliver everything pending now (tests and benches call it to skip the window). */
  flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#flushing = this.#flushOnce()
      .catch((err: unknown) => this.#log?.error({ err }, 'presence flush failed'))
      .finally(() => {
        this.#flushing = undefined;
        // Changes that arrived during the flush get their own window.
        if (this.#dirty.size + this.visibility.pending > 0 && !this.#closed) {
          this.#firstChangeAt = performance.now();
          this.#arm(this.#options.presenceCoalesceMs);
        }
      });
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    // Decide only on complete contact lists (a device that just came online may still be loading).
    const loads = this.visibility.inFlight();
    if (loads.length > 0) await Promise.all(loads);
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    const changes = this.visibility.drain();
    const now = this.#now();
    const batch = new Batch(this.#sink);

    for (const userId of dirty) {
      const user = this.#users.get(userId);
      if (!user) continue;
      // Each changed user is serialized once here, whoever and however many receive them.
      const views = aggregate(userId, this.#facts(user), now, this.#options.presenceIdleMs);
      const ownJson = JSON.stringify(views.own);
      const othersJson = views.others === views.own ? ownJson : JSON.stringify(views.others);
      const othersChanged = othersJson !== user.othersJson;
      const ownChanged = ownJson !== user.ownJson;
      user.ownJson = ownJson;
      user.othersJson = othersJson;
      if (othersChanged) this.visibility.forEachPeer(userId, (peer) => batch.add(peer, userId));
      if (othersChanged) for (const listener of this.#publishedListeners) listener(userId, views.others);
      if (othersChanged || ownChanged) batch.add(userId, userId);
    }
    batch.endOfChanges();
    this.visibility.announce(changes, batch, (u) => this.#sink.watching(u));
    const offline = new Map<string, string>();
    batch.send((userId, self) => {
      const user = this.#users.get(userId);
      if (user) return self ? user.ownJson : user.othersJson;
      let json = offline.get(userId);
      if (json === undefined) {
        json = JSON.stringify(
          this.#remote?.isRemote(userId)
            ? this.#remote.viewOf(userId)
            : offlineView(userId, this.#remembered.get(userId)?.lastActive ?? null),
        );
        offline.set(userId, json);
      }
      return json;
    });
    // Users with no device left are forgotten now that their offline view has gone out.
    for (const userId of dirty) {
      const user = this.#users.get(userId);
      if (user && user.devices.size === 0) this.#retire(user);
    }
  }

  // --- bookkeeping -------------------------------------------------------------------------

  #entry(userId: string): UserEntry {
    let user = this.#users.get(userId);
    if (user) return user;
    const remembered = this.#remembered.get(userId);
    this.#remembered.delete(userId);
    // Published as offline so far: the first flush sends the change to online.
    const off = JSON.stringify(offlineView(userId, remembered?.lastActive ?? null));
    user = {
      id: userId,
      devices: new Map(),
      status: remembered?.status ?? null,
      hiddenSince: remembered?.hiddenSince ?? null,
      lastActive: remembered?.lastActive ?? null,
      ownJson: off,
      othersJson: off,
    };
    this.#users.set(userId, user);
    void this.visibility.load(userId);
    return user;
  }

  /** The user has no device left: keep only what "last seen" and their return need. */
  #retire(user: UserEntry): void {
    this.#users.delete(user.id);
    this.visibility.release(user.id);
    this.#remembered.set(user.id, {
      lastActive: user.lastActive,
      status: user.status,
      hiddenSince: user.hiddenSince,
    });
    if (this.#remembered.size > MAX_REMEMBERED) {
      const oldest = this.#remembered.keys().next().value;
      if (oldest !== undefined) this.#remembered.delete(oldest);
    }
  }

  /** A user at the device limit adds one more: the device heard from least recently goes. */
  #dropOldest(user: UserEntry): void {
    let oldest: Device | undefined;
    for (const d of user.devices.values()) if (!oldest || d.lastActive < oldest.lastActive) oldest = d;
    if (oldest) this.deviceEnded(user.id, oldest.id);
  }

  /** Users with at least one device (for metrics and tests). */
  get onlineUsers(): number {
    let n = 0;
    for (const u of this.#users.values()) if (u.devices.size > 0) n++;
    return n;
  }

  /** Stop the sweep and the pending flush. Idempotent; nothing is delivered after it. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweep);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
