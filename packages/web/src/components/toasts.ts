import type { App } from '../app.ts';
import { h } from '../dom.ts';

/** Short-lived notices for failed actions ("Could not send: …"). */
export function toasts(app: App): HTMLElement {
  const el = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
  app.on('toast', ({ text, kind }) => {
    const toast = h('div', { class: `toast toast--${kind}`, testid: 'toast' }, text);
    el.appendChild(toast);
    window.setTimeout(() => {
      toast.classList.add('toast--leaving');
      window.setTimeout(() => toast.remove(), 300);
    }, 4000);
  });
  return el;
}
