/** Reactions of a message: emoji → user ids, in the order they reacted. */
export type Reactions = Record<string, string[]>;

/**
 * The reactions after `userId` added (`on`) or took back `emoji`; the same object when nothing
 * changes. Emoji nobody uses any more disappear, and an empty map becomes undefined, so a message
 * without reactions carries no field.
 */
export function applyReaction(
  reactions: Reactions | undefined,
  userId: string,
  emoji: string,
  on: boolean,
): Reactions | undefined {
  const users = reactions?.[emoji] ?? [];
  const has = users.includes(userId);
  if (has === on) return reactions;
  const next: Reactions = { ...reactions };
  const updated = on ? [...users, userId] : users.filter((u) => u !== userId);
  if (updated.length > 0) next[emoji] = updated;
  else delete next[emoji];
  return Object.keys(next).length > 0 ? next : undefined;
}
