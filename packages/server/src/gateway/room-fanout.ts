import type { Broker, BrokerMessage } from '../broker/broker.js';
import { OutboundFrame } from '../transport/outbound-frame.js';
import type { Session } from './session.js';

/**
 * This node's side of fan-out: which local sessions are in which room. One broker subscription per
 * room per node; each message becomes one OutboundFrame (serialized and framed once) that every
 * local session in the room writes as the same bytes.
 */
export class RoomFanout {
  readonly #broker: Broker;
  readonly #rooms = new Map<string, { sessions: Set<Session>; unsubscribe: () => void }>();
  readonly #onDelivered: (count: number) => void;

  constructor(broker: Broker, onDelivered: (count: number) => void) {
    this.#broker = broker;
    this.#onDelivered = onDelivered;
  }

  add(room: string, session: Session): void {
    let entry = this.#rooms.get(room);
    if (!entry) {
      const sessions = new Set<Session>();
      const unsubscribe = this.#broker.subscribe(room, (m) => this.#deliver(m, sessions));
      entry = { sessions, unsubscribe };
      this.#rooms.set(room, entry);
    }
    entry.sessions.add(session);
  }

  remove(room: string, session: Session): void {
    const entry = this.#rooms.get(room);
    if (!entry) return;
    entry.sessions.delete(session);
    if (entry.sessions.size === 0) {
      entry.unsubscribe();
      this.#rooms.delete(room);
    }
  }

  #deliver(message: BrokerMessage, sessions: Set<Session>): void {
    const frame = new OutboundFrame(message.json, message.seq);
    let sent = 0;
    for (const session of sessions) if (session.deliver(message.room, frame)) sent++;
    this.#onDelivered(sent);
  }
}
