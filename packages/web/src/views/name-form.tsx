import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';

export interface NameFormProps {
  initial: string;
  submitLabel: string;
  submitTestId: string;
  /** A logged-in account's name: shown read-only, since an account keeps its own name. */
  signedInAs?: string | null;
  submit(name: string): Promise<void>;
  /** Focus the field (when it turns true). */
  focus?: boolean;
}

/** A display-name field and one submit button; used on the landing page and before joining a link. */
export function NameForm({
  initial,
  submitLabel,
  submitTestId,
  signedInAs = null,
  submit,
  focus,
}: NameFormProps) {
  const input = useRef<HTMLInputElement>(null);
  const error = useSignal('');
  const invalid = useSignal(false);
  const busy = useSignal(false);
  useEffect(() => {
    if (focus) input.current?.focus();
  }, [focus]);

  const onSubmit = (e: Event): void => {
    e.preventDefault();
    const name = input.current?.value.trim() ?? '';
    if (!name) {
      error.value = 'Please enter a name.';
      invalid.value = true;
      input.current?.focus();
      return;
    }
    if (/\p{Cc}/u.test(name)) {
      error.value = 'The name cannot contain control characters.';
      return;
    }
    error.value = '';
    invalid.value = false;
    busy.value = true;
    submit(name).then(
      () => {
        busy.value = false;
      },
      (err: unknown) => {
        busy.value = false;
        error.value = err instanceof Error ? err.message : 'Something went wrong.';
      },
    );
  };

  return (
    <form class="name-form" noValidate onSubmit={onSubmit}>
      <label class="field__label" for="name-input">
        Your name
      </label>
      <div class="name-form__row">
        <input
          id="name-input"
          class="input input--large"
          data-testid="name-input"
          type="text"
          name="name"
          required
          maxLength={64}
          autocomplete="nickname"
          autoCapitalize="words"
          spellcheck={false}
          placeholder="e.g. Alice"
          enterkeyhint="go"
          defaultValue={signedInAs ?? initial}
          readOnly={Boolean(signedInAs)}
          aria-invalid={invalid.value ? 'true' : undefined}
          aria-describedby={invalid.value ? 'name-error' : undefined}
          ref={input}
        />
        <button
          type="submit"
          class={`btn btn--primary btn--large${busy.value ? ' is-busy' : ''}`}
          data-testid={submitTestId}
          disabled={busy.value}
        >
          {submitLabel}
        </button>
      </div>
      <p class="form-error" role="alert" id="name-error" hidden={!error.value}>
        {error.value}
      </p>
      <p class="muted small" data-testid={signedInAs ? 'signed-in-note' : undefined}>
        {signedInAs
          ? 'You are logged in: others see your account’s name.'
          : 'Shown to others in the room. Remembered on this device.'}
      </p>
    </form>
  );
}
