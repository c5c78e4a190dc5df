/** Formatting helpers with no DOM access (unit-tested). */

const pad = (n: number): string => String(n).padStart(2, '0');

/** `HH:MM` in local time, 24-hour. */
export function clockTime(ts: number): string {
  const d = new Date(ts);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The full local date and time, for a tooltip. */
export function fullDate(ts: number): string {
  return new Date(ts).toLocaleString(undefined, {
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** A key identifying the local calendar day of `ts`. */
export function dayKey(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** "Today", "Yesterday" or a date, for the divider between days in a timeline. */
export function dayLabel(ts: number, now: number = Date.now()): string {
  const key = dayKey(ts);
  if (key === dayKey(now)) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  if (key === dayKey(yesterday.getTime())) return 'Yesterday';
  return new Date(ts).toLocaleDateString(undefined, {
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  });
}

/** "Alice is typing…", "Alice and Bob are typing…", "Alice, Bob and 2 others are typing…". */
export function typingText(names: readonly string[]): string {
  const [a, b, c] = names;
  if (a === undefined) return '';
  if (b === undefined) return `${a} is typing…`;
  if (c === undefined) return `${a} and ${b} are typing…`;
  if (names.length === 3) return `${a}, ${b} and ${c} are typing…`;
  return `${a}, ${b} and ${names.length - 2} others are typing…`;
}

/** The display title of a room. */
export function roomTitle(name: string | null | undefined): string {
  return name && name.trim() !== '' ? name : 'Unnamed room';
}

/** The shareable link to a room on this origin. */
export function roomUrl(origin: string, roomId: string): string {
  return `${origin}/r/${encodeURIComponent(roomId)}`;
}

/** The WebSocket endpoint on the page's own host. */
export function webSocketUrl(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}

/** Unread count for a badge: "99+" past 99. */
export function badgeCount(n: number): string {
  return n > 99 ? '99+' : String(n);
}
