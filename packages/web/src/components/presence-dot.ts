/**
 * The coloured presence dot on an avatar, wherever one is shown (member list, contacts, message
 * authors, DM window). Dots carry the user they stand for: one listener on the presence store
 * repaints every dot of the users that changed, so views that render once stay current.
 */
import type { PresenceState } from '@presence/protocol';
import { h } from '../dom.ts';
import { STATE_LABEL } from '../presence-format.ts';
import type { PresenceStore } from '../presence-store.ts';
import { setPresenceSource } from '../ui/presence-dot.tsx';
import './presence.css';

let source: PresenceStore | null = null;

/** Connect every dot to the store (once, from the shell). */
export function bindPresenceDots(store: PresenceStore): void {
  source = store;
  setPresenceSource(store);
  store.on('presence', (changed) => {
    const dots = document.querySelectorAll<HTMLElement>('[data-presence-user]');
    for (const dot of dots) {
      const user = dot.dataset['presenceUser'] ?? '';
      if (changed.size === 0 || changed.has(user)) paint(dot, store.stateOf(user), dot.dataset['fallback']);
    }
  });
}

function paint(dot: HTMLElement, state: PresenceState | undefined, fallback?: string): void {
  const shown = state ?? (fallback as PresenceState | undefined);
  if (!shown) {
    // Nothing may be known (a stranger): no dot at all rather than a guess.
    dot.hidden = true;
    dot.removeAttribute('data-state');
    dot.removeAttribute('title');
    return;
  }
  dot.hidden = false;
  dot.dataset['state'] = shown;
  dot.title = STATE_LABEL[shown];
}

/**
 * A dot for `user`. `fallback` is shown while the store knows nothing of them (a room member's
 * online flag on a server without presence); without one, an unknown user gets no dot.
 */
export function presenceDot(user: string, fallback?: 'online' | 'offline', extraClass = ''): HTMLElement {
  const dot = h('span', {
    class: `presence-dot ${extraClass}`.trim(),
    testid: 'presence-dot',
    'aria-hidden': 'true',
    dataset: { presenceUser: user, ...(fallback ? { fallback } : {}) },
  });
  paint(dot, source?.stateOf(user), fallback);
  return dot;
}
