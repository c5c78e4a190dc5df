import { z } from 'zod';

/** The newest protocol version this package describes (see PROTOCOL_VERSIONS for all). */
export const PROTOCOL_VERSION = 2;

/** Upper bounds the schemas enforce whatever the server's configuration says. */
export const HARD_LIMITS = {
  idLength: 64,
  roomIdLength: 64,
  displayNameLength: 64,
  roomNameLength: 80,
  topicLength: 500,
  textLength: 16_000,
  nonceLength: 64,
  tokenLength: 4096,
  resumeRooms: 200,
} as const;

/** A request id chosen by the client and echoed in the reply: a short string or an integer. */
export const requestId = z.union([
  z.string().min(1).max(HARD_LIMITS.idLength),
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
]);
export type RequestId = z.infer<typeof requestId>;

/** Room ids: url-safe characters only, so they can appear in links unescaped. */
export const roomId = z
  .string()
  .min(1)
  .max(HARD_LIMITS.roomIdLength)
  .regex(/^[A-Za-z0-9_-]+$/, 'room ids use A-Z a-z 0-9 _ -');
export type RoomId = z.infer<typeof roomId>;

/** User ids are qualified by their home server: `alice@chat.example.org`, guests `~k3f9x2@…`. */
export const userId = z.string().min(3).max(320);
export type UserId = z.infer<typeof userId>;

/**
 * Every length limit in this protocol counts Unicode code points, as zod's string bounds do: `é`
 * and `😀` are one each, `👍🏽` (emoji + skin tone) is two. Servers count message text the same way.
 */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point; a lone surrogate counts as one.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Bidirectional formatting characters: they reorder what follows, so a name could pose as another. */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
/** What shows nothing on its own: spaces, zero-width and other ignorable characters, marks, blanks. */
const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cf}\p{M}\u2800]/gu;

/**
 * A display name: trimmed, 1 to 64 code points, no control characters, no bidirectional
 * formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), and at least one
 * visible character (a name of only zero-width or blank characters is refused).
 */
export const displayName = z
  .string()
  .trim()
  .min(1)
  .max(HARD_LIMITS.displayNameLength)
  .regex(/^[^\p{Cc}]+$/u, 'no control characters')
  .refine((s) => !BIDI_CONTROLS.test(s), 'no bidirectional formatting characters')
  .refine((s) => s.replace(INVISIBLE, '').length > 0, 'at least one visible character');

/** Per-room sequence numbers start at 1; 0 means "nothing yet". */
export const seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** A room's epoch changes whenever its numbering restarts; positions from another epoch are void. */
export const epoch = z.string().min(1).max(64);

/** Milliseconds since the Unix epoch. */
export const timestamp = z.number().int().nonnegative();
