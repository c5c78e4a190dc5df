import { accountErrorText, AccountError, changePassword, login, register } from '../account.ts';
import type { App } from '../app.ts';
import { h, replaceChildren } from '../dom.ts';
import { passwordProblem, usernameProblem } from '../invite-format.ts';
import { clearError, field, openModal, showError } from './modal.ts';
import './access.css';

type Mode = 'login' | 'register';

function textInput(id: string, attrs: Record<string, unknown>): HTMLInputElement {
  return h('input', { id, class: 'input', testid: id, type: 'text', ...attrs });
}

function passwordInput(id: string, autocomplete: string): HTMLInputElement {
  return h('input', {
    id,
    class: 'input',
    testid: id,
    type: 'password',
    autocomplete,
    required: true,
    maxLength: 256,
  });
}

function busy(button: HTMLButtonElement, on: boolean): void {
  button.disabled = on;
  button.classList.toggle('is-busy', on);
}

/** Log in or create an account (one dialog; a link switches between the two forms). */
export function openAccountDialog(app: App, initial: Mode = 'login'): void {
  let mode: Mode = initial;
  const title = (): string => (mode === 'login' ? 'Log in' : 'Create an account');
  const holder = h('div', { class: 'account-form' });
  const modal = openModal({
    id: 'account-dialog',
    title: title(),
    testid: 'account-dialog',
    body: () => [holder],
  });
  const heading = modal.dialog.querySelector('.dialog__title');

  const render = (): void => {
    if (heading) heading.textContent = title();
    replaceChildren(holder, mode === 'login' ? loginForm() : registerForm());
    holder.querySelector<HTMLInputElement>('input')?.focus();
  };
  const switchTo = (next: Mode): void => {
    mode = next;
    render();
  };

  const loginForm = (): HTMLFormElement => {
    const username = textInput('account-username', {
      autocomplete: 'username',
      autocapitalize: 'none',
      spellcheck: 'false',
      required: true,
      maxLength: 64,
    });
    const password = passwordInput('account-password', 'current-password');
    const error = h('p', { class: 'form-error', role: 'alert', testid: 'account-error', hidden: true });
    const submit = h(
      'button',
      { type: 'submit', class: 'btn btn--primary', testid: 'account-submit' },
      'Log in',
    );
    const form = h(
      'form',
      { class: 'stack', novalidate: true },
      h('p', { class: 'muted' }, 'Log in to use your account’s name in every room, on any device.'),
      field(username, 'Username'),
      field(password, 'Password'),
      error,
      h(
        'div',
        { class: 'dialog__buttons' },
        h('button', { type: 'button', class: 'btn', on: { click: modal.close } }, 'Cancel'),
        submit,
      ),
      h(
        'p',
        { class: 'account-form__switch small' },
        'No account yet? ',
        h(
          'button',
          {
            type: 'button',
            class: 'link-btn',
            testid: 'account-switch',
            on: { click: () => switchTo('register') },
          },
          'Create one',
        ),
      ),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearError(error, form);
      if (!username.value.trim()) return showError(error, 'Please enter your username.', username);
      if (!password.value) return showError(error, 'Please enter your password.', password);
      busy(submit, true);
      login(app, { username: username.value, password: password.value }).then(
        () => {
          modal.close();
          app.toast(`Logged in as ${app.account?.name ?? username.value.trim()}.`, 'info');
        },
        (err: unknown) => {
          busy(submit, false);
          const code = err instanceof AccountError ? err.code : '';
          showError(
            error,
            accountErrorText(err, 'login'),
            code === 'INVALID_CREDENTIALS' ? password : undefined,
          );
          if (code === 'INVALID_CREDENTIALS') password.select();
        },
      );
    });
    return form;
  };

  const registerForm = (): HTMLFormElement => {
    const username = textInput('account-username', {
      autocomplete: 'username',
      autocapitalize: 'none',
      spellcheck: 'false',
      required: true,
      maxLength: 32,
    });
    const name = textInput('account-name', { autocomplete: 'nickname', required: true, maxLength: 64 });
    name.value = app.me?.userId.startsWith('~') ? app.me.name : app.name;
    const password = passwordInput('account-password', 'new-password');
    const repeat = passwordInput('account-password2', 'new-password');
    const error = h('p', { class: 'form-error', role: 'alert', testid: 'account-error', hidden: true });
    const submit = h(
      'button',
      { type: 'submit', class: 'btn btn--primary', testid: 'account-submit' },
      'Create account',
    );
    const form = h(
      'form',
      { class: 'stack', novalidate: true },
      h(
        'p',
        { class: 'muted' },
        'An account keeps your name and your rooms. Guests can keep chatting without one.',
      ),
      field(username, 'Username', '2–32 characters: letters a–z, digits, and . _ -'),
      field(name, 'Display name', 'Shown to others in rooms.'),
      field(password, 'Password', 'At least 8 characters.'),
      field(repeat, 'Repeat the password'),
      error,
      h(
        'div',
        { class: 'dialog__buttons' },
        h('button', { type: 'button', class: 'btn', on: { click: modal.close } }, 'Cancel'),
        submit,
      ),
      h(
        'p',
        { class: 'account-form__switch small' },
        'Already have an account? ',
        h(
          'button',
          {
            type: 'button',
            class: 'link-btn',
            testid: 'account-switch',
            on: { click: () => switchTo('login') },
          },
          'Log in',
        ),
      ),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearError(error, form);
      const badName = usernameProblem(username.value);
      if (badName) return showError(error, badName, username);
      if (!name.value.trim()) return showError(error, 'Please enter the name others will see.', name);
      if (/\p{Cc}/u.test(name.value))
        return showError(error, 'The name cannot contain control characters.', name);
      const badPassword = passwordProblem(password.value);
      if (badPassword) return showError(error, badPassword, password);
      if (repeat.value !== password.value)
        return showError(error, 'The two passwords are not the same.', repeat);
      busy(submit, true);
      register(app, { username: username.value, password: password.value, name: name.value }).then(
        () => {
          modal.close();
          app.toast(`Welcome, ${name.value.trim()}! Your account is ready and you are logged in.`, 'info');
        },
        (err: unknown) => {
          busy(submit, false);
          const code = err instanceof AccountError ? err.code : '';
          showError(
            error,
            accountErrorText(err, 'register'),
            code === 'USERNAME_TAKEN' ? username : undefined,
          );
        },
      );
    });
    return form;
  };

  render();
}

