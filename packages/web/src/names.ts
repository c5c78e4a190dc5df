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

let homeDomain = '';

/** The domain of this browser's user (their home server): others' ids show theirs when it differs. */
export function setHomeDomain(domain: string): void {
  homeDomain = domain.toLowerCase();
}

/**
 * The qualified id of a user of another server (`ann@a.example`), to show next to their name; null
 * for users of the viewer's own server and for guests.
 */
export function foreignId(id: string): string | null {
  const at = id.lastIndexOf('@');
  if (at < 0 || id.startsWith('~') || homeDomain === '') return null;
  return id.slice(at + 1).toLowerCase() === homeDomain ? null : id;
}
