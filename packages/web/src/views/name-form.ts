import { h } from '../dom.ts';

export interface NameFormOptions {
  initial: string;
  submitLabel: string;
  submitTestId: string;
  /** A logged-in account's name: shown read-only, since an account keeps its own name. */
  signedInAs?: string | null;
  submit(name: string): Promise<void>;
}

/** A display-name field and one submit button; used on the landing page and before joining a link. */
export function nameForm(opts: NameFormOptions): { el: HTMLFormElement; focus(): void } {
  const input = h('input', {
    id: 'name-input',
    class: 'input input--large',
    testid: 'name-input',
    type: 'text',
    name: 'name',
    required: true,
    maxLength: 64,
    autocomplete: 'nickname',
    autocapitalize: 'words',
    spellcheck: 'false',
    placeholder: 'e.g. Alice',
    enterkeyhint: 'go',
  });
  input.value = opts.signedInAs ?? opts.initial;
  if (opts.signedInAs) input.readOnly = true;
  const button = h(
    'button',
    { type: 'submit', class: 'btn btn--primary btn--large', testid: opts.submitTestId },
    opts.submitLabel,
  );
  const error = h('p', { class: 'form-error', role: 'alert', id: 'name-error', hidden: true });
  const form = h(
    'form',
    { class: 'name-form', novalidate: true },
    h('label', { class: 'field__label', for: 'name-input' }, 'Your name'),
    h('div', { class: 'name-form__row' }, input, button),
    error,
    h(
      'p',
      { class: 'muted small', testid: opts.signedInAs ? 'signed-in-note' : undefined },
      opts.signedInAs
        ? 'You are logged in: others see your account’s name.'
        : 'Shown to others in the room. Remembered on this device.',
    ),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = input.value.trim();
    if (!name) {
      error.hidden = false;
      error.textContent = 'Please enter a name.';
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', 'name-error');
      input.focus();
      return;
    }
    if (/\p{Cc}/u.test(name)) {
      error.hidden = false;
      error.textContent = 'The name cannot contain control characters.';
      return;
    }
    error.hidden = true;
    input.removeAttribute('aria-invalid');
    button.disabled = true;
    button.classList.add('is-busy');
    opts.submit(name).then(
      () => {
        button.disabled = false;
        button.classList.remove('is-busy');
      },
      (err: unknown) => {
        button.disabled = false;
        button.classList.remove('is-busy');
        error.hidden = false;
        error.textContent = err instanceof Error ? err.message : 'Something went wrong.';
      },
    );
  });
  return { el: form, focus: () => input.focus() };
}
