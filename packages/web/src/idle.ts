/**
 * Idleness for presence: after `store.idleDelayMs` (two minutes) without keyboard, pointer, wheel
 * or touch input the device reports `idleSince` (others then see away); the next input reports
 * `idleSince: null`. Input is only timestamped here: the check runs on a coarse timer.
 */
import type { PresenceStore } from './presence-store.ts';

const INPUT_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;

export function trackIdle(store: PresenceStore): () => void {
  let lastInput = Date.now();
  const onInput = (): void => {
    lastInput = Date.now();
    if (store.mine.idle) store.setIdle(null);
  };
  const onVisible = (): void => {
    if (document.visibilityState === 'visible') onInput();
  };
  for (const type of INPUT_EVENTS) window.addEventListener(type, onInput, { passive: true, capture: true });
  document.addEventListener('visibilitychange', onVisible);
  const check = (): void => {
    if (!store.mine.idle && Date.now() - lastInput >= store.idleDelayMs) store.setIdle(lastInput);
  };
  let timer = window.setInterval(check, Math.min(10_000, store.idleDelayMs / 2));
  // A shorter delay (set for tests from the console) needs a faster check.
  const off = store.on('me', () => {
    const every = Math.max(250, Math.min(10_000, store.idleDelayMs / 2));
    window.clearInterval(timer);
    timer = window.setInterval(check, every);
  });
  return () => {
    off();
    window.clearInterval(timer);
    for (const type of INPUT_EVENTS) window.removeEventListener(type, onInput, { capture: true });
    document.removeEventListener('visibilitychange', onVisible);
  };
}
