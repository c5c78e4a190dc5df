import type { App } from '../app.ts';
import { h, icon, ICONS, replaceChildren } from '../dom.ts';
import { badgeCount, roomTitle } from '../format.ts';
import { routePath } from '../router.ts';

/** "My rooms" from `rooms.mine`, with unread badges; the open room is highlighted. */
export function myRooms(app: App): { el: HTMLElement; setCurrent(room: string | null): void } {
  const list = h('ul', { class: 'my-rooms__list', role: 'list' });
  const empty = h('p', { class: 'muted small my-rooms__empty' });
  const el = h(
    'nav',
    { class: 'my-rooms', testid: 'my-rooms', 'aria-labelledby': 'my-rooms-title' },
    h('h2', { class: 'sidebar__title', id: 'my-rooms-title' }, 'My rooms'),
    list,
    empty,
  );
  let current: string | null = null;

  const render = (): void => {
    const rooms = app.roomList();
    replaceChildren(
      list,
      ...rooms.map((room) => {
        const unread = room.id === current ? 0 : room.unread;
        const label = roomTitle(room.name);
        return h(
          'li',
          null,
          h(
            'a',
            {
              class: `my-rooms__item${room.id === current ? ' is-current' : ''}${unread > 0 ? ' has-unread' : ''}`,
              href: routePath({ view: 'room', room: room.id }),
              dataset: { link: '', room: room.id },
              testid: 'my-room',
              'aria-current': room.id === current ? 'page' : undefined,
              title: label,
            },
            h('span', { class: 'my-rooms__hash', 'aria-hidden': 'true' }, room.persistent ? '#' : '~'),
            h('span', { class: 'my-rooms__name' }, label),
            unread > 0
              ? h(
                  'span',
                  { class: 'badge', testid: 'unread-badge', 'aria-label': `${unread} unread` },
                  badgeCount(unread),
                )
              : null,
          ),
        );
      }),
    );
    empty.textContent =
      rooms.length > 0
        ? ''
        : !app.name
          ? 'Pick a name and create a room to get started.'
          : app.myRooms === null && !app.myRoomsUnavailable && app.conn === 'connecting'
            ? 'Loading…'
            : 'No rooms yet. Rooms you join show up here.';
    empty.hidden = empty.textContent === '';
  };

  app.on('myRooms', render);
  app.on('me', render);
  app.on('conn', render);
  render();
  return {
    el,
    setCurrent(room) {
      current = room;
      render();
    },
  };
}

/** Sidebar links shared by every view. */
export function sidebarActions(): HTMLElement {
  return h(
    'div',
    { class: 'sidebar__actions' },
    h('a', { class: 'sidebar__link', href: '/', dataset: { link: '' } }, icon(ICONS.plus), 'New room'),
    h(
      'a',
      {
        class: 'sidebar__link',
        href: routePath({ view: 'directory', query: '' }),
        dataset: { link: '' },
        testid: 'directory-link',
      },
      icon(ICONS.compass),
      'Room directory',
    ),
  );
}
