/**
 * What presence adds to a room's member list: the status text or "last seen …" under a name, and
 * the actions menu of another member (message, add contact, block), opened by its button or by a
 * tap on the member (the phone strip has no room for the button).
 */
import type { Member } from '@presence/protocol';
import type { App } from '../app.ts';
import { h, icon } from '../dom.ts';
import { lastSeenText } from '../presence-format.ts';
import { openPersonMenu } from './person-menu.ts';
import './presence.css';

const MORE = 'M12 12h.01|M19 12h.01|M5 12h.01';

/** The presence line, the menu button, and a click handler for a member row. */
export function memberPresence(
  app: App,
  member: Member,
  myId: string | null,
): { line: HTMLElement | null; more: HTMLElement | null; wire(li: HTMLElement): void } {
  const store = app.presence;
  store.remember(member);
  const p = store.presenceOf(member.id);
  let line: HTMLElement | null = null;
  if (p?.state === 'offline' && p.lastActive !== null) {
    line = h('span', { class: 'member__presence', testid: 'last-seen' }, lastSeenText(p.lastActive));
  } else if (p?.status && p.state !== 'offline') {
    line = h('span', { class: 'member__presence', testid: 'member-status', title: p.status }, p.status);
  }
  if (member.id === myId) return { line, more: null, wire: () => undefined };
  const more = h(
    'button',
    {
      type: 'button',
      class: 'icon-btn member__more',
      testid: 'member-menu',
      'aria-haspopup': 'menu',
      'aria-expanded': 'false',
      'aria-label': `Actions for ${member.name}`,
      title: 'Message, add contact…',
    },
    icon(MORE),
  );
  more.addEventListener('click', (e) => {
    e.stopPropagation();
    openPersonMenu(app, more, member);
  });
  return {
    line,
    more,
    wire(li) {
      li.classList.add('member--other');
      li.addEventListener('click', () => openPersonMenu(app, more.offsetParent ? more : li, member));
    },
  };
}

/** Re-render the member list when the presence of one of its members changes. */
export function onMemberPresence(app: App, members: () => Iterable<string>, render: () => void): () => void {
  const offPresence = app.presence.on('presence', (changed) => {
    if (changed.size === 0) return render();
    for (const id of members()) if (changed.has(id)) return render();
  });
  // "last seen 3 min ago" ages.
  const timer = window.setInterval(render, 60_000);
  return () => {
    offPresence();
    window.clearInterval(timer);
  };
}
