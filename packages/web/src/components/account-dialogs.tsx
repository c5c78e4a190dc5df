/** Log in, create an account, change the password: modal dialogs over the account REST calls. */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { accountErrorText, AccountError, changePassword, login, register } from '../account.ts';
import type { App } from '../app.ts';
import { passwordProblem, usernameProblem } from '../invite-format.ts';
import { describedBy, Field, FormError } from '../ui/field.tsx';
import { ModalTitle, openComponentModal } from '../ui/modal.tsx';
import './access.css';

type Mode = 'login' | 'register';

/** A form's error: its text and the field it is about (marked invalid, focused). */
interface FormProblem {
  text: string;
  field: string | null;
}

/** The error state of a form: `fail` shows it and focuses the culprit, `field` wires an input to it. */
function useProblem(errorId: string) {
  const problem = useSignal<FormProblem>({ text: '', field: null });
  const form = useRef<HTMLFormElement>(null);
  return {
    form,
    problem,
    text: problem.value.text,
    clear: () => (problem.value = { text: '', field: null }),
    fail(text: string, field: string | null = null): void {
      problem.value = { text, field };
      if (field) form.current?.querySelector<HTMLInputElement>(`#${field}`)?.focus();
    },
    /** Attributes of the input `id` (its hint, if it has one, comes first). */
    field(id: string, hint = false) {
      const invalid = problem.value.field === id;
      return {
        'aria-invalid': invalid ? ('true' as const) : undefined,
        'aria-describedby': describedBy(hint && `${id}-hint`, invalid && errorId),
      };
    },
  };
}

const value = (form: HTMLFormElement | null, id: string): string =>
  form?.querySelector<HTMLInputElement>(`#${id}`)?.value ?? '';

/** Log in or create an account (one dialog; a link switches between the two forms). */
export function openAccountDialog(app: App, initial: Mode = 'login'): void {
  openComponentModal({ id: 'account-dialog', testid: 'account-dialog' }, (close) => (
    <AccountDialog app={app} initial={initial} close={close} />
  ));
}

function AccountDialog({ app, initial, close }: { app: App; initial: Mode; close(): void }) {
  const mode = useSignal<Mode>(initial);
  return (
    <>
      <ModalTitle id="account-dialog">{mode.value === 'login' ? 'Log in' : 'Create an account'}</ModalTitle>
      <div class="account-form">
        {mode.value === 'login' ? (
          <LoginForm key="login" app={app} close={close} switchTo={() => (mode.value = 'register')} />
        ) : (
          <RegisterForm key="register" app={app} close={close} switchTo={() => (mode.value = 'login')} />
        )}
      </div>
    </>
  );
}

function SubmitButton({ testid, busy, label }: { testid: string; busy: boolean; label: string }) {
  return (
    <button
      type="submit"
      class={`btn btn--primary${busy ? ' is-busy' : ''}`}
      data-testid={testid}
      disabled={busy}
    >
      {label}
    </button>
  );
}

function LoginForm({ app, close, switchTo }: { app: App; close(): void; switchTo(): void }) {
  const p = useProblem('account-error');
  const busy = useSignal(false);
  useEffect(() => p.form.current?.querySelector('input')?.focus(), []);
  const submit = (e: Event): void => {
    e.preventDefault();
    p.clear();
    const username = value(p.form.current, 'account-username');
    const password = value(p.form.current, 'account-password');
    if (!username.trim()) return p.fail('Please enter your username.', 'account-username');
    if (!password) return p.fail('Please enter your password.', 'account-password');
    busy.value = true;
    login(app, { username, password }).then(
      () => {
        close();
        app.toast(`Logged in as ${app.account?.name ?? username.trim()}.`, 'info');
      },
      (err: unknown) => {
        busy.value = false;
        const wrong = err instanceof AccountError && err.code === 'INVALID_CREDENTIALS';
        p.fail(accountErrorText(err, 'login'), wrong ? 'account-password' : null);
        if (wrong) p.form.current?.querySelector<HTMLInputElement>('#account-password')?.select();
      },
    );
  };
  return (
    <form class="stack" noValidate ref={p.form} onSubmit={submit}>
      <p class="muted">Log in to use your account’s name in every room, on any device.</p>
      <Field id="account-username" label="Username">
        <input
          id="account-username"
          class="input"
          data-testid="account-username"
          type="text"
          autocomplete="username"
          autoCapitalize="none"
          spellcheck={false}
          required
          maxLength={64}
          {...p.field('account-username')}
        />
      </Field>
      <Field id="account-password" label="Password">
        <PasswordInput
          id="account-password"
          autocomplete="current-password"
          attrs={p.field('account-password')}
        />
      </Field>
      <FormError id="account-error" testid="account-error" text={p.text} />
      <div class="dialog__buttons">
        <button type="button" class="btn" onClick={close}>
          Cancel
        </button>
        <SubmitButton testid="account-submit" busy={busy.value} label="Log in" />
      </div>
      <p class="account-form__switch small">
        No account yet?{' '}
        <button type="button" class="link-btn" data-testid="account-switch" onClick={switchTo}>
          Create one
        </button>
      </p>
    </form>
  );
}

function PasswordInput({
  id,
  autocomplete,
  attrs,
}: {
  id: string;
  autocomplete: string;
  attrs: ReturnType<ReturnType<typeof useProblem>['field']>;
}) {
  return (
    <input
      id={id}
      class="input"
      data-testid={id}
      type="password"
      autocomplete={autocomplete}
      required
      maxLength={256}
      {...attrs}
    />
  );
}

