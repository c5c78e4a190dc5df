import { z } from 'zod';

/** The protocol version this package describes; `hello.v` must equal it. */
export const PROTOCOL_VERSION = 1;

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

/** A display name: trimmed, non-empty, no control characters. */
export const displayName = z
  .string()
  .trim()
  .min(1)
  .max(HARD_LIMITS.displayNameLength)
  .regex(/^[^\p{Cc}]+$/u, 'no control characters');

/** Per-room sequence numbers start at 1; 0 means "nothing yet". */
export const seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** A room's epoch changes whenever its numbering restarts; positions from another epoch are void. */
export const epoch = z.string().min(1).max(64);

/** Milliseconds since the Unix epoch. */
export const timestamp = z.number().int().nonnegative();
