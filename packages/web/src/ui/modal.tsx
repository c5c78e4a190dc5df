/**
 * A modal whose body is a Preact component: `openModal` (components/modal.ts) builds the
 * `<dialog>` and its title; the component is rendered into it and unmounted when it closes, so
 * its subscriptions and timers end with it.
 */
import { render, type VNode } from 'preact';
import { openModal, type Modal } from '../components/modal.ts';

export function openComponentModal(
  opts: { id: string; title: string; testid: string; wide?: boolean },
  body: (close: () => void) => VNode,
): Modal {
  const host = document.createElement('div');
  const modal = openModal({ ...opts, body: () => [host] });
  const close = (): void => {
    render(null, host);
    modal.close();
  };
  render(body(close), host);
  // `close` fires for Escape and the backdrop too.
  modal.dialog.addEventListener('close', () => render(null, host), { once: true });
  return { dialog: modal.dialog, close };
}
