import type { Logger } from '../ops/logger.js';
import type { MembershipObserver, Room } from '../rooms/room.js';

/** Where accepted contacts come from (`store.social` in the server, a table in tests and benches). */
export interface ContactSource {
  /** Ids of the user's accepted contacts; the relation is mutual (both directions accepted). */
  contactIds(userId: string): Promise<string[]>;
}

/** Where announcements go: a flush's batch (presence-batch.ts). */
export interface Announcer {
  /** `recipient` gets `userId`'s current presence. */
  add(recipient: string, userId: string): void;
  /** `recipient` is told to forget `userId` (`unknown`). */
  hide(recipient: string, userId: string): void;
}

/** Visibility changes since the last flush, for the PresenceService to turn into deltas. */
export interface VisibilityChanges {
  /** Users added to a loaded room's member list, per room: they and the room's members meet. */
  joins: Map<Room, Set<string>>;
  /** A user left a room (or, with user null, the whole room was unloaded): some pairs may part. */
  partings: { room: Room; user: string | null }[];
  /** Contact relations that changed (accepted, removed, blocked). */
  pairs: [string, string][];
}

/**
 * Who may see whom: a user's accepted contacts and the co-members of the loaded rooms they share,
 * nobody else. The relation is symmetric, which is what lets one lookup serve both directions: the
 * watchers of a user's changes are exactly the users that user may see.
 *
 * Room co-membership is kept as an index (user → loaded rooms), fed by the rooms' membership
 * observer, so that finding a user's peers costs their rooms' sizes, not the number of rooms.
 * Contact lists are cached only for users presence holds (the PresenceService loads and releases
 * them), so both maps are bounded by what is loaded and online.
 */
export class PresenceVisibility implements MembershipObserver {
  readonly #roomsOf = new Map<string, Set<Room>>();
  readonly #contacts = new Map<string, Set<string>>();
  readonly #loading = new Map<string, Promise<void>>();
  readonly #source: ContactSource;
  readonly #log: Logger | undefined;
  readonly #onChange: () => void;
  #changes: VisibilityChanges = { joins: new Map(), partings: [], pairs: [] };
  #pending = 0;

  /** `onChange` runs after every recorded change (the service schedules a flush). */
  constructor(deps: { contacts: ContactSource; log?: Logger; onChange: () => void }) {
    this.#source = deps.contacts;
    this.#log = deps.log;
    this.#onChange = deps.onChange;
  }

  /** Recorded changes not yet drained (the service flushes early past a bound). */
  get pending(): number {
    return this.#pending;
  }

  // --- rooms -------------------------------------------------------------------------------

  joined(room: Room, userId: string): void {
    let rooms = this.#roomsOf.get(userId);
    if (!rooms) {
      rooms = new Set();
      this.#roomsOf.set(userId, rooms);
    }
    rooms.add(room);
    let joiners = this.#changes.joins.get(room);
    if (!joiners) {
      joiners = new Set();
      this.#changes.joins.set(room, joiners);
    }
    joiners.add(userId);
    this.#record();
  }

  left(room: Room, userId: string): void {
    this.#forget(room, userId);
    this.#changes.joins.get(room)?.delete(userId);
    this.#changes.partings.push({ room, user: userId });
    this.#record();
  }

  unloaded(room: Room): void {
    for (const userId of room.members.keys()) this.#forget(room, userId);
    this.#changes.joins.delete(room);
    this.#changes.partings.push({ room, user: null });
    this.#record();
  }

