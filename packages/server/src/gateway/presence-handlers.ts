import { PresenceError } from '@presence/protocol';
import { isGuestId } from '../identity/identity-service.js';
import type { DeviceTokens } from '../presence/device-tokens.js';
import type { DmService } from '../presence/dm-service.js';
import type { Logger } from '../ops/logger.js';
import type { PresenceService } from '../presence/presence-service.js';
import type { Handlers } from './handlers.js';
import type { PresenceDelivery } from './presence-delivery.js';

type PresenceRequestType =
  'presence.set' | 'presence.subscribe' | 'presence.unsubscribe' | 'presence.deviceToken';

export interface PresenceHandlerDeps {
  presence: PresenceService;
  delivery: PresenceDelivery;
  tokens: DeviceTokens;
  /** Kept direct messages go out when the user's state starts accepting them. */
  dms: Pick<DmService, 'deliverKeptOnChange'>;
  log: Pick<Logger, 'warn'>;
  /** Federation: a subscriber's users on other servers are asked for (first watch). */
  remote?: { watch(viewer: string, userIds: readonly string[]): void } | undefined;
}

/** Presence. (Contacts and direct messages are in social-handlers.ts.) */
export function createPresenceHandlers(deps: PresenceHandlerDeps): Pick<Handlers, PresenceRequestType> {
  const { presence, delivery, tokens, dms, log, remote } = deps;
  return {
    'presence.set': async ({ session, afterReply }, r) => {
      // The session keeps its device facts too, for whoever looks at a session.
      session.setDevice({
        ...(r.state !== undefined ? { state: r.state } : {}),
        ...(r.device !== undefined ? { type: r.device } : {}),
        ...(r.idleSince !== undefined ? { idleSince: r.idleSince } : {}),
      });
      const before = presence.stateFor(session.user.id);
      const own = presence.set(session.user.id, session.id, {
        state: r.state,
        status: r.status,
        idleSince: r.idleSince,
        device: r.device,
        hidden: r.hidden,
      });
      // The state others see decides, as it does for a new DM: a hidden user still looks offline,
      // and delivering (and telling the senders) would reveal them.
      const now = presence.stateFor(session.user.id);
      if (now !== before) {
        afterReply(() => {
          dms.deliverKeptOnChange(session.user.id, now).catch((err: unknown) => {
            // Nothing is lost: the take is one transaction, and untaken messages wait for the next change.
            log.warn({ err, user: session.user.id }, 'kept direct messages not delivered on presence change');
          });
        });
      }
      return { presence: own };
    },
    'presence.subscribe': async ({ session, afterReply }) => {
      await presence.prepare(session.user.id);
      const users = presence.snapshot(session.user.id);
      // Subscribed in the same tick as the snapshot is taken, so no change falls between them;
      // events are held until the reply is out, so none overtakes it. Again: a fresh snapshot.
      delivery.subscribe(session);
      afterReply(() => delivery.release(session));
      remote?.watch(
        session.user.id,
        users.map((u) => u.user),
      );
      return { presence: users };
    },
    'presence.unsubscribe': async ({ session }) => {
      delivery.unsubscribe(session);
      return {};
    },
    'presence.deviceToken': async ({ session }, r) => {
      // A token outlives any session; a guest's identity does not, so guests get none.
      if (isGuestId(session.user.id)) {
        throw new PresenceError('FORBIDDEN', 'Guests cannot register devices; sign in with an account.');
      }
      return { token: await tokens.create(session.user.id, r.name, r.device ?? 'bot') };
    },
  };
}
