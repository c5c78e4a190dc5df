import { unknownView } from './presence-aggregator.js';
import type { PresenceSink } from './presence-service.js';

const EVENT_HEAD = '{"type":"presence","users":[';
const EVENT_TAIL = ']}';

/**
 * One flush's deliveries: per recipient user, the users whose presence they get and the users to
 * tell `unknown`. Recipients whose lists come out the same share one JSON (and so one frame).
 *
 * This is the hot path (a flush may have tens of thousands of recipients), so the common case
 * allocates nothing per recipient but a map entry: a recipient with one user to hear about (one
 * changed contact) is a string; a second user turns it into an array. Adds for one changed user
 * come in one run, so a repeat within the run is caught by comparing with the last one.
 */
export class Batch {
  readonly #sink: PresenceSink;
  readonly #one = new Map<string, string>();
  readonly #many = new Map<string, string[]>();
  readonly #hidden = new Map<string, string[]>();
  /** Set once adds may repeat earlier ones (visibility changes): lists are de-duplicated at send. */
  #mixed = false;

  constructor(sink: PresenceSink) {
    this.#sink = sink;
  }

  /** `recipient` gets `userId`'s current view (if some session of theirs subscribed). */
  add(recipient: string, userId: string): void {
    const one = this.#one.get(recipient);
    if (one !== undefined) {
      if (one === userId) return;
      this.#one.delete(recipient);
      this.#many.set(recipient, [one, userId]);
      return;
    }
    const many = this.#many.get(recipient);
    if (many) {
      if (many[many.length - 1] !== userId) many.push(userId);
    } else if (this.#sink.watching(recipient)) {
      this.#one.set(recipient, userId);
    }
  }

  /** `recipient` is told `userId` is unknown to them now. */
  hide(recipient: string, userId: string): void {
    const hidden = this.#hidden.get(recipient);
    if (hidden) hidden.push(userId);
    else if (this.#sink.watching(recipient)) this.#hidden.set(recipient, [userId]);
  }

  /** The changed users are all in: what is added from here on may repeat. */
  endOfChanges(): void {
    this.#mixed = true;
  }

  /** `jsonOf(user, self)`: the user's view as JSON, as they see themselves when `self`. */
  send(jsonOf: (userId: string, self: boolean) => string): void {
    const payloads = new Map<string, { json: string; to: string[] }>();
    const deliver = (recipient: string, shown: readonly string[], hidden: readonly string[] | undefined) => {
      // Their own entry differs from what others see only when hidden: then the payload is theirs.
      const own = shown.includes(recipient) && jsonOf(recipient, true) !== jsonOf(recipient, false);
      let key = shown.length === 1 ? (shown[0] ?? '') : shown.join('\n');
      if (hidden) key += '\t' + hidden.join('\n');
      if (own) key += '\tself:' + recipient;
      const known = payloads.get(key);
      if (known) {
        known.to.push(recipient);
        return;
      }
      let json = EVENT_HEAD;
      let first = true;
      for (const u of shown) {
        json += (first ? '' : ',') + jsonOf(u, own && u === recipient);
        first = false;
      }
      if (hidden) {
        for (const u of hidden) {
          json += (first ? '' : ',') + JSON.stringify(unknownView(u));
          first = false;
        }
      }
      payloads.set(key, { json: json + EVENT_TAIL, to: [recipient] });
    };
    const dedupe = (list: string[]) => (this.#mixed ? [...new Set(list)] : list);
    for (const [recipient, userId] of this.#one) {
      const hidden = this.#hidden.get(recipient);
      if (!hidden && userId !== recipient) {
        // The commonest case by far (one changed contact): keyed by the user id alone.
        const known = payloads.get(userId);
        if (known) known.to.push(recipient);
        else payloads.set(userId, { json: EVENT_HEAD + jsonOf(userId, false) + EVENT_TAIL, to: [recipient] });
        continue;
      }
      deliver(recipient, [userId], hidden && [...new Set(hidden)]);
    }
    for (const [recipient, users] of this.#many) {
      const hidden = this.#hidden.get(recipient);
      deliver(recipient, dedupe(users), hidden && [...new Set(hidden)]);
    }
    for (const [recipient, hidden] of this.#hidden) {
      if (!this.#one.has(recipient) && !this.#many.has(recipient))
        deliver(recipient, [], [...new Set(hidden)]);
    }
    for (const { json, to } of payloads.values()) this.#sink.deliver(to, json);
  }
}
