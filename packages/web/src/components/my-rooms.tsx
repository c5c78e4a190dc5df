import type { App } from '../app.ts';
import { badgeCount, roomTitle } from '../format.ts';
import { routePath } from '../router.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import { Icon } from '../ui/icon.tsx';
import { ICONS } from '../ui/icons.ts';

/** "My rooms" from `rooms.mine`, with unread badges; the open room is highlighted. */
export function MyRooms({ app, current }: { app: App; current: string | null }) {
  track(storeVersion(app, 'myRooms'), storeVersion(app, 'me'), storeVersion(app, 'conn'));
  const rooms = app.roomList();
  const empty =
    rooms.length > 0
      ? ''
      : !app.name
        ? 'Pick a name and create a room to get started.'
        : app.myRooms === null && !app.myRoomsUnavailable && app.conn === 'connecting'
          ? 'Loading…'
          : 'No rooms yet. Rooms you join show up here.';
  return (
    <nav class="my-rooms" data-testid="my-rooms" aria-labelledby="my-rooms-title">
      <h2 class="sidebar__title" id="my-rooms-title">
        My rooms
      </h2>
      <ul class="my-rooms__list" role="list">
        {rooms.map((room) => {
          const isCurrent = room.id === current;
          const unread = isCurrent ? 0 : room.unread;
          const label = roomTitle(room.name);
          return (
            <li key={room.id}>
              <a
                class={`my-rooms__item${isCurrent ? ' is-current' : ''}${unread > 0 ? ' has-unread' : ''}`}
                href={routePath({ view: 'room', room: room.id })}
                data-link=""
                data-room={room.id}
                data-testid="my-room"
                aria-current={isCurrent ? 'page' : undefined}
                title={label}
              >
                <span class="my-rooms__hash" aria-hidden="true">
                  {room.persistent ? '#' : '~'}
                </span>
                <span class="my-rooms__name">{label}</span>
                {unread > 0 && (
                  <span class="badge" data-testid="unread-badge" aria-label={`${unread} unread`}>
                    {badgeCount(unread)}
                  </span>
                )}
              </a>
            </li>
          );
        })}
      </ul>
      <p class="muted small my-rooms__empty" hidden={empty === ''}>
        {empty}
      </p>
    </nav>
  );
}

/** Sidebar links shared by every view. */
export function SidebarActions() {
  return (
    <div class="sidebar__actions">
      <a class="sidebar__link" href="/" data-link="">
        <Icon paths={ICONS.plus} />
        New room
      </a>
      <a
        class="sidebar__link"
        href={routePath({ view: 'directory', query: '' })}
        data-link=""
        data-testid="directory-link"
      >
        <Icon paths={ICONS.compass} />
        Room directory
      </a>
    </div>
  );
}
