import type { UserRef } from '@presence/protocol';

/**
 * Who is acting: a user through one of their sessions. Domain services never see sockets. Every
 * layer from the gateway down speaks of actors, so the type lives below all of them.
 */
export interface Actor {
  user: UserRef;
  sessionId: string;
  /** The client's address when the session acts over a connection (per-address limits). */
  address?: string;
}
