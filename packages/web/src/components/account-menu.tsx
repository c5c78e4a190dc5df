import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { isSignedIn, logout } from '../account.ts';
import type { App } from '../app.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import { Icon } from '../ui/icon.tsx';
import { ICONS } from '../ui/icons.ts';
import { openAccountDialog, openPasswordDialog } from './account-dialogs.tsx';
import './access.css';

const CHEVRON = 'M6 9l6 6 6-6';
const APP_PAGES = [
  ['/settings/apps', 'Apps with access', 'account-apps'],
  ['/developer', 'Developer', 'account-developer'],
] as const;

/**
 * The account corner of the top bar: "Log in" for guests; for an account a menu with who is
 * logged in, "Change password" and "Log out".
 */
export function AccountMenu({ app }: { app: App }) {
  track(storeVersion(app, 'me'), storeVersion(app, 'identity'));
  const root = useRef<HTMLDivElement>(null);
  // While (re)connecting, the saved account says who this is going to be.
  const signedIn = app.me ? isSignedIn(app) : app.account !== null;
  const userId = app.me?.userId ?? app.account?.userId ?? '';
  return (
    <div class="account" data-testid="account" ref={root}>
      {signedIn ? (
        <SignedInMenu
          key={userId}
          app={app}
          root={root}
          name={app.me?.name ?? app.account?.name ?? ''}
          userId={userId}
        />
      ) : (
        <button
          type="button"
          class="btn btn--small"
          data-testid="account-login"
          onClick={() => openAccountDialog(app, 'login')}
        >
          Log in
        </button>
      )}
    </div>
  );
}

function SignedInMenu({
  app,
  root,
  name,
  userId,
}: {
  app: App;
  root: { current: HTMLElement | null };
  name: string;
  userId: string;
}) {
  const open = useSignal(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const items = (): HTMLButtonElement[] => [
    ...(menu.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? []),
  ];
  const setOpen = (next: boolean, focusToggle = false): void => {
    open.value = next;
    if (!next && focusToggle) toggle.current?.focus();
  };
  useEffect(() => {
    if (open.value) items()[0]?.focus();
  }, [open.value]);
  useEffect(() => {
    const outside = (e: MouseEvent): void => {
      if (open.value && e.target instanceof Node && !root.current?.contains(e.target)) open.value = false;
    };
    document.addEventListener('click', outside);
    return () => document.removeEventListener('click', outside);
  }, []);
  return (
    <>
      <button
        type="button"
        class="btn btn--small account__toggle"
        data-testid="account-menu"
        aria-haspopup="menu"
        aria-expanded={open.value ? 'true' : 'false'}
        aria-controls="account-menu"
        title={`Logged in as ${name} (${userId})`}
        ref={toggle}
        onClick={() => setOpen(!open.value)}
      >
        <span class="account__label">Account</span>
        <Icon paths={CHEVRON} />
      </button>
      <div
        class="account__menu"
        id="account-menu"
        role="menu"
        aria-label="Account"
        hidden={!open.value}
        ref={menu}
        onKeyDown={(e) => {
          const list = items();
          const index = list.indexOf(document.activeElement as HTMLButtonElement);
          if (e.key === 'Escape') {
            e.preventDefault();
            setOpen(false, true);
          } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            const step = e.key === 'ArrowDown' ? 1 : -1;
            list[(index + step + list.length) % list.length]?.focus();
          }
        }}
      >
        <div class="account__who" data-testid="account-who">
          <span class="muted small">Logged in as</span>
          <strong class="account__name">{name}</strong>
          <span class="muted small account__id">{userId}</span>
        </div>
        {/* Only local accounts (logged in here) have a password to change. */}
        {app.account && (
          <button
            type="button"
            class="account__item"
            role="menuitem"
            data-testid="account-change-password"
            onClick={() => {
              setOpen(false);
              openPasswordDialog(app);
            }}
          >
            <Icon paths={ICONS.lock} />
            Change password
          </button>
        )}
        {/* Third-party apps: the user's grants and the developer page (apps/*.tsx). */}
        {APP_PAGES.map(([path, label, testid]) => (
          <button
            key={testid}
            type="button"
            class="account__item"
            role="menuitem"
            data-testid={testid}
            onClick={() => {
              setOpen(false);
              history.pushState(null, '', path);
              window.dispatchEvent(new PopStateEvent('popstate'));
            }}
          >
            <Icon paths={ICONS.link} />
            {label}
          </button>
        ))}
        <button
          type="button"
          class="account__item"
          role="menuitem"
          data-testid="account-logout"
          onClick={() => {
            setOpen(false);
            void logout(app).then(() =>
              app.toast('You are logged out. You can keep going as a guest.', 'info'),
            );
          }}
        >
          <Icon paths={ICONS.logout} />
          Log out
        </button>
      </div>
    </>
  );
}
