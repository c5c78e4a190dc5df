import type { LiveStreamSource, LiveStreamState, UserRef } from '@presence/protocol';

/**
 * Who is a streaming room's source, and who watches. Pure domain state (no I/O): the live
 * service feeds it the call's participants and tells the room about every change it reports;
 * WHIP ingest claims and releases external sources on it; relay trees use `source` as their root.
 *
 * Rules, per room:
 * - A member joins (`join`). When it is a streamer and there is no source, it becomes the source
 *   (state `live`). Everyone else watches.
 * - The source leaves, or is released, or stops being a streamer: the streamer present longest
 *   takes over; when there is none the stream `ended` (until a streamer joins or a source claims).
 * - An external source (`{ kind: 'external', id, displayName }`, e.g. OBS over WHIP) claims the
 *   stage with `claim`: granted when there is no source (or with `preempt`, replacing a member).
 *   It publishes into the room's SFU room as participant `id`; `release(room, id)` ends it.
 * - `viewers` = the members present that are not the source.
 * A room exists on the stage from its first `open`/`join`/`claim` until `close`.
 */

/** The source of a stream: a member's session in the call, or an external encoder. */
export type StageSource = LiveStreamSource;

/** A participant of a streaming room's call. */
export interface StageMember {
  /** The participant id (the session id). */
  id: string;
  user: UserRef;
  /** Whether they belong to the room's streamer group. */
  streamer: boolean;
}

/** What changed on a room's stage; `after: null` = the room left the stage (close). */
export interface StageChange {
  room: string;
  before: LiveStreamState | null;
  after: LiveStreamState | null;
  /** The source is another one than before (or went / came). */
  sourceChanged: boolean;
  /** Only the viewer count changed (listeners may coalesce these). */
  viewersOnly: boolean;
}

export type StageListener = (change: StageChange) => void;

interface RoomStage {
  /** Members in join order (Map keeps insertion order: the first streamer is the next source). */
  members: Map<string, StageMember>;
  source: StageSource | null;
  state: LiveStreamState['state'];
  since: number | null;
}

/** The id a source is known by: the participant id, or the external source's id. */
export function sourceId(source: StageSource): string {
  return source.kind === 'participant' ? source.participant : source.id;
}

export class StreamStage {
  readonly #rooms = new Map<string, RoomStage>();
  readonly #listeners = new Set<StageListener>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Put a room on the stage (no-op when it is there): state `waiting`. */
  open(room: string): LiveStreamState {
    this.#open(room);
    return this.snapshot(room) as LiveStreamState;
  }

  /** Take a room off the stage (streaming turned off, or the call and every source are gone). */
  close(room: string): void {
    const before = this.snapshot(room);
    if (!before) return;
    this.#rooms.delete(room);
    this.#emit({ room, before, after: null, sourceChanged: before.source !== null, viewersOnly: false });
  }

  has(room: string): boolean {
    return this.#rooms.has(room);
  }

