import type { RoomInfo } from '@presence/protocol';
import type { App } from '../app.ts';
import { h, icon, ICONS, replaceChildren } from '../dom.ts';
import { roomTitle } from '../format.ts';
import { routePath } from '../router.ts';
import { errorCode, errorText } from '../sdk.ts';
import { nameForm } from './name-form.ts';
import type { View } from './view.ts';

/** Public named rooms, searchable (`rooms.directory {query}`). */
export function directoryView(app: App, initialQuery: string): View {
  const search = h('input', {
    id: 'directory-search',
    class: 'input input--search',
    testid: 'directory-search',
    type: 'search',
    placeholder: 'Search rooms by name',
    autocomplete: 'off',
    maxLength: 80,
  });
  search.value = initialQuery;
  const status = h('p', { class: 'muted directory__status', role: 'status' });
  const list = h('ul', { class: 'directory__list', role: 'list' });
  const gate = h('div', { class: 'directory__gate' });
  const el = h(
    'section',
    { class: 'page directory', testid: 'directory', 'aria-labelledby': 'directory-title' },
    h('h1', { id: 'directory-title', class: 'page__title' }, 'Room directory'),
    h('p', { class: 'muted' }, 'Public rooms on this server. Anyone can join them.'),
    h(
      'form',
      { role: 'search', class: 'directory__search', on: { submit: (e) => e.preventDefault() } },
      h('label', { class: 'sr-only', for: 'directory-search' }, 'Search rooms'),
      h('span', { class: 'directory__search-icon', 'aria-hidden': 'true' }, icon(ICONS.search)),
      search,
    ),
    gate,
    status,
    list,
  );

  let seq = 0;
  let timer = 0;
  const load = async (): Promise<void> => {
    const query = search.value.trim();
    const mine = ++seq;
    status.textContent = 'Loading…';
    try {
      const rooms = await app.directory(query);
      if (mine !== seq) return;
      render(rooms, query);
    } catch (err) {
      if (mine !== seq) return;
      replaceChildren(list);
      status.textContent =
        errorCode(err) === 'NOT_IMPLEMENTED'
          ? 'This server does not have a room directory yet.'
          : `Could not load the directory: ${errorText(err)}`;
    }
  };
  const render = (rooms: RoomInfo[], query: string): void => {
    status.textContent =
      rooms.length === 0
        ? query
          ? `No public rooms match “${query}”.`
          : 'No public rooms yet. Name a room and list it to see it here.'
        : `${rooms.length} room${rooms.length === 1 ? '' : 's'}`;
    replaceChildren(
      list,
      ...rooms.map((room) =>
        h(
          'li',
          null,
          h(
            'a',
            {
              class: 'room-card',
              href: routePath({ view: 'room', room: room.id }),
              dataset: { link: '', room: room.id },
              testid: 'directory-room',
            },
            h('span', { class: 'room-card__name' }, roomTitle(room.name)),
            room.topic ? h('span', { class: 'room-card__topic' }, room.topic) : null,
            h(
              'span',
              { class: 'room-card__meta' },
              icon(ICONS.users),
              `${room.memberCount} member${room.memberCount === 1 ? '' : 's'}`,
            ),
          ),
        ),
      ),
    );
  };
  search.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      const query = search.value.trim();
      // Keep the query in the address (shareable, survives reload) without re-rendering the view.
      history.replaceState(null, '', routePath({ view: 'directory', query }));
      void load();
    }, 250);
  });

  const start = (): void => {
    replaceChildren(gate);
    search.disabled = false;
    void load();
  };
  if (app.name) start();
  else {
    search.disabled = true;
    const form = nameForm({
      initial: '',
      submitLabel: 'Continue',
      submitTestId: 'directory-continue',
      async submit(name) {
        app.setName(name);
        await app.connected();
        start();
      },
    });
    replaceChildren(
      gate,
      h('div', { class: 'card' }, h('p', null, 'Pick a display name to browse rooms.'), form.el),
    );
  }

  return {
    el,
    mounted() {
      document.title = 'Room directory · Presence';
      if (app.name) search.focus();
    },
    destroy() {
      window.clearTimeout(timer);
      seq++;
    },
  };
}