function RegisterForm({ app, close, switchTo }: { app: App; close(): void; switchTo(): void }) {
  const p = useProblem('account-error');
  const busy = useSignal(false);
  useEffect(() => p.form.current?.querySelector('input')?.focus(), []);
  const submit = (e: Event): void => {
    e.preventDefault();
    p.clear();
    const form = p.form.current;
    const username = value(form, 'account-username');
    const name = value(form, 'account-name');
    const password = value(form, 'account-password');
    const badName = usernameProblem(username);
    if (badName) return p.fail(badName, 'account-username');
    if (!name.trim()) return p.fail('Please enter the name others will see.', 'account-name');
    if (/\p{Cc}/u.test(name)) return p.fail('The name cannot contain control characters.', 'account-name');
    const badPassword = passwordProblem(password);
    if (badPassword) return p.fail(badPassword, 'account-password');
    if (value(form, 'account-password2') !== password) {
      return p.fail('The two passwords are not the same.', 'account-password2');
    }
    busy.value = true;
    register(app, { username, password, name }).then(
      () => {
        close();
        app.toast(`Welcome, ${name.trim()}! Your account is ready and you are logged in.`, 'info');
      },
      (err: unknown) => {
        busy.value = false;
        const taken = err instanceof AccountError && err.code === 'USERNAME_TAKEN';
        p.fail(accountErrorText(err, 'register'), taken ? 'account-username' : null);
      },
    );
  };
  return (
    <form class="stack" noValidate ref={p.form} onSubmit={submit}>
      <p class="muted">An account keeps your name and your rooms. Guests can keep chatting without one.</p>
      <Field id="account-username" label="Username" hint="2–32 characters: letters a–z, digits, and . _ -">
        <input
          id="account-username"
          class="input"
          data-testid="account-username"
          type="text"
          autocomplete="username"
          autoCapitalize="none"
          spellcheck={false}
          required
          maxLength={32}
          {...p.field('account-username', true)}
        />
      </Field>
      <Field id="account-name" label="Display name" hint="Shown to others in rooms.">
        <input
          id="account-name"
          class="input"
          data-testid="account-name"
          type="text"
          autocomplete="nickname"
          required
          maxLength={64}
          defaultValue={app.me?.userId.startsWith('~') ? app.me.name : app.name}
          {...p.field('account-name', true)}
        />
      </Field>
      <Field id="account-password" label="Password" hint="At least 8 characters.">
        <PasswordInput
          id="account-password"
          autocomplete="new-password"
          attrs={p.field('account-password', true)}
        />
      </Field>
      <Field id="account-password2" label="Repeat the password">
        <PasswordInput
          id="account-password2"
          autocomplete="new-password"
          attrs={p.field('account-password2')}
        />
      </Field>
      <FormError id="account-error" testid="account-error" text={p.text} />
      <div class="dialog__buttons">
        <button type="button" class="btn" onClick={close}>
          Cancel
        </button>
        <SubmitButton testid="account-submit" busy={busy.value} label="Create account" />
      </div>
      <p class="account-form__switch small">
        Already have an account?{' '}
        <button type="button" class="link-btn" data-testid="account-switch" onClick={switchTo}>
          Log in
        </button>
      </p>
    </form>
  );
}

/** Change the password of the logged-in account. */
export function openPasswordDialog(app: App): void {
  openComponentModal(
    { id: 'password-dialog', title: 'Change your password', testid: 'password-dialog' },
    (close) => <PasswordForm app={app} close={close} />,
  );
}

function PasswordForm({ app, close }: { app: App; close(): void }) {
  const p = useProblem('password-error');
  const busy = useSignal(false);
  useEffect(() => p.form.current?.querySelector('input')?.focus(), []);
  const submit = (e: Event): void => {
    e.preventDefault();
    p.clear();
    const form = p.form.current;
    const current = value(form, 'password-old');
    const fresh = value(form, 'password-new');
    if (!current) return p.fail('Please enter your current password.', 'password-old');
    const bad = passwordProblem(fresh);
    if (bad) return p.fail(bad, 'password-new');
    if (value(form, 'password-new2') !== fresh) {
      return p.fail('The two new passwords are not the same.', 'password-new2');
    }
    busy.value = true;
    changePassword(app, { oldPassword: current, newPassword: fresh }).then(
      () => {
        close();
        app.toast('Your password was changed.', 'info');
      },
      (err: unknown) => {
        busy.value = false;
        const wrong = err instanceof AccountError && err.code === 'INVALID_CREDENTIALS';
        p.fail(accountErrorText(err, 'password'), wrong ? 'password-old' : null);
      },
    );
  };
  return (
    <form class="stack" noValidate ref={p.form} onSubmit={submit}>
      <p class="muted">Your other devices will have to log in again with the new password.</p>
      <Field id="password-old" label="Current password">
        <PasswordInput id="password-old" autocomplete="current-password" attrs={p.field('password-old')} />
      </Field>
      <Field id="password-new" label="New password" hint="At least 8 characters.">
        <PasswordInput id="password-new" autocomplete="new-password" attrs={p.field('password-new', true)} />
      </Field>
      <Field id="password-new2" label="Repeat the new password">
        <PasswordInput id="password-new2" autocomplete="new-password" attrs={p.field('password-new2')} />
      </Field>
      <FormError id="password-error" testid="password-error" text={p.text} />
      <div class="dialog__buttons">
        <button type="button" class="btn" onClick={close}>
          Cancel
        </button>
        <SubmitButton testid="password-save" busy={busy.value} label="Change password" />
      </div>
    </form>
  );
}
