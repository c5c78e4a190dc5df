/**
 * Display names are not unique: two members called "Alex" are told apart by a short piece of
 * their user id, everywhere a name stands for a person (messages, members, the mention menu).
 */
export function nameLabel(
  user: { id: string; name: string },
  members: Iterable<{ id: string; name: string }>,
): string {
  const name = user.name.trim().toLowerCase();
  for (const m of members) {
    if (m.id !== user.id && m.name.trim().toLowerCase() === name) return `${user.name} (${shortId(user.id)})`;
  }
  return user.name;
}

/** `alice@chat.example.org` → `alice`; a guest `~k3f9x2ab@host` → `~k3f9`. */
export function shortId(id: string): string {
  const local = id.split('@')[0] ?? id;
  return local.startsWith('~') ? local.slice(0, 5) : local;
}
