import type { RoomEvent, RoomPosition } from '@presence/protocol';

/** What the tracker needs from the client. */
export interface PositionHooks {
  /** Deliver an event to the application, in seq order, exactly once. */
  emit(event: RoomEvent): void;
  /** The room's position is void or a gap could not be filled: the application must reload it. */
  resync(room: string): void;
  /** Fetch events after `after` (room.history). */
  fetchHistory(room: string, after: number): Promise<{ events: RoomEvent[] }>;
}

interface RoomState {
  readonly room: string;
  epoch: string;
  /** The seq of the last event delivered (or the snapshot's seq). */
  seq: number;
  /** Events past a gap, sorted by seq, held until the gap is filled. */
  buffer: RoomEvent[];
  filling: boolean;
}

/**
 * Bounds the events held while a gap is being fetched. Dropping beyond it is safe: the fill keeps
 * fetching history, and any event still missing afterwards shows up as a new gap on the next event.
 */
const MAX_BUFFERED = 1000;

/**
 * Keeps {epoch, seq} per joined room and turns the raw event stream into an exactly-once, in-order
 * stream: duplicates (seq ≤ position) are dropped, and a gap (seq > position + 1) is filled from
 * room.history before the event that revealed it is delivered.
 */
export class PositionTracker {
  private readonly rooms = new Map<string, RoomState>();

  constructor(private readonly hooks: PositionHooks) {}

  /** Start (or restart, after a fresh snapshot) tracking a room. */
  set(room: string, epoch: string, seq: number): void {
    // A new object: a fill still running for the old state sees it was superseded and stops.
    this.rooms.set(room, { room, epoch, seq, buffer: [], filling: false });
  }

  /** Stop tracking a room (left, or its position became void). */
  forget(room: string): void {
    this.rooms.delete(room);
  }

  get(room: string): RoomPosition | undefined {
    const state = this.rooms.get(room);
    return state && { room, epoch: state.epoch, seq: state.seq };
  }

  /** Positions for `hello.rooms`: where delivery stopped, never past a gap. */
  positions(): RoomPosition[] {
    return [...this.rooms.values()].map((s) => ({ room: s.room, epoch: s.epoch, seq: s.seq }));
  }

  /** Feed one live (or replayed) event. */
  handle(event: RoomEvent): void {
    const state = this.rooms.get(event.room);
    if (!state) {
      // Not joined through this client (or forgotten after a failed recovery): nothing to compare
      // against, so pass it through rather than hide it.
      this.hooks.emit(event);
      return;
    }
    if (event.epoch !== state.epoch) {
      // The room's numbering restarted: the old position means nothing. Follow the new epoch from
      // here so later events are still de-duplicated, and tell the app to reload the room.
      this.set(event.room, event.epoch, event.seq);
      this.hooks.resync(event.room);
      this.hooks.emit(event);
      return;
    }
    if (event.seq <= state.seq) return;
    if (!state.filling && event.seq === state.seq + 1) {
      this.deliver(state, event);
      return;
    }
    this.buffer(state, event);
    if (!state.filling) void this.fill(state);
  }

  private deliver(state: RoomState, event: RoomEvent): void {
    state.seq = event.seq;
    this.hooks.emit(event);
  }

  private buffer(state: RoomState, event: RoomEvent): void {
    const buffer = state.buffer;
    if (buffer.some((e) => e.seq === event.seq) || buffer.length >= MAX_BUFFERED) return;
    const at = buffer.findIndex((e) => e.seq > event.seq);
    if (at === -1) buffer.push(event);
    else buffer.splice(at, 0, event);
  }

  /** Deliver buffered events that are now contiguous with the position. */
  private drain(state: RoomState): void {
    let next = state.buffer[0];
    while (next && next.seq <= state.seq + 1) {
      state.buffer.shift();
      if (next.seq === state.seq + 1) this.deliver(state, next);
      next = state.buffer[0];
    }
  }

  private current(state: RoomState): boolean {
    return this.rooms.get(state.room) === state;
  }

  private async fill(state: RoomState): Promise<void> {
    state.filling = true;
    try {
      for (;;) {
        this.drain(state);
        if (state.buffer.length === 0 || !this.current(state)) return;
        const before = state.seq;
        let events: RoomEvent[] = [];
        try {
          events = (await this.hooks.fetchHistory(state.room, state.seq)).events;
        } catch {
          // Handled below like an empty page: the gap cannot be filled.
        }
        if (!this.current(state)) return;
        for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
          if (event.epoch !== state.epoch || event.seq <= state.seq) continue;
          // History skips only seqs it no longer has: they are lost for good, so say so and go on.
          if (event.seq !== state.seq + 1) this.hooks.resync(state.room);
          this.deliver(state, event);
        }
        this.drain(state);
        const first = state.buffer[0];
        if (state.seq === before && first) {
          // Nothing came back for the gap (history window exceeded, request failed): skip it and
          // tell the app its view of the room is incomplete.
          this.hooks.resync(state.room);
          state.seq = first.seq - 1;
        }
      }
    } finally {
      state.filling = false;
    }
  }
}
