import { OutboundFrame } from '../transport/outbound-frame.js';
import type { Session } from './session.js';
import type { SessionHooks } from './session-manager.js';

/**
 * Which sessions each user has on this node, for messages addressed to a user rather than a room
 * (presence, contact events, direct messages). Kept current through session hooks. Each message is
 * serialized once and the same frame goes to every session of the user.
 */
export class UserDirectory {
  readonly #byUser = new Map<string, Set<Session>>();

  hooks(): SessionHooks {
    return {
      created: (session) => {
        let set = this.#byUser.get(session.user.id);
        if (!set) {
          set = new Set();
          this.#byUser.set(session.user.id, set);
        }
        set.add(session);
      },
      ended: (session) => {
        const set = this.#byUser.get(session.user.id);
        if (!set) return;
        set.delete(session);
        if (set.size === 0) this.#byUser.delete(session.user.id);
      },
    };
  }

  /** The user's sessions on this node (attached or within their grace period). */
  sessionsOf(userId: string): readonly Session[] {
    return [...(this.#byUser.get(userId) ?? [])];
  }

  /** True when the user has a session here. */
  has(userId: string): boolean {
    return this.#byUser.has(userId);
  }

  /**
   * Send a message to every connected session of a user (optionally only those that `accept`).
   * Returns how many connections it was written to (or is waiting for, behind a welcome).
   */
  send(userId: string, message: object | string, accept: (s: Session) => boolean = () => true): number {
    const sessions = this.#byUser.get(userId);
    if (!sessions) return 0;
    const frame = new OutboundFrame(typeof message === 'string' ? message : JSON.stringify(message));
    let n = 0;
    // sendToUser, not conn.send: a session still answering its hello gets the frame after the welcome.
    for (const s of sessions) if (accept(s) && s.sendToUser(frame)) n++;
    return n;
  }
}
