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

  /**
   * `hint.plainText`: the caller rendered a message's text on the plain path (its html is `<p>` +
   * the text + `</p>` and the text needs no escaping but of `"`), so that is not checked again.
   */
  async append(room: Room, body: RoomEventBody, hint?: { plainText: boolean }): Promise<RoomEvent> {
    // The caller's body is a literal made for this call: it becomes the event in place (the same
    // keys in the same order as a copy with room, epoch, seq and ts last), no copy on the hot path.
    const event = body as RoomEvent;
    event.room = room.id;
    event.epoch = room.epoch;
    event.seq = room.seq + 1;
    event.ts = Date.now();
    if (room.persistent) await this.#store.appendEvent(event);
    room.seq = event.seq;
    if (event.type === 'message') {
      const { json, lean } = this.#messageJson(room, event, hint?.plainText === true);
      await this.#broker.publish(
        lean === undefined
          ? { room: room.id, seq: event.seq, json }
          : { room: room.id, seq: event.seq, json, lean },
        room.epoch,
      );
    } else {
      await this.#broker.publish({ room: room.id, seq: event.seq, json: JSON.stringify(event) }, room.epoch);
    }
    return event;
  }

  /**
   * A message event serialized in both shapes from parts stringified once (the text is the
   * largest, and the full shape's `html` is usually `<p>` + it): the full shape byte for byte as
   * `JSON.stringify(event)` writes it, and the lean one for `v: 2` sessions (docs/protocol.md,
   * "Lean messages"), which is undefined when the sender is not a member as the room knows them
   * (a service post as `system`, a name changed since): then `v: 2` sessions get the full shape,
   * which they read as well.
   */
  #messageJson(
    room: Room,
    event: Extract<RoomEvent, { type: 'message' }>,
    plainText: boolean,
  ): { json: string; lean: string | undefined } {
    const { from, text, html } = event;
    // Plain text has nothing JSON escapes but `"` (no backslash, control or lone surrogate).
    const textJson = plainText && !text.includes('"') ? `"${text}"` : JSON.stringify(text);
    // `<p>` + text + `</p>` stringifies as the text's JSON inside them: the tags need no escapes.
    const wrapped =
      plainText ||
      (html.length === text.length + 7 &&
        html.startsWith('<p>') &&
        html.endsWith('</p>') &&
        html.startsWith(text, 3));
    const htmlJson = wrapped ? `"<p>${textJson.slice(1, -1)}</p>"` : JSON.stringify(html);
    // The optional fields, in the event's own order (nonce, reply, mentions, file).
    let extras = '';
    for (const key in event) {
      if (key === 'type' || key === 'from' || key === 'text' || key === 'html') continue;
      if (key === 'room') break; // room, epoch, seq, ts come last (append sets them)
      const value = (event as Record<string, unknown>)[key];
      if (value !== undefined) extras += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
    }
    const roomJson = JSON.stringify(room.id);
    const tail = `"seq":${event.seq},"ts":${event.ts}`;
    const json =
      `{"type":"message","from":${JSON.stringify(from)},"text":${textJson},"html":${htmlJson}${extras}` +
      `,"room":${roomJson},"epoch":${JSON.stringify(event.epoch)},${tail}}`;
    const member = room.members.get(from.id);
    if (member === undefined || member.ref.name !== from.name || member.ref.avatar !== from.avatar) {
      return { json, lean: undefined };
    }
    // The markdown fast path leaves quotes unescaped (harmless in text); < > & never are.
    const plain = plainText || (wrapped && !/[<>&]/.test(text)) || html === plainHtml(text);
    const lean =
      `{"type":"message","text":${textJson}${extras},"room":${roomJson},${tail}` +
      `,"from":${JSON.stringify(shortSender(from.id, this.#domain))}${plain ? '' : `,"html":${htmlJson}`}}`;
    return { json, lean };
  }

  /** Fan out something that is not part of the log (typing, presence). */
  async transient(room: Room, message: object): Promise<void> {
    await this.#broker.publish({ room: room.id, seq: null, json: JSON.stringify(message) });
  }
}
