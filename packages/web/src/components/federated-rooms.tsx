import { useSignal } from '@preact/signals';
import type { FederatedRooms as ServerRooms } from '@presence/protocol';
import { useEffect } from 'preact/hooks';
import type { App } from '../app.ts';
import { roomTitle } from '../format.ts';
import { Icon } from '../ui/icon.tsx';
import { ICONS } from '../ui/icons.ts';

/**
 * Public rooms of the servers this one federates with (`federation.directory`), each under its
 * server's name and linking to the room on that server. Shows nothing when there are none (or
 * federation is off), so the directory looks as before on a server that does not federate.
 */
export function FederatedRooms({ app, query, active }: { app: App; query: string; active: boolean }) {
  const servers = useSignal<readonly ServerRooms[]>([]);

  useEffect(() => {
    if (!active) return;
    let current = true;
    void (async () => {
      try {
        const client = await app.connected();
        const found = await client.request('federation.directory', query ? { query } : {});
        if (current) servers.value = found.servers;
      } catch {
        if (current) servers.value = [];
      }
    })();
    return () => {
      current = false;
    };
  }, [query, active]);

  if (servers.value.length === 0) return null;
  return (
    <section class="directory__federated" data-testid="federated-rooms" aria-label="Rooms on other servers">
      <h2 class="directory__federated-title">Rooms on other servers</h2>
      {servers.value.map((s) => (
        <div key={s.server} class="directory__server" data-server={s.server}>
          <h3 class="directory__server-name">
            <span class="directory__server-tag" data-testid="federated-server">
              {s.server}
            </span>
          </h3>
          <ul class="directory__list" role="list">
            {s.rooms.map((room) => (
              <li key={room.id}>
                <a
                  class="room-card room-card--remote"
                  href={`${s.url}/r/${encodeURIComponent(room.id)}`}
                  rel="noopener"
                  data-testid="federated-room"
                  data-room={room.id}
                >
                  <span class="room-card__name">{roomTitle(room.name)}</span>
                  {room.topic && <span class="room-card__topic">{room.topic}</span>}
                  <span class="room-card__meta">
                    <Icon paths={ICONS.users} />
                    {`${room.memberCount} member${room.memberCount === 1 ? '' : 's'} · on ${s.server}`}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
