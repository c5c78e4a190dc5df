/**
 * What the member list shows of each member, derived from one input: the state this user sees of
 * them (the presence store, which shows our own as offline while we appear offline), or the room's
 * online flag when presence knows nothing. The count, its tooltip, the row's hover text, the
 * screen-reader text and the dot all come from `online` below, so they cannot disagree.
 * No DOM here (unit-tested).
 */
import type { Member, PresenceState, UserPresence } from '@presence/protocol';

export interface MemberRow {
  member: Member;
  you: boolean;
  state: PresenceState;
  online: boolean;
  /** Hover text of the row. */
  title: string;
  /** Screen-reader text after the name. */
  srText: string;
  presence: UserPresence | undefined;
}

export interface MemberCount {
  online: number;
  total: number;
  text: string;
  title: string;
}

/** Offline and unknown are "not online"; every other state is someone who is there. */
export function isShownOnline(state: PresenceState): boolean {
  return state !== 'offline' && state !== 'unknown';
}

export function memberRows(
  members: Iterable<Member>,
  presenceOf: (user: string) => UserPresence | undefined,
  myId: string | null,
): MemberRow[] {
  const rows = [...members].map((member): MemberRow => {
    const presence = presenceOf(member.id);
    const state: PresenceState = presence?.state ?? (member.online ? 'online' : 'offline');
    const online = isShownOnline(state);
    const you = member.id === myId;
    const word = online ? 'online' : 'offline';
    return {
      member,
      you,
      state,
      online,
      title: `${member.name}${you ? ' (you)' : ''} — ${word}`,
      srText: `, ${word}`,
      presence,
    };
  });
  return rows.sort(
    (a, b) =>
      Number(b.online) - Number(a.online) ||
      a.member.name.localeCompare(b.member.name, undefined, { sensitivity: 'base' }),
  );
}

export function memberCount(rows: readonly MemberRow[]): MemberCount {
  const online = rows.filter((r) => r.online).length;
  return {
    online,
    total: rows.length,
    text: `${online}/${rows.length}`,
    title: `${online} online, ${rows.length} members`,
  };
}
