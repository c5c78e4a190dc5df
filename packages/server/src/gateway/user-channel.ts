import type { Broker } from '../broker/broker.js';
import type { UserChannel } from '../presence/contacts-service.js';
import type { SessionHooks } from './session-manager.js';
import type { UserDirectory } from './user-directory.js';

/**
 * Messages addressed to a user (contact events, direct messages): every connected session of the
 * user gets them, on this node directly and, in a cluster, on other nodes through the broker's
 * `user:<id>` address, which a node listens on while it has sessions of that user.
 */
export class BrokerUserChannel implements UserChannel {
  readonly #users: UserDirectory;
  readonly #broker: Broker;
  readonly #instanceId: string;
  readonly #clustered: boolean;
  readonly #listening = new Map<string, () => void>();

  /** `clustered` false: one node, nothing to relay. */
  constructor(deps: { users: UserDirectory; broker: Broker; instanceId: string; clustered: boolean }) {
    this.#users = deps.users;
    this.#broker = deps.broker;
    this.#instanceId = deps.instanceId;
    this.#clustered = deps.clustered;
  }

  /** Listen for a user's messages while this node has a session of theirs (after UserDirectory's hooks). */
  hooks(): SessionHooks {
    return {
      created: (session) => {
        const userId = session.user.id;
        if (!this.#clustered || this.#listening.has(userId)) return;
        const unsubscribe = this.#broker.subscribeDirect(`user:${userId}`, (payload) =>
          this.#fromOtherNode(userId, payload),
        );
        this.#listening.set(userId, unsubscribe);
      },
      ended: (session) => {
        const userId = session.user.id;
        if (this.#users.has(userId)) return;
        this.#listening.get(userId)?.();
        this.#listening.delete(userId);
      },
    };
  }

  /**
   * How many connections here, plus how many other nodes with a session of the user, got it. A
   * remote node counts as one whether its sessions are connected or in their grace period.
   */
  async send(userId: string, message: object | string, exceptSession?: string): Promise<number> {
    const json = typeof message === 'string' ? message : JSON.stringify(message);
    const here = this.#users.send(userId, json, (s) => s.id !== exceptSession);
    if (!this.#clustered) return here;
    const listeners = await this.#broker.sendDirect(
      `user:${userId}`,
      `${this.#instanceId}\n${exceptSession ?? ''}\n${json}`,
    );
    const elsewhere = listeners - (this.#listening.has(userId) ? 1 : 0);
    return here + Math.max(0, elsewhere);
  }

  #fromOtherNode(userId: string, payload: string): void {
    const first = payload.indexOf('\n');
    const second = payload.indexOf('\n', first + 1);
    if (first < 0 || second < 0) return;
    // Our own relay comes back to us too; those sessions were served directly.
    if (payload.slice(0, first) === this.#instanceId) return;
    const except = payload.slice(first + 1, second);
    this.#users.send(userId, payload.slice(second + 1), (s) => s.id !== except);
  }
}
