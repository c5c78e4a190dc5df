import { h } from '../dom.ts';

export interface Modal {
  dialog: HTMLDialogElement;
  close(): void;
}

/**
 * A modal `<dialog>` appended to the body and shown at once; removed when closed (Escape, a click
 * on the backdrop, or `close()`). `body` holds its content; the title labels it.
 */
export function openModal(opts: {
  id: string;
  title: string;
  testid: string;
  body: (close: () => void) => Node[];
  wide?: boolean;
}): Modal {
  const dialog = h('dialog', {
    class: `dialog modal${opts.wide ? ' modal--wide' : ''}`,
    testid: opts.testid,
    'aria-labelledby': `${opts.id}-title`,
  });
  const close = (): void => {
    if (dialog.open) dialog.close();
    dialog.remove();
  };
  dialog.append(
    h(
      'div',
      { class: 'modal__inner' },
      h('h2', { id: `${opts.id}-title`, class: 'dialog__title' }, opts.title),
      ...opts.body(close),
    ),
  );
  dialog.addEventListener('close', () => dialog.remove());
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) close();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return { dialog, close };
}

/** A labelled form field with an optional hint under it (linked with aria-describedby). */
export function field(
  input: HTMLInputElement | HTMLSelectElement,
  label: string,
  hint?: string,
): HTMLElement {
  const hintEl = hint ? h('p', { class: 'field__hint', id: `${input.id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h(
    'div',
    { class: 'field' },
    h('label', { class: 'field__label', for: input.id }, label),
    input,
    hintEl,
  );
}

let errorIds = 0;

/** Show `message` in `error` (a role=alert paragraph) and mark `input` as the culprit, described by it. */
export function showError(error: HTMLElement, message: string, input?: HTMLInputElement): void {
  error.textContent = message;
  error.hidden = false;
  if (!error.id) error.id = `form-error-${++errorIds}`;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
    if (!described.includes(error.id))
      input.setAttribute('aria-describedby', [...described, error.id].join(' '));
    input.focus();
  }
}

export function clearError(error: HTMLElement, form: HTMLElement): void {
  error.hidden = true;
  error.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) {
    input.removeAttribute('aria-invalid');
    const rest = (input.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .filter((id) => id && id !== error.id);
    if (rest.length > 0) input.setAttribute('aria-describedby', rest.join(' '));
    else input.removeAttribute('aria-describedby');
  }
}
