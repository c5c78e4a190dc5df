import { userId, userPresence } from '@presence/protocol';
import { z } from 'zod';

/** Most entries one request may carry (a batch larger than this is split by the sender). */
export const MAX_ENTRIES = 10_000;

/** One user's presence for some users of the receiving server (chosen by the user's home server). */
export const presencePush = z.object({
  user: userPresence,
  to: z.array(userId).min(1).max(MAX_ENTRIES),
});
export type PresencePush = z.infer<typeof presencePush>;

/** A user of the sending server who wants the presence of some users of the receiving one. */
export const presenceSubscribe = z.object({
  watcher: userId,
  targets: z.array(userId).max(MAX_ENTRIES),
});

/**
 * `POST /_federation/v1/presence`: the combined push + subscribe of the design. `push` carries the
 * sender's users' changes, `subscribe` asks for (and promises to keep) the receiver's users'
 * presence. A `reminder` lists every subscription the sender still holds (the receiver replaces
 * what it knew); `resync` asks for current states in the reply (otherwise a reminder is only a
 * keep-alive). `boot` changes when the sender restarts, so the receiver knows to re-subscribe.
 */
export const presenceRequest = z.object({
  boot: z.string().min(1).max(64),
  push: z.array(presencePush).max(MAX_ENTRIES).default([]),
  subscribe: z.array(presenceSubscribe).max(MAX_ENTRIES).default([]),
  reminder: z.boolean().default(false),
  resync: z.boolean().default(false),
});
export type PresenceRequest = z.input<typeof presenceRequest>;

/** The reply: the receiver's boot and the current presence of newly subscribed (or resynced) users. */
export const presenceReply = z.object({
  boot: z.string().min(1).max(64),
  push: z.array(presencePush).max(MAX_ENTRIES).default([]),
});
