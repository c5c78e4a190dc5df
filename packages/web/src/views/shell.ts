import type { App } from '../app.ts';
import { accountMenu } from '../components/account-menu.ts';
import { avatar } from '../components/avatar.ts';
import { connBanner } from '../components/conn-banner.ts';
import { contactsPanel } from '../components/contacts-panel.ts';
import { dmDock } from '../components/dm-window.ts';
import { myRooms, sidebarActions } from '../components/my-rooms.ts';
import { bindPresenceDots } from '../components/presence-dot.ts';
import { statusPicker } from '../components/status-picker.ts';
import { toasts } from '../components/toasts.tsx';
import { trackIdle } from '../idle.ts';
import { h, icon, ICONS, replaceChildren } from '../dom.ts';
import { logo } from './landing.ts';

export interface Shell {
  el: HTMLElement;
  main: HTMLElement;
  setCurrentRoom(room: string | null): void;
  closeDrawer(): void;
}

/** Top bar, connection banner, "My rooms" sidebar (a drawer on phones) and the main area. */
export function shell(app: App): Shell {
  const menuBtn = h(
    'button',
    {
      type: 'button',
      class: 'icon-btn topbar__menu',
      'aria-label': 'Show my rooms',
      'aria-expanded': 'false',
      'aria-controls': 'sidebar',
    },
    icon(ICONS.menu),
  );
  const meChip = h('div', { class: 'me-chip', testid: 'me' });
  const renderMe = (): void => {
    const me = app.me;
    if (!me) {
      replaceChildren(meChip);
      meChip.hidden = true;
      return;
    }
    meChip.hidden = false;
    replaceChildren(meChip, avatar(me, 24), h('span', { class: 'me-chip__name' }, me.name));
    meChip.title = me.userId.startsWith('~')
      ? `Signed in as ${me.name} (guest)`
      : `Logged in as ${me.name} (${me.userId})`;
  };
  app.on('me', renderMe);
  renderMe();

  // Presence: every avatar's dot follows the store; this tab reports when its user goes idle.
  bindPresenceDots(app.presence);
  trackIdle(app.presence);

  const rooms = myRooms(app);
  const sidebar = h(
    'aside',
    { id: 'sidebar', class: 'sidebar', 'aria-label': 'Rooms' },
    sidebarActions(),
    rooms.el,
    contactsPanel(app),
  );
  const scrim = h('div', { class: 'scrim', hidden: true });
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  const setDrawer = (open: boolean): void => {
    document.body.classList.toggle('drawer-open', open);
    menuBtn.setAttribute('aria-expanded', String(open));
    scrim.hidden = !open;
  };
  menuBtn.addEventListener('click', () => setDrawer(!document.body.classList.contains('drawer-open')));
  scrim.addEventListener('click', () => setDrawer(false));
  // A conversation opened from the drawer's contacts takes the screen on phones.
  app.presence.on('dmOpen', () => setDrawer(false));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && document.body.classList.contains('drawer-open')) setDrawer(false);
  });

  const el = h(
    'div',
    { class: 'app' },
    h('a', { class: 'skip-link', href: '#main' }, 'Skip to content'),
    h(
      'header',
      { class: 'topbar' },
      menuBtn,
      h(
        'a',
        { class: 'brand', href: '/', dataset: { link: '' }, 'aria-label': 'Presence home' },
        logo(26),
        h('span', null, 'Presence'),
      ),
      h('span', { class: 'topbar__spacer' }),
      statusPicker(app),
      meChip,
      accountMenu(app),
    ),
    connBanner(app),
    h('div', { class: 'layout' }, sidebar, scrim, main),
    dmDock(app),
    toasts(app),
  );
  return {
    el,
    main,
    setCurrentRoom: (room) => rooms.setCurrent(room),
    closeDrawer: () => setDrawer(false),
  };
}
