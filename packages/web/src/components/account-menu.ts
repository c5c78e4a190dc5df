import { isSignedIn, logout } from '../account.ts';
import type { App } from '../app.ts';
import { h, icon, ICONS, replaceChildren } from '../dom.ts';
import { openAccountDialog, openPasswordDialog } from './account-dialogs.ts';
import './access.css';

const CHEVRON = 'M6 9l6 6 6-6';

/**
 * The account corner of the top bar: "Log in" for guests; for an account a menu with who is
 * logged in, "Change password" and "Log out".
 */
export function accountMenu(app: App): HTMLElement {
  const el = h('div', { class: 'account', testid: 'account' });
  let open = false;
  let toggle: HTMLButtonElement | null = null;
  let menu: HTMLElement | null = null;

  const setOpen = (next: boolean, focusToggle = false): void => {
    open = next;
    if (!menu || !toggle) return;
    menu.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) menu.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    else if (focusToggle) toggle.focus();
  };

  const render = (): void => {
    open = false;
    // While (re)connecting, the saved account says who this is going to be.
    const signedIn = app.me ? isSignedIn(app) : app.account !== null;
    if (!signedIn) {
      toggle = null;
      menu = null;
      replaceChildren(
        el,
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn--small',
            testid: 'account-login',
            on: { click: () => openAccountDialog(app, 'login') },
          },
          'Log in',
        ),
      );
      return;
    }
    const name = app.me?.name ?? app.account?.name ?? '';
    const userId = app.me?.userId ?? app.account?.userId ?? '';
    const items: HTMLButtonElement[] = [];
    // Only local accounts (logged in here) have a password to change.
    if (app.account) {
      items.push(
        h(
          'button',
          {
            type: 'button',
            class: 'account__item',
            role: 'menuitem',
            testid: 'account-change-password',
            on: {
              click: () => {
                setOpen(false);
                openPasswordDialog(app);
              },
            },
          },
          icon(ICONS.lock),
          'Change password',
        ),
      );
    }
    // Third-party apps: the user's grants and the developer page (apps/*.tsx).
    for (const [path, label, testid] of [
      ['/settings/apps', 'Apps with access', 'account-apps'],
      ['/developer', 'Developer', 'account-developer'],
    ] as const) {
      const go = (): void => {
        setOpen(false);
        history.pushState(null, '', path);
        window.dispatchEvent(new PopStateEvent('popstate'));
      };
      items.push(
        h(
          'button',
          { type: 'button', class: 'account__item', role: 'menuitem', testid, on: { click: go } },
          icon(ICONS.link),
          label,
        ),
      );
    }
    items.push(
      h(
        'button',
        {
          type: 'button',
          class: 'account__item',
          role: 'menuitem',
          testid: 'account-logout',
          on: {
            click: () => {
              setOpen(false);
              void logout(app).then(() =>
                app.toast('You are logged out. You can keep going as a guest.', 'info'),
              );
            },
          },
        },
        icon(ICONS.logout),
        'Log out',
      ),
    );
    menu = h(
      'div',
      { class: 'account__menu', id: 'account-menu', role: 'menu', 'aria-label': 'Account', hidden: true },
      h(
        'div',
        { class: 'account__who', testid: 'account-who' },
        h('span', { class: 'muted small' }, 'Logged in as'),
        h('strong', { class: 'account__name' }, name),
        h('span', { class: 'muted small account__id' }, userId),
      ),
      ...items,
    );
    menu.addEventListener('keydown', (e) => {
      const index = items.indexOf(document.activeElement as HTMLButtonElement);
      if (e.key === 'Escape') {
        e.preventDefault();
        setOpen(false, true);
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        items[(index + step + items.length) % items.length]?.focus();
      }
    });
    toggle = h(
      'button',
      {
        type: 'button',
        class: 'btn btn--small account__toggle',
        testid: 'account-menu',
        'aria-haspopup': 'menu',
        'aria-expanded': 'false',
        'aria-controls': 'account-menu',
        title: `Logged in as ${name} (${userId})`,
        on: { click: () => setOpen(!open) },
      },
      h('span', { class: 'account__label' }, 'Account'),
      icon(CHEVRON),
    );
    replaceChildren(el, toggle, menu);
  };

  document.addEventListener('click', (e) => {
    if (open && e.target instanceof Node && !el.contains(e.target)) setOpen(false);
  });
  app.on('me', render);
  app.on('identity', render);
  render();
  return el;
}
