/** Presence wording with no DOM access (unit-tested): state labels, "last seen …", DM refusals. */
import type { DeviceState, PresenceState } from '@presence/protocol';
import { clockTime } from './format.ts';

export const STATE_LABEL: Record<PresenceState, string> = {
  chatty: 'Chatty',
  online: 'Online',
  busy: 'Busy',
  away: 'Away',
  offline: 'Offline',
  unknown: 'Unknown',
};

/** What each state a person can pick means for who may reach them (the status picker's hints). */
export const STATE_HINT: Record<DeviceState, string> = {
  chatty: 'Anyone can message you',
  online: 'Your contacts can message you',
  busy: 'Only your important contacts can message you',
  away: 'Contacts’ messages wait until you are back',
};

export const DEVICE_STATES: readonly DeviceState[] = ['chatty', 'online', 'busy', 'away'];

/** Sort key: the most reachable first, then away, offline, unknown. */
export function stateRank(state: PresenceState | undefined): number {
  return state === undefined ? 6 : ['chatty', 'online', 'busy', 'away', 'offline', 'unknown'].indexOf(state);
}

/**
 * "last seen just now", "last seen 5 min ago", "last seen 3 h ago", "last seen yesterday at 14:05",
 * "last seen on 3 May". `lastActive` is rounded down to the minute by the server.
 */
export function lastSeenText(lastActive: number, now: number = Date.now()): string {
  const minutes = Math.floor(Math.max(0, now - lastActive) / 60_000);
  if (minutes < 1) return 'last seen just now';
  if (minutes < 60) return `last seen ${minutes} min ago`;
  const then = new Date(lastActive);
  const today = new Date(now);
  const sameDay = then.toDateString() === today.toDateString();
  if (minutes < 6 * 60 || sameDay) return `last seen ${Math.floor(minutes / 60)} h ago`;
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  if (then.toDateString() === yesterday.toDateString())
    return `last seen yesterday at ${clockTime(lastActive)}`;
  const sameYear = then.getFullYear() === today.getFullYear();
  return `last seen on ${then.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
  })}`;
}

/**
 * Why a direct message was refused (RECIPIENT_UNAVAILABLE), in words: from what this user can see
 * of the recipient (their state, or nothing for a stranger) and whether they are a contact.
 */
export function unavailableText(name: string, state: PresenceState | undefined, isContact: boolean): string {
  if (state === 'busy') return `${name} is busy and only accepts messages from important contacts`;
  if (!isContact) {
    return state === 'away' || state === 'offline'
      ? `${name} is ${state}; only contacts can leave them messages`
      : `${name} only accepts messages from contacts right now`;
  }
  return `${name} is not accepting messages right now`;
}

/**
 * What the DM window says before anything is sent, from the recipient's presence: whether a
 * message will arrive now, wait until they are back, or be refused. Empty when it will arrive.
 */
export function dmNotice(name: string, state: PresenceState | undefined, isContact: boolean): string {
  if (state === undefined || state === 'chatty' || state === 'unknown') return '';
  if (isContact) {
    if (state === 'busy') {
      return `${name} is busy: unless you are one of their important contacts, your messages wait until they are back.`;
    }
    return state === 'online'
      ? ''
      : `${name} is ${state}: your messages will be delivered when they are back.`;
  }
  if (state === 'busy') return `${name} is busy and only accepts messages from important contacts.`;
  return `${name} only accepts messages from contacts right now.`;
}

/** The line under a name: the status text, or the state (with "last seen" when offline). */
export function presenceLine(
  p: { state: PresenceState; status: string | null; lastActive: number | null } | undefined,
  now: number = Date.now(),
): string {
  if (!p) return '';
  if (p.state === 'offline') return p.lastActive !== null ? lastSeenText(p.lastActive, now) : 'Offline';
  if (p.status) return p.status;
  return STATE_LABEL[p.state];
}