/** Change the password of the logged-in account. */
export function openPasswordDialog(app: App): void {
  const current = passwordInput('password-old', 'current-password');
  const fresh = passwordInput('password-new', 'new-password');
  const repeat = passwordInput('password-new2', 'new-password');
  const error = h('p', { class: 'form-error', role: 'alert', testid: 'password-error', hidden: true });
  const submit = h(
    'button',
    { type: 'submit', class: 'btn btn--primary', testid: 'password-save' },
    'Change password',
  );
  openModal({
    id: 'password-dialog',
    title: 'Change your password',
    testid: 'password-dialog',
    body: (close) => {
      const form = h(
        'form',
        { class: 'stack', novalidate: true },
        h('p', { class: 'muted' }, 'Your other devices will have to log in again with the new password.'),
        field(current, 'Current password'),
        field(fresh, 'New password', 'At least 8 characters.'),
        field(repeat, 'Repeat the new password'),
        error,
        h(
          'div',
          { class: 'dialog__buttons' },
          h('button', { type: 'button', class: 'btn', on: { click: close } }, 'Cancel'),
          submit,
        ),
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        clearError(error, form);
        if (!current.value) return showError(error, 'Please enter your current password.', current);
        const bad = passwordProblem(fresh.value);
        if (bad) return showError(error, bad, fresh);
        if (repeat.value !== fresh.value)
          return showError(error, 'The two new passwords are not the same.', repeat);
        busy(submit, true);
        changePassword(app, { oldPassword: current.value, newPassword: fresh.value }).then(
          () => {
            close();
            app.toast('Your password was changed.', 'info');
          },
          (err: unknown) => {
            busy(submit, false);
            const code = err instanceof AccountError ? err.code : '';
            showError(
              error,
              accountErrorText(err, 'password'),
              code === 'INVALID_CREDENTIALS' ? current : undefined,
            );
          },
        );
      });
      return [form];
    },
  });
  current.focus();
}
