import { z } from 'zod';
import { seq, userId } from './ids.js';

/**
 * What a chat message may carry besides its text: the message it replies to, the users it
 * mentions, the reactions it has, an attached file. All optional and compact, so a plain message
 * costs nothing more on the wire.
 */
export const CHAT_LIMITS = {
  /** Code points of one reaction (an emoji, with skin tone and joiners, or a short :name:). */
  emojiLength: 32,
  /** Different reactions one message may collect. */
  reactionsPerMessage: 20,
  /** Users one message may mention. */
  mentionsPerMessage: 50,
  /** Code points of the quoted text a reply carries. */
  replySnippet: 200,
  /** Code points of a search query. */
  searchQuery: 200,
  /** Results per search page at most. */
  searchPage: 50,
  /** Code points of an uploaded file's name. */
  fileName: 200,
} as const;

/** One reaction: an emoji or short name, no whitespace or control characters. */
export const emoji = z
  .string()
  .min(1)
  .max(CHAT_LIMITS.emojiLength)
  .regex(/^[^\p{Cc}\p{White_Space}]+$/u, 'no whitespace or control characters');

/** The message a reply quotes, as it read when the reply was sent. */
export const replyRef = z.object({
  seq: seq.min(1),
  /** The quoted message's sender. */
  from: userId,
  name: z.string(),
  /** The start of the quoted message's source text (at most CHAT_LIMITS.replySnippet code points). */
  text: z.string(),
});
export type ReplyRef = z.infer<typeof replyRef>;

/** Reactions of a message: emoji → the users who reacted with it, in the order they did. */
export const reactionMap = z.record(z.string(), z.array(userId));
export type ReactionMap = z.infer<typeof reactionMap>;

/** A file attached to a message (uploaded with `POST /api/rooms/:room/files`). */
export const fileRef = z.object({
  id: z.string().min(1).max(64),
  name: z.string(),
  /** The content type the server sniffed from the bytes (never what the uploader claimed). */
  type: z.string(),
  size: z.number().int().nonnegative(),
  /** Pixel size of an image, when the server could read it. */
  w: z.number().int().positive().optional(),
  h: z.number().int().positive().optional(),
});
export type FileRef = z.infer<typeof fileRef>;

/** The optional fields a message event carries (spread into messageEvent). */
export const messageExtras = {
  /** The message this one replies to. */
  reply: replyRef.optional(),
  /** User ids this message mentions (members of the room when it was sent). */
  mentions: z.array(userId).optional(),
  /**
   * Current reactions. Events read from the store (history, join snapshots of named rooms) carry
   * them; events as sent do not, so clients apply later `reaction` events themselves.
   */
  reactions: reactionMap.optional(),
  /** An attached file or image. */
  file: fileRef.optional(),
};

/** The optional fields chat.send takes for them (spread into its schema). */
export const chatSendExtras = {
  /** Reply to the message with this seq (it must exist and not be deleted). */
  replyTo: seq.min(1).optional(),
  /** User ids mentioned in the text; ids that are not members of the room are dropped. */
  mentions: z.array(userId).max(CHAT_LIMITS.mentionsPerMessage).optional(),
  /** Attach a file uploaded to this room by the sender and not attached yet. */
  file: z.string().min(1).max(64).optional(),
};
