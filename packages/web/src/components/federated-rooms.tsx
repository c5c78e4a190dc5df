import type { FederatedRooms as ServerRooms } from '@presence/protocol';
import { routePath } from '../router.ts';
import { DirectoryCard } from './directory-card.tsx';

/** Where a room of another server opens: here, connected to that server as this user. */
export function remoteRoomHref(server: ServerRooms, roomId: string): string {
  return routePath({ view: 'room', room: roomId, server: server.server });
}

/**
 * Public rooms of the servers this one federates with (`federation.directory`), each under its
 * server's name. Shows nothing when there are none (or federation is off), so the directory looks
 * as before on a server that does not federate.
 */
export function FederatedRooms({ servers }: { servers: readonly ServerRooms[] }) {
  if (servers.length === 0) return null;
  return (
    <section class="directory__federated" data-testid="federated-rooms" aria-label="Rooms on other servers">
      <h2 class="directory__federated-title">Rooms on other servers</h2>
      {servers.map((s) => (
        <div key={s.server} class="directory__server" data-server={s.server}>
          <h3 class="directory__server-name">
            <span class="directory__server-tag" data-testid="federated-server">
              {s.server}
            </span>
          </h3>
          <ul class="directory__list" role="list">
            {s.rooms.map((room) => (
              <li key={room.id}>
                <DirectoryCard
                  room={room}
                  href={remoteRoomHref(s, room.id)}
                  server={s.server}
                  testId="federated-room"
                  local
                />
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
