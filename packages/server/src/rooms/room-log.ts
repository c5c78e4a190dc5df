import type { RoomEvent } from '@presence/protocol';
import type { Broker } from '../broker/broker.js';
import type { Store } from '../store/store.js';
import type { Room } from './room.js';

/** Distributes `Omit` over the RoomEvent union so each variant keeps its own fields. */
export type RoomEventBody = RoomEvent extends infer E
  ? E extends RoomEvent
    ? Omit<E, 'room' | 'epoch' | 'seq' | 'ts'>
    : never
  : never;

/**
 * Appends events to a room's log. Callers run inside the room's queue. For a persistent room the
 * event is committed to the store before anything else happens, so an acknowledged event is never
 * lost; the seq only advances once that succeeded, so a failed write leaves no hole.
 */
export class RoomLog {
  readonly #store: Store;
  readonly #broker: Broker;

  constructor(store: Store, broker: Broker) {
    this.#store = store;
    this.#broker = broker;
  }

  async append(room: Room, body: RoomEventBody): Promise<RoomEvent> {
    const event = {
      ...body,
      room: room.id,
      epoch: room.epoch,
      seq: room.seq + 1,
      ts: Date.now(),
    } as RoomEvent;
    if (room.persistent) await this.#store.appendEvent(event);
    room.seq = event.seq;
    await this.#broker.publish({ room: room.id, seq: event.seq, json: JSON.stringify(event) }, room.epoch);
    return event;
  }

  /** Fan out something that is not part of the log (typing, presence). */
  async transient(room: Room, message: object): Promise<void> {
    await this.#broker.publish({ room: room.id, seq: null, json: JSON.stringify(message) });
  }
}
