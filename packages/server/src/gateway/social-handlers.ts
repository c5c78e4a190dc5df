import type { Logger } from '../ops/logger.js';
import type { ContactsService } from '../presence/contacts-service.js';
import type { DmService } from '../presence/dm-service.js';
import { OutboundFrame } from '../transport/outbound-frame.js';
import type { Handlers } from './handlers.js';
import type { SessionHooks } from './session-manager.js';

export type SocialRequestType =
  | 'contacts.list'
  | 'contacts.request'
  | 'contacts.accept'
  | 'contacts.deny'
  | 'contacts.cancel'
  | 'contacts.remove'
  | 'contacts.groups'
  | 'contacts.important'
  | 'contacts.block'
  | 'contacts.unblock'
  | 'dm.send'
  | 'dm.list'
  | 'dm.read';

export interface SocialDeps {
  contacts: ContactsService;
  dms: DmService;
}

/** Contacts and direct messages: each handler hands the request to its service. */
export function createSocialHandlers({ contacts, dms }: SocialDeps): Pick<Handlers, SocialRequestType> {
  return {
    'contacts.list': (ctx) => contacts.list(ctx.session.actor),
    'contacts.request': (ctx, r) => contacts.request(ctx.session.actor, r.user, r.message ?? null),
    'contacts.accept': async (ctx, r) => {
      await contacts.accept(ctx.session.actor, r.user);
      return {};
    },
    'contacts.deny': async (ctx, r) => {
      await contacts.deny(ctx.session.actor, r.user);
      return {};
    },
    'contacts.cancel': async (ctx, r) => {
      await contacts.cancel(ctx.session.actor, r.user);
      return {};
    },
    'contacts.remove': async (ctx, r) => {
      await contacts.remove(ctx.session.actor, r.user);
      return {};
    },
    'contacts.groups': async (ctx, r) => {
      await contacts.setGroups(ctx.session.actor, r.user, r.groups);
      return {};
    },
    'contacts.important': async (ctx, r) => {
      await contacts.setImportantGroup(ctx.session.actor, r.group);
      return {};
    },
    'contacts.block': async (ctx, r) => {
      await contacts.block(ctx.session.actor, r.user);
      return {};
    },
    'contacts.unblock': async (ctx, r) => {
      await contacts.unblock(ctx.session.actor, r.user);
      return {};
    },
    'dm.send': (ctx, r) => dms.send(ctx.session.actor, r.to, r.text, r.nonce),
    'dm.list': (ctx, r) => dms.list(ctx.session.actor, r.limit),
    'dm.read': (ctx, r) => dms.read(ctx.session.actor, r.peer),
  };
}

/**
 * What waited for a user while they were away reaches them when a session of theirs starts:
 * requests still unanswered (to the new session only: the user's other sessions saw them live) and
 * kept direct messages (to every session of the user, taken from the store exactly once). Resumed
 * sessions are given kept messages too: some may have been kept during the grace period.
 */
export function socialSessionHooks(deps: SocialDeps & { log: Logger }): SessionHooks {
  return {
    attached(session, resumed) {
      void (async () => {
        if (!resumed) {
          for (const event of await deps.contacts.pendingRequests(session.user.id)) {
            session.sendToUser(OutboundFrame.of(event));
          }
        }
        await deps.dms.deliverKept(session.user.id);
      })().catch((err: unknown) => {
        // Nothing is lost: requests stay listed, and kept messages stay in the store (the take is
        // one transaction) until the next session start.
        deps.log.warn({ err, user: session.user.id }, 'waiting contact requests or messages not delivered');
      });
    },
  };
}
