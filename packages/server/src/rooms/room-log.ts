import { plainHtml, shortSender, type RoomEvent } from '@presence/protocol';
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
  /** The server's domain: lean messages name its users by the part before `@`. */
  readonly #domain: string;

  constructor(store: Store, broker: Broker, domain = 'localhost') {
    this.#store = store;
    this.#broker = broker;
    this.#domain = domain;
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
    const json = JSON.stringify(event);
    const lean = event.type === 'message' ? this.#lean(room, event) : undefined;
    await this.#broker.publish(
      lean === undefined
        ? { room: room.id, seq: event.seq, json }
        : { room: room.id, seq: event.seq, json, lean },
      room.epoch,
    );
    return event;
  }

  /**
   * The message in the lean shape for `v: 2` sessions (docs/protocol.md, "Lean messages"), or
   * undefined when the sender is not a member as the room knows them (a service post as `system`, a
   * name changed since): then `v: 2` sessions get the full shape, which they read as well.
   */
  #lean(room: Room, event: Extract<RoomEvent, { type: 'message' }>): string | undefined {
    const from = event.from;
    const member = room.members.get(from.id);
    if (member === undefined || member.ref.name !== from.name || member.ref.avatar !== from.avatar) {
      return undefined;
    }
    const { from: _from, epoch: _epoch, html, ...rest } = event;
    // The markdown fast path leaves quotes unescaped (harmless in text); < > & never are.
    const plain =
      (html === `<p>${event.text}</p>` && !/[<>&]/.test(event.text)) || html === plainHtml(event.text);
    return JSON.stringify({
      ...rest,
      from: shortSender(from.id, this.#domain),
      ...(plain ? {} : { html }),
    });
  }

  /** Fan out something that is not part of the log (typing, presence). */
  async transient(room: Room, message: object): Promise<void> {
    await this.#broker.publish({ room: room.id, seq: null, json: JSON.stringify(message) });
  }
}
