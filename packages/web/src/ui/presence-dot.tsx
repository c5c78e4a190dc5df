import { signal } from '@preact/signals';
import type { PresenceState } from '@presence/protocol';
import { STATE_LABEL } from '../presence-format.ts';
import type { PresenceStore } from '../presence-store.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import '../components/presence.css';

/** The coloured presence dot for a state the caller derived (the member list's rows). */
export function PresenceDot({ user, state }: { user: string; state: PresenceState }) {
  return (
    <span
      class="presence-dot"
      data-testid="presence-dot"
      aria-hidden="true"
      data-presence-user={user}
      data-state={state}
      title={STATE_LABEL[state]}
    />
  );
}

/** The presence store the dots read (set once by the shell). */
const source = signal<PresenceStore | null>(null);
export function setPresenceSource(store: PresenceStore): void {
  source.value = store;
}

/**
 * The dot of `user` as the presence store knows them, following it. `fallback` is shown while the
 * store knows nothing (a member's online flag on a server without presence); without one, an
 * unknown user gets no dot rather than a guess.
 */
export function UserDot({
  user,
  fallback,
  extraClass = '',
}: {
  user: string;
  fallback?: 'online' | 'offline';
  extraClass?: string;
}) {
  // Read in render (not in a `useComputed`): the dot then follows its props as well as the store.
  const store = source.value;
  if (store) track(storeVersion(store, 'presence'));
  const shown = store?.stateOf(user) ?? fallback;
  return (
    <span
      class={`presence-dot ${extraClass}`.trim()}
      data-testid="presence-dot"
      aria-hidden="true"
      data-presence-user={user}
      data-fallback={fallback}
      data-state={shown}
      title={shown ? STATE_LABEL[shown] : undefined}
      hidden={!shown}
    />
  );
}
