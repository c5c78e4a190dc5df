import { z } from 'zod';
import { displayName, timestamp, userId } from './ids.js';
import { userRef } from './models.js';
import { request } from './request-schema.js';
import { PRESENCE_LIMITS } from './limits.js';

/** What a device can say about itself. `offline` is never set: it is what no device means. */
export const deviceState = z.enum(['chatty', 'online', 'busy', 'away']);
export type DeviceState = z.infer<typeof deviceState>;

/**
 * A user's presence as others see it. Most available device wins (chatty > online > busy > away);
 * every device idle → away; no device → offline; a hidden user is offline to everyone else;
 * `unknown` when this server cannot know (e.g. a remote server has not answered).
 */
export const presenceState = z.enum(['chatty', 'online', 'busy', 'away', 'offline', 'unknown']);
export type PresenceState = z.infer<typeof presenceState>;

export const deviceType = z.enum(['desktop', 'mobile', 'web', 'bot']);
export type DeviceType = z.infer<typeof deviceType>;

export const userPresence = z.object({
  user: userId,
  state: presenceState,
  /** Free text ("in a meeting"); null when none or when offline. */
  status: z.string().nullable(),
  /** True when every active device is a mobile one. */
  mobile: z.boolean(),
  /** When the user was last active, rounded down to the minute; null when never seen. */
  lastActive: timestamp.nullable(),
});
export type UserPresence = z.infer<typeof userPresence>;

const groupName = z.string().trim().min(1).max(PRESENCE_LIMITS.groupName);

/** One contact as its owner sees it. */
export const contact = z.object({
  user: userRef,
  /** Labels the owner gave this contact (a contact may be in several groups). */
  groups: z.array(groupName),
  since: timestamp,
});
export type Contact = z.infer<typeof contact>;

export const contactRequest = z.object({
  user: userRef,
  message: z.string().nullable(),
  at: timestamp,
});

export const presenceRequestSchemas = {
  /** Set this device's state, status text, idleness, type, or the user's hidden flag. */
  'presence.set': request('presence.set', {
    state: deviceState.optional(),
    /** null clears the text. The text is per user: the latest set wins on every device. */
    status: z.string().max(PRESENCE_LIMITS.statusLength).nullable().optional(),
    /** When this device became idle; null: active now. */
    idleSince: timestamp.nullable().optional(),
    device: deviceType.optional(),
    /** Look offline to everyone else while keeping full use. */
    hidden: z.boolean().optional(),
  }),
  /** Start receiving `presence` events; the reply is the snapshot of everyone you may see. */
  'presence.subscribe': request('presence.subscribe', {}),
  'presence.unsubscribe': request('presence.unsubscribe', {}),
  /** A token for a device without a socket to report its state over HTTP (POST /api/presence). */
  'presence.deviceToken': request('presence.deviceToken', {
    name: displayName,
    device: deviceType.optional(),
  }),
  'contacts.list': request('contacts.list', {}),
  /** Ask to add someone; accepted at once when they already asked you. */
  'contacts.request': request('contacts.request', {
    user: userId,
    message: z.string().max(PRESENCE_LIMITS.contactMessage).optional(),
  }),
  'contacts.accept': request('contacts.accept', { user: userId }),
  'contacts.deny': request('contacts.deny', { user: userId }),
  /** Withdraw your own pending request. */
  'contacts.cancel': request('contacts.cancel', { user: userId }),
  'contacts.remove': request('contacts.remove', { user: userId }),
  /** Set the groups (labels) of a contact. */
  'contacts.groups': request('contacts.groups', {
    user: userId,
    groups: z.array(groupName).max(PRESENCE_LIMITS.groups),
  }),
  /** Mark one of your groups as important (busy still lets its members reach you); null: none. */
  'contacts.important': request('contacts.important', { group: groupName.nullable() }),
  'contacts.block': request('contacts.block', { user: userId }),
  'contacts.unblock': request('contacts.unblock', { user: userId }),
  /** A direct message, delivered only if the recipient's presence allows it (see docs). */
  'dm.send': request('dm.send', {
    to: userId,
    text: z.string().min(1).max(16_000),
    nonce: z.string().min(1).max(64).optional(),
  }),
} as const;

export const contactsSnapshot = z.object({
  contacts: z.array(contact),
  incoming: z.array(contactRequest),
  outgoing: z.array(contactRequest),
  blocked: z.array(userRef),
  importantGroup: z.string().nullable(),
});

export const presenceResultSchemas = {
  'presence.set': z.object({ presence: userPresence }),
  'presence.subscribe': z.object({ presence: z.array(userPresence) }),
  'presence.unsubscribe': z.object({}),
  'presence.deviceToken': z.object({ token: z.string() }),
  'contacts.list': contactsSnapshot,
  'contacts.request': z.object({ status: z.enum(['pending', 'accepted']) }),
  'contacts.accept': z.object({}),
  'contacts.deny': z.object({}),
  'contacts.cancel': z.object({}),
  'contacts.remove': z.object({}),
  'contacts.groups': z.object({}),
  'contacts.important': z.object({}),
  'contacts.block': z.object({}),
  'contacts.unblock': z.object({}),
  'dm.send': z.object({
    /** delivered: the recipient has it now; queued: kept and delivered when the recipient returns. */
    outcome: z.enum(['delivered', 'queued']),
    id: z.string(),
    ts: timestamp,
    /** Sanitized HTML rendered from the text, as in the `dm` event: the sender shows it as sent. */
    html: z.string(),
  }),
} as const;

/** Presence changes, coalesced and batched: one event carries every visible user that changed. */
export const presenceEvent = z.object({ type: z.literal('presence'), users: z.array(userPresence) });

/** Something happened to your contact list. */
export const contactEvent = z.object({
  type: z.literal('contact'),
  kind: z.enum(['request', 'accepted', 'denied', 'cancelled', 'removed']),
  user: userRef,
  message: z.string().nullable().optional(),
});

export const dmEvent = z.object({
  type: z.literal('dm'),
  id: z.string(),
  from: userRef,
  to: userId,
  text: z.string(),
  html: z.string(),
  ts: timestamp,
  /** True when it was kept while you were away and delivered on your return. */
  offline: z.boolean(),
});

/**
 * A direct message you sent that was kept (`dm.send` answered `queued`) has reached the recipient:
 * sent to every session of yours when their presence accepted it or a session of theirs started.
 */
export const dmDeliveredEvent = z.object({
  type: z.literal('dm.delivered'),
  /** The id `dm.send` answered with. */
  id: z.string(),
  to: userId,
  /** When it was delivered. */
  ts: timestamp,
});

export const presenceEventSchemas = {
  presence: presenceEvent,
  contact: contactEvent,
  dm: dmEvent,
  'dm.delivered': dmDeliveredEvent,
} as const;
