import { z } from 'zod';
import { roomId } from './ids.js';
import { CHAT_LIMITS } from './message-extras.js';
import { request } from './request-schema.js';
import { messageEvent } from './models.js';

/** Full-text search over the messages of named rooms you are a member of. */
export const searchRequestSchemas = {
  'chat.search': request('chat.search', {
    /** Words to find (all of them, any order; the last one also as a prefix). */
    query: z.string().trim().min(1).max(CHAT_LIMITS.searchQuery),
    /** Only this room; all your rooms when absent. */
    room: roomId.optional(),
    /** How many results to skip (the `next` of the previous page). */
    offset: z.number().int().nonnegative().max(10_000).optional(),
    limit: z.number().int().positive().optional(),
  }),
} as const;

export const searchResultSchemas = {
  'chat.search': z.object({
    /** Matching messages, newest first, in their current state. */
    messages: z.array(messageEvent),
    /** The offset of the next page, when there is one. */
    next: z.number().int().nonnegative().optional(),
  }),
} as const;
