import type { PresenceState } from '@presence/protocol';
import { STATE_LABEL } from '../presence-format.ts';
import '../components/presence.css';

/**
 * The coloured presence dot for a state the caller derived. It carries the same attributes as the
 * DOM-built dots (`components/presence-dot.ts`), whose repainter then writes the same values.
 */
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