  /** The rooms on the stage. */
  rooms(): string[] {
    return [...this.#rooms.keys()];
  }

  /**
   * A participant joined the call (again: its streamer flag is updated, keeping its place in the
   * join order; a source that is no longer a streamer hands over, as with setStreamer).
   */
  join(room: string, member: StageMember): LiveStreamState {
    this.#change(room, (r) => {
      r.members.set(member.id, member);
      if (!member.streamer && r.source && sourceId(r.source) === member.id) this.#handOver(r);
      else if (!r.source && member.streamer) this.#goLive(r, this.#memberSource(member));
    });
    return this.snapshot(room) as LiveStreamState;
  }

  /** A participant left the call; when it was the source, the next streamer takes over. */
  leave(room: string, participant: string): void {
    if (!this.#rooms.get(room)?.members.has(participant)) return;
    this.#change(room, (r) => {
      r.members.delete(participant);
      if (r.source && sourceId(r.source) === participant) this.#handOver(r);
    });
  }

  /** The streamer group changed for a participant: a source that is no longer a streamer hands over. */
  setStreamer(room: string, participant: string, streamer: boolean): void {
    const m = this.#rooms.get(room)?.members.get(participant);
    if (!m || m.streamer === streamer) return;
    this.#change(room, (r) => {
      r.members.set(participant, { ...m, streamer });
      if (!streamer && r.source && sourceId(r.source) === participant) this.#handOver(r);
      else if (streamer && !r.source) this.#goLive(r, this.#memberSource(m));
    });
  }

  /**
   * Become the room's source. Granted (true) when there is no source, when `source` is it already,
   * or with `preempt` (the current source becomes a viewer, or, external, just stops). A member
   * source must be a streamer present in the call.
   */
  claim(room: string, source: StageSource, options: { preempt?: boolean } = {}): boolean {
    const r = this.#rooms.get(room);
    if (source.kind === 'participant' && !r?.members.get(source.participant)?.streamer) return false;
    if (r?.source && sourceId(r.source) === sourceId(source)) return true;
    if (r?.source && !options.preempt) return false;
    this.#change(room, (stage) => this.#goLive(stage, source));
    return true;
  }

  /** The source `id` stops (external source gone, member unpublished): the next streamer takes over. */
  release(room: string, id: string): void {
    const r = this.#rooms.get(room);
    if (!r?.source || sourceId(r.source) !== id) return;
    this.#change(room, (stage) => this.#handOver(stage, id));
  }

  snapshot(room: string): LiveStreamState | null {
    const r = this.#rooms.get(room);
    if (!r) return null;
    return { state: r.state, source: r.source, viewers: this.#viewers(r).length, since: r.since };
  }

  source(room: string): StageSource | null {
    return this.#rooms.get(room)?.source ?? null;
  }

  /** The source's id (participant id or external id), or null. */
  sourceId(room: string): string | null {
    const s = this.source(room);
    return s ? sourceId(s) : null;
  }

  isSource(room: string, participant: string): boolean {
    return this.sourceId(room) === participant;
  }

  /** Participant ids of those who watch. */
  viewers(room: string): string[] {
    const r = this.#rooms.get(room);
    return r ? this.#viewers(r) : [];
  }

  /** Listen to changes; returns the function that stops listening. */
  on(listener: StageListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #open(room: string): RoomStage {
    let r = this.#rooms.get(room);
    if (!r) {
      r = { members: new Map(), source: null, state: 'waiting', since: null };
      this.#rooms.set(room, r);
    }
    return r;
  }

  #viewers(r: RoomStage): string[] {
    const src = r.source ? sourceId(r.source) : null;
    return [...r.members.keys()].filter((id) => id !== src);
  }

  #memberSource(m: StageMember): StageSource {
    return { kind: 'participant', participant: m.id, user: m.user };
  }

  #goLive(r: RoomStage, source: StageSource): void {
    r.source = source;
    r.state = 'live';
    r.since = this.#now();
  }

  /** The source went: the streamer present longest (not `except`) takes over, or the stream ends. */
  #handOver(r: RoomStage, except?: string): void {
    const gone = except ?? (r.source ? sourceId(r.source) : null);
    const next = [...r.members.values()].find((m) => m.streamer && m.id !== gone);
    if (next) {
      this.#goLive(r, this.#memberSource(next));
    } else {
      r.source = null;
      r.state = 'ended';
      r.since = null;
    }
  }

  #change(room: string, mutate: (r: RoomStage) => void): void {
    const before = this.snapshot(room);
    mutate(this.#open(room));
    const after = this.snapshot(room) as LiveStreamState;
    const beforeId = before?.source ? sourceId(before.source) : null;
    const afterId = after.source ? sourceId(after.source) : null;
    const sourceChanged = beforeId !== afterId;
    const same =
      before !== null && before.state === after.state && !sourceChanged && before.since === after.since;
    if (same && before.viewers === after.viewers) return;
    this.#emit({ room, before, after, sourceChanged, viewersOnly: same });
  }

  #emit(change: StageChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own; the others still hear the change.
      }
    }
  }
}
