import { h } from '../dom.ts';
import { typingText } from '../format.ts';
import type { RoomStore } from '../room-store.ts';

/** "Alice is typing…" under the messages; empty (but present, for screen readers) otherwise. */
export function typingIndicator(store: RoomStore): { el: HTMLElement; destroy(): void } {
  const text = h('span', { class: 'typing__text' });
  const el = h(
    'div',
    { class: 'typing', testid: 'typing', 'aria-live': 'polite' },
    h('span', { class: 'typing__dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
    text,
  );
  const render = (): void => {
    const line = typingText(store.typing.names());
    text.textContent = line;
    el.classList.toggle('is-active', line !== '');
  };
  render();
  return { el, destroy: store.on('typing', render) };
}
