import type { DeviceState, DeviceType, PresenceState, UserPresence } from '@presence/protocol';

/**
 * Presence arithmetic, free of time sources, sockets and maps: what a user's devices say, folded
 * into what others see. Everything the PresenceService decides about a single user is here, so
 * the rules can be tested without a server.
 */

/** What one device says about itself. */
export interface DeviceFacts {
  state: DeviceState;
  /** When the device became idle (reported by the device); null while it is in use. */
  idleSince: number | null;
  type: DeviceType;
  /** The last instant the device was known to be in use (ms). */
  lastActive: number;
}

/** Everything known about one user. */
export interface UserFacts {
  /** Live devices only (the service leaves out socketless devices that went silent). */
  devices: readonly DeviceFacts[];
  /** Per user, not per device: the latest set wins on every device. */
  status: string | null;
  /** Set when the user hides: when they did (others see them go offline at that moment). */
  hiddenSince: number | null;
  /** Last activity remembered from devices that are gone (ms); null when never seen. */
  lastActive: number | null;
}

/** What a user's own sessions see, and what everyone else sees (they differ only when hidden). */
export interface Aggregate {
  own: UserPresence;
  others: UserPresence;
}

/** Higher wins when devices disagree. */
const RANK: Record<DeviceState, number> = { chatty: 4, online: 3, busy: 2, away: 1 };

export const MINUTE_MS = 60_000;

/**
 * Rounded down to the minute: last-seen times are shown coarsely anyway, and a coarse value
 * changes rarely, so a user's view does not change (and is not re-sent) on every small activity.
 */
export function toMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/** True when the device has been idle for at least `idleMs` at `now`. */
export function isIdle(device: DeviceFacts, now: number, idleMs: number): boolean {
  return device.idleSince !== null && now - device.idleSince >= idleMs;
}

/** The device's state as it counts: its own, or `away` once idle long enough. */
export function effectiveState(device: DeviceFacts, now: number, idleMs: number): DeviceState {
  return isIdle(device, now, idleMs) ? 'away' : device.state;
}

/** How a user looks with no device (or hidden): offline, last seen at `lastActive`. */
export function offlineView(user: string, lastActive: number | null): UserPresence {
  return {
    user,
    state: 'offline',
    status: null,
    mobile: false,
    lastActive: lastActive === null ? null : toMinute(lastActive),
  };
}

/** A user this server cannot speak for (no longer visible, or not known yet). */
export function unknownView(user: string): UserPresence {
  return { user, state: 'unknown', status: null, mobile: false, lastActive: null };
}

/**
 * Fold a user's devices into one presence:
 * - the most available device wins (chatty > online > busy > away);
 * - a device idle for `idleMs` or longer counts as away, so all devices idle → away;
 * - no device → offline;
 * - `mobile` when every active device is a mobile one (every device, when all are idle);
 * - lastActive is the latest activity of any device (or remembered), rounded down to the minute;
 * - hidden: others see offline as of the moment the user hid; the user's own sessions see the truth.
 */
export function aggregate(user: string, facts: UserFacts, now: number, idleMs: number): Aggregate {
  let lastActive = facts.lastActive;
  for (const d of facts.devices)
    if (lastActive === null || d.lastActive > lastActive) lastActive = d.lastActive;
  if (facts.devices.length === 0) {
    const off = offlineView(user, lastActive);
    return { own: off, others: off };
  }
  let best: DeviceState = 'away';
  let anyActive = false;
  let activeAllMobile = true;
  let allMobile = true;
  for (const d of facts.devices) {
    const state = effectiveState(d, now, idleMs);
    if (RANK[state] > RANK[best]) best = state;
    const mobile = d.type === 'mobile';
    allMobile &&= mobile;
    if (!isIdle(d, now, idleMs)) {
      anyActive = true;
      activeAllMobile &&= mobile;
    }
  }
  const own: UserPresence = {
    user,
    state: best satisfies PresenceState,
    status: facts.status,
    mobile: anyActive ? activeAllMobile : allMobile,
    lastActive: lastActive === null ? null : toMinute(lastActive),
  };
  const others =
    facts.hiddenSince === null
      ? own
      : offlineView(user, Math.min(facts.hiddenSince, lastActive ?? facts.hiddenSince));
  return { own, others };
}
