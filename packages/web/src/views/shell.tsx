/**
 * The app's root: top bar, connection banner, "My rooms" sidebar (a drawer on phones), the page
 * of the current route, the DM windows and the notices. `mountApp` renders it and feeds it the
 * router's routes.
 */
import { signal, useSignal, type ReadonlySignal } from '@preact/signals';
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import type { App } from '../app.ts';
import { AccountMenu } from '../components/account-menu.tsx';
import { ConnBanner } from '../components/conn-banner.tsx';
import { ContactsPanel } from '../components/contacts-panel.tsx';
import { DmList } from '../components/dm-list.tsx';
import { DmDock } from '../components/dm-window.tsx';
import { MyRooms, SidebarActions } from '../components/my-rooms.tsx';
import { StatusPicker } from '../components/status-picker.tsx';
import { Toasts } from '../components/toasts.tsx';
import { trackIdle } from '../idle.ts';
import type { Route, Router } from '../router.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import { Avatar } from '../ui/avatar.tsx';
import { Icon } from '../ui/icon.tsx';
import { ICONS } from '../ui/icons.ts';
import { Logo } from '../ui/logo.tsx';
import { setPresenceSource } from '../ui/presence-dot.tsx';
import { Directory } from './directory.tsx';
import { InvitePage } from './invite.tsx';
import { Landing } from './landing.tsx';
import { NotFound } from './not-found.tsx';
import { RoomView } from './room.tsx';
import { AppsSettings } from '../apps/apps-settings.tsx';
import { ConsentPage } from '../apps/consent-page.tsx';
import { DeveloperPage } from '../apps/developer-page.tsx';

/** A route as shown: `visit` counts navigations, so going to the same address starts the page over. */
interface Shown {
  route: Route;
  visit: number;
}

export function mountApp(app: App, router: Router, root: HTMLElement): void {
  const shown = signal<Shown>({ route: { view: 'home' }, visit: 0 });
  // Presence: every avatar's dot follows the store; this tab reports when its user goes idle.
  setPresenceSource(app.presence);
  trackIdle(app.presence);
  root.replaceChildren();
  render(<Shell app={app} router={router} shown={shown} />, root);
  router.start((route) => {
    const there = route.view === 'room' ? roomApp(app, route.server) : null;
    app.currentRoom = there === app && route.view === 'room' ? route.room : null;
    if (there && there !== app && route.view === 'room') there.currentRoom = route.room;
    shown.value = { route, visit: shown.value.visit + 1 };
  });
}

/** The App a room's page uses: this server's, or the one for the room's own server. */
function roomApp(app: App, server: string | undefined): App {
  return server && server !== app.homeDomain ? app.remote(server) : app;
}

function Page({ app, router, route }: { app: App; router: Router; route: Route }) {
  switch (route.view) {
    case 'home':
      return <Landing app={app} router={router} />;
    case 'room':
      return <RoomView app={roomApp(app, route.server)} roomId={route.room} />;
    case 'directory':
      return <Directory app={app} initialQuery={route.query} />;
    case 'invite':
      return <InvitePage app={app} router={router} code={route.code} />;
    case 'authorize':
      return <ConsentPage app={app} search={route.search} />;
    case 'apps-settings':
      return <AppsSettings app={app} />;
    case 'developer':
      return <DeveloperPage app={app} />;
    default:
      return <NotFound />;
  }
}

function MeChip({ app }: { app: App }) {
  track(storeVersion(app, 'me'));
  const me = app.me;
  if (!me) return <div class="me-chip" data-testid="me" hidden />;
  return (
    <div
      class="me-chip"
      data-testid="me"
      title={
        me.userId.startsWith('~')
          ? `Signed in as ${me.name} (guest)`
          : `Logged in as ${me.name} (${me.userId})`
      }
    >
      <Avatar user={me} size={24} />
      <span class="me-chip__name">{me.name}</span>
    </div>
  );
}

function Shell({ app, router, shown }: { app: App; router: Router; shown: ReadonlySignal<Shown> }) {
  const drawer = useSignal(false);
  const { route, visit } = shown.value;
  // A new page closes the drawer.
  useEffect(() => {
    drawer.value = false;
  }, [visit]);
  useEffect(() => {
    // A conversation opened from the drawer's contacts takes the screen on phones.
    const off = app.presence.on('dmOpen', () => (drawer.value = false));
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape' && drawer.value) drawer.value = false;
    };
    document.addEventListener('keydown', onKey);
    return () => {
      off();
      document.removeEventListener('keydown', onKey);
    };
  }, [app]);
  // The body is outside the tree: its class (which the drawer's CSS keys on) is set from here.
  useEffect(() => {
    document.body.classList.toggle('drawer-open', drawer.value);
  }, [drawer.value]);

  return (
    <div class="app">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <button
          type="button"
          class="icon-btn topbar__menu"
          aria-label="Show my rooms"
          aria-expanded={drawer.value ? 'true' : 'false'}
          aria-controls="sidebar"
          onClick={() => (drawer.value = !drawer.value)}
        >
          <Icon paths={ICONS.menu} />
        </button>
        <a class="brand" href="/" data-link="" aria-label="Presence home">
          <Logo size={26} />
          <span>Presence</span>
        </a>
        <span class="topbar__spacer" />
        <StatusPicker app={app} />
        <MeChip app={app} />
        <AccountMenu app={app} />
      </header>
      <ConnBanner app={app} />
      <div class="layout">
        <aside id="sidebar" class="sidebar" aria-label="Rooms">
          <SidebarActions />
          <MyRooms app={app} current={route.view === 'room' ? route.room : null} />
          <DmList app={app} />
          <ContactsPanel app={app} />
        </aside>
        <div class="scrim" hidden={!drawer.value} onClick={() => (drawer.value = false)} />
        <main id="main" class="main" tabIndex={-1}>
          <Page key={visit} app={app} router={router} route={route} />
        </main>
      </div>
      <DmDock app={app} />
      <Toasts app={app} />
    </div>
  );
}
