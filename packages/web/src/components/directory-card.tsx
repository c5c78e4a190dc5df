import type { DirectoryRoom, RoomLive } from '@presence/protocol';
import { clockTime, roomTitle } from '../format.ts';
import { Icon } from '../ui/icon.tsx';
import { ICONS } from '../ui/icons.ts';

/** "Live · streaming · 12 watching", "Live · call · 3 in the call". */
export function liveText(live: RoomLive): string {
  return live.kind === 'stream'
    ? `streaming · ${live.viewers} watching`
    : `call · ${live.participants} in the call`;
}

/** The red "Live" mark of a room whose call or stream is on, with what and since when. */
export function LiveMark({ live }: { live: RoomLive }) {
  return (
    <span
      class={`live-mark live-mark--${live.kind}`}
      data-testid="live-mark"
      data-kind={live.kind}
      title={`Since ${clockTime(live.since)}`}
    >
      <span class="live-mark__badge">Live</span>
      <span class="live-mark__text">{liveText(live)}</span>
    </span>
  );
}

/**
 * One room of a directory: a local room (a same-origin link) or a room of another server (`server`
 * set, shown on the card). `testId` keeps the tests' handles per list.
 */
export function DirectoryCard({
  room,
  href,
  server,
  testId,
  local,
}: {
  room: DirectoryRoom;
  href: string;
  server?: string;
  testId: string;
  /** A link the app's router handles (no page load). */
  local: boolean;
}) {
  const members = `${room.memberCount} member${room.memberCount === 1 ? '' : 's'}`;
  return (
    <a
      class={`room-card${server ? ' room-card--remote' : ''}${room.live ? ' room-card--live' : ''}`}
      href={href}
      {...(local ? { 'data-link': '' } : { rel: 'noopener' })}
      data-room={room.id}
      data-server={server}
      data-testid={testId}
    >
      <span class="room-card__name">{roomTitle(room.name)}</span>
      {room.topic && <span class="room-card__topic">{room.topic}</span>}
      {room.live && <LiveMark live={room.live} />}
      <span class="room-card__meta">
        <Icon paths={ICONS.users} />
        {server ? `${members} · on ${server}` : members}
      </span>
    </a>
  );
}
