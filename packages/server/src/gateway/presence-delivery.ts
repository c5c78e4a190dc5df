import type { PresenceService, PresenceSink } from '../presence/presence-service.js';
import { OutboundFrame } from '../transport/outbound-frame.js';
import type { Session } from './session.js';
import type { SessionHooks } from './session-manager.js';

/**
 * The gateway's side of presence: sessions are devices, and the sessions that asked for
 * presence.subscribe are where `presence` events go. Each event the engine hands over becomes one
 * OutboundFrame (serialized and framed once) written to every subscribed session of its recipients.
 */
export class PresenceDelivery implements PresenceSink {
  readonly #byUser = new Map<string, Set<Session>>();
  readonly #onSent: (frames: number) => void;

  /** `onSent` counts frames written (metrics). */
  constructor(onSent: (frames: number) => void = () => undefined) {
    this.#onSent = onSent;
  }

  watching(userId: string): boolean {
    return this.#byUser.has(userId);
  }

  deliver(userIds: readonly string[], json: string): void {
    const frame = new OutboundFrame(json);
    let sent = 0;
    for (const userId of userIds) {
      const sessions = this.#byUser.get(userId);
      if (!sessions) continue;
      // The session's one outbound path holds it behind a welcome or a subscribe reply.
      for (const s of sessions) if (s.sendPresence(frame)) sent++;
    }
    this.#onSent(sent);
  }

  /**
   * Deliver presence events to `session` from now on, holding them until `release`: the caller
   * takes the snapshot in the same tick and releases after its reply is written, so no event is
   * missed between snapshot and subscription and none overtakes the snapshot.
   */
  subscribe(session: Session): void {
    session.holdPresence();
    let sessions = this.#byUser.get(session.user.id);
    if (!sessions) {
      sessions = new Set();
      this.#byUser.set(session.user.id, sessions);
    }
    sessions.add(session);
  }

  /** The subscribe reply is out: what arrived meanwhile follows it. */
  release(session: Session): void {
    session.releasePresence();
  }

  unsubscribe(session: Session): void {
    session.discardPresence();
    const sessions = this.#byUser.get(session.user.id);
    if (!sessions) return;
    sessions.delete(session);
    if (sessions.size === 0) this.#byUser.delete(session.user.id);
  }

  /**
   * Sessions are the devices: online from hello, offline only when the session ends after its
   * grace period (a mere disconnect shows nothing, so a device switch never flickers offline).
   */
  hooks(presence: PresenceService): SessionHooks {
    return {
      created: (session) => {
        presence.deviceOnline(session.user.id, session.id, {
          type: session.device.type,
          state: session.device.state,
        });
      },
      attached: (session, resumed) => {
        if (resumed) presence.deviceResumed(session.user.id, session.id);
      },
      detached: (session) => {
        presence.deviceDetached(session.user.id, session.id);
      },
      ended: (session) => {
        this.unsubscribe(session);
        presence.deviceEnded(session.user.id, session.id);
      },
    };
  }
}
