import type { UserPresence } from '@presence/protocol';
import type { AppState } from '../store/app-store.js';

/**
 * What an app sees of a presence: the seed's three states. Free to chat and busy are online (an
 * app is told whether someone is there, not how they want to be approached); hidden users are
 * offline, as everyone else sees them; unknown is offline too.
 */
export function appStateOf(view: UserPresence, now: number): AppState {
  const state =
    view.state === 'away'
      ? 'away'
      : view.state === 'online' || view.state === 'chatty' || view.state === 'busy'
        ? 'online'
        : 'offline';
  return { state, status: state === 'offline' ? null : view.status, since: now };
}
