import type { Member } from '@presence/protocol';
import type { App } from '../app.ts';
import { h, replaceChildren } from '../dom.ts';
import type { RoomStore } from '../room-store.ts';
import { avatar } from './avatar.ts';
import { memberPresence, onMemberPresence } from './member-presence.ts';
import { presenceDot } from './presence-dot.ts';

const ROLE_LABEL: Partial<Record<Member['role'], string>> = { owner: 'owner', admin: 'admin' };

function byPresenceThenName(a: Member, b: Member): number {
  if (a.online !== b.online) return a.online ? -1 : 1;
  return a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });
}

/** The room's members with avatar, name and online state (a strip of avatars on phones). */
export function memberList(
  store: RoomStore,
  me: () => string | null,
  app?: App,
): { el: HTMLElement; destroy(): void } {
  const count = h('span', { class: 'members__count' });
  const list = h('ul', { class: 'members__list', role: 'list' });
  const el = h(
    'aside',
    { class: 'members', testid: 'member-list', 'aria-labelledby': 'members-title' },
    h('h2', { class: 'members__title', id: 'members-title' }, 'Members ', count),
    list,
  );

  const render = (): void => {
    const members = [...store.members.values()].sort(byPresenceThenName);
    const online = members.filter((m) => m.online).length;
    count.textContent = `${online}/${members.length}`;
    count.title = `${online} online, ${members.length} members`;
    const myId = me();
    replaceChildren(
      list,
      ...members.map((m) => {
        const role = ROLE_LABEL[m.role];
        const extra = app ? memberPresence(app, m, myId) : null;
        const li = h(
          'li',
          {
            class: `member${m.online ? ' is-online' : ''}`,
            testid: 'member-item',
            dataset: { user: m.id, online: String(m.online) },
            title: `${m.name}${m.id === myId ? ' (you)' : ''} — ${m.online ? 'online' : 'offline'}`,
          },
          h(
            'span',
            { class: 'member__avatar' },
            avatar(m, 32),
            presenceDot(m.id, m.online ? 'online' : 'offline'),
          ),
          h(
            'span',
            { class: 'member__text' },
            h('span', { class: 'member__name' }, m.name),
            m.id === myId ? h('span', { class: 'member__you' }, ' (you)') : null,
            h('span', { class: 'sr-only' }, m.online ? ', online' : ', offline'),
            role ? h('span', { class: 'member__role' }, role) : null,
            extra?.line,
          ),
          extra?.more,
        );
        extra?.wire(li);
        return li;
      }),
    );
  };
  const off = store.on('members', render);
  const offPresence = app ? onMemberPresence(app, () => store.members.keys(), render) : null;
  render();
  return {
    el,
    destroy: () => {
      off();
      offPresence?.();
    },
  };
}
