import { z } from 'zod';
import { roomId, seq } from './ids.js';
import { emoji } from './message-extras.js';
import { request } from './request-schema.js';

/** Reactions: one request toggles one emoji of one message, for the sender. */
export const reactionRequestSchemas = {
  'chat.react': request('chat.react', {
    room: roomId,
    /** The message. */
    seq: seq.min(1),
    emoji,
    /** true adds the reaction, false takes it away; asking for what already holds changes nothing. */
    on: z.boolean(),
  }),
} as const;

export const reactionResultSchemas = {
  'chat.react': z.object({
    /** The seq of the `reaction` event, or the room's latest seq when nothing changed. */
    seq,
    changed: z.boolean(),
  }),
} as const;
