import { useSignal } from '@preact/signals';
import type { DirectoryRoom, FederatedRooms as ServerRooms } from '@presence/protocol';
import { useEffect, useRef } from 'preact/hooks';
import type { App } from '../app.ts';
import { parseRemoteRoom, routePath } from '../router.ts';
import { errorCode, errorText } from '../sdk.ts';
import { Icon } from '../ui/icon.tsx';
import { ICONS } from '../ui/icons.ts';
import { NameForm } from './name-form.tsx';
import { FederatedRooms, remoteRoomHref } from '../components/federated-rooms.tsx';
import { DirectoryCard } from '../components/directory-card.tsx';

function doneText(rooms: readonly DirectoryRoom[], query: string): string {
  if (rooms.length > 0) return `${rooms.length} room${rooms.length === 1 ? '' : 's'}`;
  return query
    ? `No public rooms match “${query}”.`
    : 'No public rooms on this server yet. Name a room and list it to see it here.';
}

/** A live room of the "Live now" row: this server's, or another's (`server` set). */
interface LiveEntry {
  room: DirectoryRoom;
  server: ServerRooms | null;
}

/** Live rooms first: streams before calls, then the most watched or attended. */
function liveNow(local: readonly DirectoryRoom[], remote: readonly ServerRooms[]): LiveEntry[] {
  const all: LiveEntry[] = [
    ...local.filter((r) => r.live).map((room) => ({ room, server: null })),
    ...remote.flatMap((s) => s.rooms.filter((r) => r.live).map((room) => ({ room, server: s }))),
  ];
  const weight = (e: LiveEntry): number =>
    e.room.live?.kind === 'stream' ? 1e9 + e.room.live.viewers : (e.room.live?.participants ?? 0);
  return all.sort((a, b) => weight(b) - weight(a));
}

/**
 * Public named rooms, searchable (`rooms.directory {query}`), and those of federated servers
 * (`federation.directory`); rooms whose call or stream is on are marked live and shown first.
 */
export function Directory({ app, initialQuery }: { app: App; initialQuery: string }) {
  const started = useSignal(app.name !== '');
  // What is listed stays while the next search loads; an error clears it.
  const rooms = useSignal<readonly DirectoryRoom[]>([]);
  const remote = useSignal<readonly ServerRooms[]>([]);
  const status = useSignal('');
  const search = useRef<HTMLInputElement>(null);
  // `ROOM@SERVER` typed or pasted: a room of that server, opened as this user.
  const typedRemote = useSignal(parseRemoteRoom(initialQuery));
  const openRemote = useRef<HTMLAnchorElement>(null);
  const seq = useRef(0);

  const load = async (): Promise<void> => {
    const query = search.current?.value.trim() ?? '';
    const mine = ++seq.current;
    status.value = 'Loading…';
    void loadRemote(query, mine);
    try {
      const found = await app.directory(query);
      if (mine !== seq.current) return;
      rooms.value = found;
      status.value = doneText(found, query);
    } catch (err) {
      if (mine !== seq.current) return;
      rooms.value = [];
      status.value =
        errorCode(err) === 'NOT_IMPLEMENTED'
          ? 'This server does not have a room directory yet.'
          : `Could not load the directory: ${errorText(err)}`;
    }
  };

  // Other servers' rooms load next to this server's (a slow peer does not hold up the list).
  const loadRemote = async (query: string, mine: number): Promise<void> => {
    try {
      const client = await app.connected();
      const found = await client.request('federation.directory', query ? { query } : {});
      if (mine === seq.current) remote.value = found.servers;
    } catch {
      if (mine === seq.current) remote.value = [];
    }
  };

  useEffect(() => {
    document.title = 'Room directory · Presence';
    return () => {
      seq.current++;
    };
  }, []);
  useEffect(() => {
    if (!started.value) return;
    search.current?.focus();
    void load();
  }, [started.value]);

  // Typing: search after a pause.
  const timer = useRef(0);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const onInput = (): void => {
    window.clearTimeout(timer.current);
    typedRemote.value = parseRemoteRoom(search.current?.value ?? '');
    timer.current = window.setTimeout(() => {
      const query = search.current?.value.trim() ?? '';
      // Keep the query in the address (shareable, survives reload) without re-rendering the view.
      history.replaceState(null, '', routePath({ view: 'directory', query }));
      void load();
    }, 250);
  };

  const live = liveNow(rooms.value, remote.value);
  return (
    <section class="page directory" data-testid="directory" aria-labelledby="directory-title">
      <h1 id="directory-title" class="page__title">
        Room directory
      </h1>
      <p class="muted">Public rooms on this server. Anyone can join them.</p>
      <form
        role="search"
        class="directory__search"
        onSubmit={(e) => {
          e.preventDefault();
          openRemote.current?.click();
        }}
      >
        <label class="sr-only" for="directory-search">
          Search rooms
        </label>
        <span class="directory__search-icon" aria-hidden="true">
          <Icon paths={ICONS.search} />
        </span>
        <input
          id="directory-search"
          class="input input--search"
          data-testid="directory-search"
          type="search"
          placeholder="Search rooms by name, or paste ROOM@SERVER"
          autocomplete="off"
          maxLength={80}
          defaultValue={initialQuery}
          disabled={!started.value}
          ref={search}
          onInput={onInput}
        />
      </form>
      <div class="directory__gate">
        {!started.value && (
          <div class="card">
            <p>Pick a display name to browse rooms.</p>
            <NameForm
              initial=""
              submitLabel="Continue"
              submitTestId="directory-continue"
              submit={async (name) => {
                app.setName(name);
                await app.connected();
                started.value = true;
              }}
            />
          </div>
        )}
      </div>
      {typedRemote.value && (
        <p class="directory__open-remote">
          <a
            class="btn btn--primary"
            ref={openRemote}
            data-link=""
            data-testid="open-remote-room"
            href={routePath({
              view: 'room',
              room: typedRemote.value.room,
              ...(typedRemote.value.server === app.homeDomain ? {} : { server: typedRemote.value.server }),
            })}
          >
            {`Open room ${typedRemote.value.room} on ${typedRemote.value.server}`}
          </a>
        </p>
      )}
      <p class="muted directory__status" role="status">
        {status.value}
      </p>
      {live.length > 0 && (
        <section class="directory__live" data-testid="live-now" aria-labelledby="live-now-title">
          <h2 id="live-now-title" class="directory__live-title">
            <span class="live-dot" aria-hidden="true" />
            Live now
          </h2>
          <ul class="directory__list" role="list">
            {live.map(({ room, server }) => (
              <li key={`${server?.server ?? ''}/${room.id}`}>
                <DirectoryCard
                  room={room}
                  href={server ? remoteRoomHref(server, room.id) : routePath({ view: 'room', room: room.id })}
                  {...(server ? { server: server.server } : {})}
                  testId="live-room"
                  local
                />
              </li>
            ))}
          </ul>
        </section>
      )}
      <ul class="directory__list" role="list">
        {rooms.value.map((room) => (
          <li key={room.id}>
            <DirectoryCard
              room={room}
              href={routePath({ view: 'room', room: room.id })}
              testId="directory-room"
              local
            />
          </li>
        ))}
      </ul>
      <FederatedRooms servers={remote.value} />
    </section>
  );
}
