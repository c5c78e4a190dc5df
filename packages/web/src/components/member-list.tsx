/**
 * The room's members with avatar, name and online state (a strip of avatars on phones), and what
 * presence adds: the status text or "last seen …" under a name, and the actions menu of another
 * member (message, add contact, block), opened by its button or by a tap on the member.
 */
import { foreignId, nameLabel } from '../names.ts';
import { useComputed } from '@preact/signals';
import type { Member } from '@presence/protocol';
import type { App } from '../app.ts';
import { lastSeenText } from '../presence-format.ts';
import type { RoomStore } from '../room-store.ts';
import { memberCount, memberRows, type MemberRow } from '../state/member-view.ts';
import { clockTick, storeVersion, track } from '../state/store-signal.ts';
import { Avatar } from '../ui/avatar.tsx';
import { Icon } from '../ui/icon.tsx';
import { PresenceDot } from '../ui/presence-dot.tsx';
import { openPersonMenu } from './person-menu.ts';
import { moderationMenuItems } from './moderation-menu.tsx';
import './presence.css';

const ROLE_LABEL: Partial<Record<Member['role'], string>> = { owner: 'owner', admin: 'admin' };
const MORE = 'M12 12h.01|M19 12h.01|M5 12h.01';

function PresenceLine({ row }: { row: MemberRow }) {
  const p = row.presence;
  if (p?.state === 'offline' && p.lastActive !== null) {
    return (
      <span class="member__presence" data-testid="last-seen">
        {lastSeenText(p.lastActive)}
      </span>
    );
  }
  if (p?.status && p.state !== 'offline') {
    return (
      <span class="member__presence" data-testid="member-status" title={p.status}>
        {p.status}
      </span>
    );
  }
  return null;
}

function MemberItem({ app, row, store }: { app: App | undefined; row: MemberRow; store: RoomStore }) {
  const { member } = row;
  const role = ROLE_LABEL[member.role];
  const other = app !== undefined && !row.you;
  const openMenu = (anchor: HTMLElement): void => {
    if (app) openPersonMenu(app, anchor, member, moderationMenuItems(app, store, member));
  };
  return (
    <li
      class={`member${row.online ? ' is-online' : ''}${other ? ' member--other' : ''}`}
      data-testid="member-item"
      data-user={member.id}
      data-online={String(row.online)}
      title={row.title}
      onClick={
        other
          ? (e) => {
              const li = e.currentTarget;
              const more = li.querySelector<HTMLElement>('.member__more');
              openMenu(more?.offsetParent ? more : li);
            }
          : undefined
      }
    >
      <span class="member__avatar">
        <Avatar user={member} size={32} />
        <PresenceDot user={member.id} state={row.state} />
      </span>
      <span class="member__text">
        <span class="member__name">{nameLabel(member, store.members.values())}</span>
        {row.you && <span class="member__you"> (you)</span>}
        {foreignId(member.id) && (
          <span class="member__server" data-testid="member-server" title={member.id}>
            {foreignId(member.id)}
          </span>
        )}
        <span class="sr-only">{row.srText}</span>
        {role && <span class="member__role">{role}</span>}
        {app && <PresenceLine row={row} />}
      </span>
      {other && (
        <button
          type="button"
          class="icon-btn member__more"
          data-testid="member-menu"
          aria-haspopup="menu"
          aria-expanded="false"
          aria-label={`Actions for ${member.name}`}
          title="Message, add contact…"
          onClick={(e) => {
            e.stopPropagation();
            openMenu(e.currentTarget);
          }}
        >
          <Icon paths={MORE} />
        </button>
      )}
    </li>
  );
}

function MemberListBody({ store, me, app }: { store: RoomStore; me: () => string | null; app?: App }) {
  const rows = useComputed(() => {
    track(storeVersion(store, 'members'));
    if (app) {
      // "last seen 3 min ago" ages with the clock.
      track(storeVersion(app.presence, 'presence'), storeVersion(app.presence, 'me'), clockTick(60_000));
      for (const m of store.members.values()) app.presence.remember(m);
    }
    return memberRows(store.members.values(), (id) => app?.presence.presenceOf(id), me());
  });
  const count = memberCount(rows.value);
  return (
    <>
      <h2 class="members__title" id="members-title">
        Members{' '}
        <span class="members__count" title={count.title} data-testid="member-count">
          {count.text}
        </span>
      </h2>
      <ul class="members__list" role="list">
        {rows.value.map((row) => (
          <MemberItem key={row.member.id} app={app} row={row} store={store} />
        ))}
      </ul>
    </>
  );
}

/** The room's member list (the room view places it beside the chat). */
export function MemberList({ store, me, app }: { store: RoomStore; me: () => string | null; app?: App }) {
  return (
    <aside class="members" data-testid="member-list" aria-labelledby="members-title">
      <MemberListBody store={store} me={me} app={app} />
    </aside>
  );
}
