import { z } from 'zod';
import { roomRole, userRef, type RoomRole, type UserRef } from '@presence/protocol';
import type { Broker } from '../broker/broker.js';

/** Where every node of a cluster listens for guests that became accounts. */
const ADDRESS = 'cluster:user-merged';

const mergedMessage = z.object({
  from: z.string(),
  guest: z.string(),
  account: userRef,
  roles: z.array(z.tuple([z.string(), roomRole])),
});

/** What a node does when a guest became an account: its loaded rooms, status and sessions follow. */
export type ApplyMerge = (guest: string, account: UserRef, roles: Map<string, RoomRole>) => Promise<void>;

/**
 * A guest that registers or logs in may have sessions on several nodes and rooms homed on others
 * than the one that served the HTTP request. The store has moved its rows already; this tells
 * every other node to move what it holds in memory (rooms it homes, the status, the guest's
 * sessions, which are closed with SESSION_REPLACED) exactly as the serving node did.
 */
export class UserMergeRelay {
  readonly #broker: Broker;
  readonly #instanceId: string;
  readonly #unsubscribe: () => void;

  constructor(deps: {
    broker: Broker;
    instanceId: string;
    apply: ApplyMerge;
    onError: (err: unknown) => void;
  }) {
    this.#broker = deps.broker;
    this.#instanceId = deps.instanceId;
    this.#unsubscribe = deps.broker.subscribeDirect(ADDRESS, (json) => {
      const parsed = mergedMessage.safeParse(safeJson(json));
      // Only nodes of this cluster publish here; a malformed message is a bug elsewhere, not input.
      if (!parsed.success) return deps.onError(new Error('malformed user-merged message'));
      const m = parsed.data;
      if (m.from === this.#instanceId) return;
      deps.apply(m.guest, m.account, new Map(m.roles)).catch(deps.onError);
    });
  }

  /** Tell the other nodes (after this node applied the merge itself). */
  async announce(guest: string, account: UserRef, roles: Map<string, RoomRole>): Promise<void> {
    const message = { from: this.#instanceId, guest, account, roles: [...roles] };
    await this.#broker.sendDirect(ADDRESS, JSON.stringify(message));
  }

  close(): void {
    this.#unsubscribe();
  }
}

function safeJson(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}
