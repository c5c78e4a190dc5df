import { z } from 'zod';
import { timestamp, userId } from './ids.js';
import { userRef } from './models.js';
import { request } from './request-schema.js';

/** Conversations a `dm.list` answers with at most (and its default). */
export const DM_LIST_LIMIT = 200;

/**
 * One direct-message conversation as the server keeps it: who with, when the last message was,
 * who sent it, and how many of theirs you have not read. Never the text: DMs keep no history.
 */
export const dmConversation = z.object({
  /** The other person, with the name and avatar last known. */
  peer: userRef,
  /** When the last message either way was sent. */
  lastTs: timestamp,
  /** The peer sent the last message (not you). */
  lastFromPeer: z.boolean(),
  /** Their messages since you last marked the conversation read (`dm.read`). */
  unread: z.number().int().nonnegative(),
});
export type DmConversationInfo = z.infer<typeof dmConversation>;

export const dmConversationRequestSchemas = {
  /** Your direct-message conversations, most recent first. */
  'dm.list': request('dm.list', { limit: z.number().int().min(1).max(DM_LIST_LIMIT).optional() }),
  /** Mark your conversation with `peer` read; your other sessions get `dm.read`. */
  'dm.read': request('dm.read', { peer: userId }),
} as const;

export const dmConversationResultSchemas = {
  'dm.list': z.object({ conversations: z.array(dmConversation) }),
  'dm.read': z.object({}),
} as const;

/** Another session of yours marked the conversation with `peer` read: clear its badge here too. */
export const dmReadEvent = z.object({ type: z.literal('dm.read'), peer: userId });

export const dmConversationEventSchemas = { 'dm.read': dmReadEvent } as const;