  #forget(room: Room, userId: string): void {
    const rooms = this.#roomsOf.get(userId);
    if (!rooms) return;
    rooms.delete(room);
    if (rooms.size === 0) this.#roomsOf.delete(userId);
  }

  /** The loaded rooms `userId` is a member of. */
  roomsOf(userId: string): ReadonlySet<Room> | undefined {
    return this.#roomsOf.get(userId);
  }

  // --- contacts ----------------------------------------------------------------------------

  /** True once the user's contact list is cached (or known to be unavailable: then empty). */
  hasContacts(userId: string): boolean {
    return this.#contacts.has(userId);
  }

  /**
   * Cache the user's contact list (again, with `reload`). A store that fails leaves the list
   * empty: presence then falls back to room co-members rather than failing the session.
   */
  load(userId: string, reload = false): Promise<void> {
    const inFlight = this.#loading.get(userId);
    if (inFlight) return reload ? inFlight.then(() => this.load(userId, true)) : inFlight;
    if (!reload && this.#contacts.has(userId)) return Promise.resolve();
    const loading = Promise.resolve()
      .then(() => this.#source.contactIds(userId))
      .then(
        (ids) => {
          this.#contacts.set(userId, new Set(ids));
        },
        (err: unknown) => {
          this.#log?.debug({ err, userId }, 'contacts unavailable for presence');
          if (!this.#contacts.has(userId)) this.#contacts.set(userId, new Set());
        },
      )
      .finally(() => this.#loading.delete(userId));
    this.#loading.set(userId, loading);
    return loading;
  }

  /** Loads in flight (the flush waits for them, so it never decides on a half-loaded list). */
  inFlight(): Promise<void>[] {
    return [...this.#loading.values()];
  }

  /** Forget a user's list (they have no device and no subscriber left). */
  release(userId: string): void {
    this.#contacts.delete(userId);
  }

  /**
   * `a` and `b` became or stopped being contacts. Cached lists are reloaded before the pair is
   * recorded, so the flush that handles it sees the new relation.
   */
  async contactsChanged(a: string, b: string): Promise<void> {
    await Promise.all(
      [a, b].filter((u) => this.#contacts.has(u) || this.#loading.has(u)).map((u) => this.load(u, true)),
    );
    this.#changes.pairs.push([a, b]);
    this.#record();
  }

  // --- questions ---------------------------------------------------------------------------

  /** May `viewer` see `target`'s presence? Everyone may see themselves. */
  canSee(viewer: string, target: string): boolean {
    if (viewer === target) return true;
    if (this.#contacts.get(viewer)?.has(target) || this.#contacts.get(target)?.has(viewer)) return true;
    const a = this.#roomsOf.get(viewer);
    const b = this.#roomsOf.get(target);
    if (!a || !b) return false;
    const [small, large] = a.size <= b.size ? [a, b] : [b, a];
    for (const room of small) if (large.has(room)) return true;
    return false;
  }

  /**
   * Call `fn` for every user that may see `userId` (and whom `userId` may see), possibly more than
   * once for one user (a contact who is also a co-member): callers de-duplicate.
   */
  forEachPeer(userId: string, fn: (peer: string) => void): void {
    const contacts = this.#contacts.get(userId);
    if (contacts) for (const c of contacts) fn(c);
    const rooms = this.#roomsOf.get(userId);
    if (!rooms) return;
    for (const room of rooms) for (const m of room.members.keys()) if (m !== userId) fn(m);
  }

  /** Everyone `viewer` may see, themselves included (the subscribe snapshot). */
  visibleTo(viewer: string): Set<string> {
    const out = new Set<string>([viewer]);
    this.forEachPeer(viewer, (peer) => out.add(peer));
    return out;
  }

  /**
   * Turn recorded changes into deliveries for the users `watching` (subscribed here): who now
   * sees whom gets their presence, who no longer does gets `unknown` once. Decided on the
   * relation as it is now, so a join and a leave within one window cancel out.
   */
  announce(changes: VisibilityChanges, to: Announcer, watching: (userId: string) => boolean): void {
    // New co-members see each other: each joiner sees the room, the room sees each joiner.
    for (const [room, joiners] of changes.joins) {
      const present = [...joiners].filter((u) => room.members.has(u));
      if (present.length === 0) continue;
      for (const member of room.members.keys()) {
        if (!watching(member)) continue;
        if (joiners.has(member)) {
          // Themselves included: every joiner's list is then the same, and so is its payload.
          for (const other of room.members.keys()) to.add(member, other);
        } else {
          for (const joiner of present) to.add(member, joiner);
        }
      }
    }
    // Former co-members who may no longer see each other (no other shared room, not contacts).
    for (const { room, user } of changes.partings) {
      const members = [...room.members.keys()];
      if (user === null) {
        for (const viewer of members) {
          if (!watching(viewer)) continue;
          for (const other of members) {
            if (other !== viewer && !this.canSee(viewer, other)) to.hide(viewer, other);
          }
        }
        continue;
      }
      const userWatches = watching(user);
      for (const other of members) {
        if (other === user || this.canSee(user, other)) continue;
        if (watching(other)) to.hide(other, user);
        if (userWatches) to.hide(user, other);
      }
    }
    for (const [a, b] of changes.pairs) {
      if (this.canSee(a, b)) {
        to.add(a, b);
        to.add(b, a);
      } else {
        to.hide(a, b);
        to.hide(b, a);
      }
    }
  }

  /** Take the changes recorded since the last call. */
  drain(): VisibilityChanges {
    const changes = this.#changes;
    this.#changes = { joins: new Map(), partings: [], pairs: [] };
    this.#pending = 0;
    return changes;
  }

  #record(): void {
    this.#pending++;
    this.#onChange();
  }
}
