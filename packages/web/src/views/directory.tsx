import { useSignal } from '@preact/signals';
import type { RoomInfo } from '@presence/protocol';
import { useEffect, useRef } from 'preact/hooks';
import type { App } from '../app.ts';
import { roomTitle } from '../format.ts';
import { routePath } from '../router.ts';
import { errorCode, errorText } from '../sdk.ts';
import { Icon } from '../ui/icon.tsx';
import { ICONS } from '../ui/icons.ts';
import { NameForm } from './name-form.tsx';
import { FederatedRooms } from '../components/federated-rooms.tsx';

function doneText(rooms: readonly RoomInfo[], query: string): string {
  if (rooms.length > 0) return `${rooms.length} room${rooms.length === 1 ? '' : 's'}`;
  return query
    ? `No public rooms match “${query}”.`
    : 'No public rooms yet. Name a room and list it to see it here.';
}

/** Public named rooms, searchable (`rooms.directory {query}`). */
export function Directory({ app, initialQuery }: { app: App; initialQuery: string }) {
  const started = useSignal(app.name !== '');
  // What is listed stays while the next search loads; an error clears it.
  const rooms = useSignal<readonly RoomInfo[]>([]);
  const status = useSignal('');
  const search = useRef<HTMLInputElement>(null);
  const seq = useRef(0);
  const shownQuery = useSignal(initialQuery.trim());

  const load = async (): Promise<void> => {
    const query = search.current?.value.trim() ?? '';
    shownQuery.value = query;
    const mine = ++seq.current;
    status.value = 'Loading…';
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
    timer.current = window.setTimeout(() => {
      const query = search.current?.value.trim() ?? '';
      // Keep the query in the address (shareable, survives reload) without re-rendering the view.
      history.replaceState(null, '', routePath({ view: 'directory', query }));
      void load();
    }, 250);
  };

  return (
    <section class="page directory" data-testid="directory" aria-labelledby="directory-title">
      <h1 id="directory-title" class="page__title">
        Room directory
      </h1>
      <p class="muted">Public rooms on this server. Anyone can join them.</p>
      <form role="search" class="directory__search" onSubmit={(e) => e.preventDefault()}>
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
          placeholder="Search rooms by name"
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
      <p class="muted directory__status" role="status">
        {status.value}
      </p>
      <ul class="directory__list" role="list">
        {rooms.value.map((room) => (
          <li key={room.id}>
            <a
              class="room-card"
              href={routePath({ view: 'room', room: room.id })}
              data-link=""
              data-room={room.id}
              data-testid="directory-room"
            >
              <span class="room-card__name">{roomTitle(room.name)}</span>
              {room.topic && <span class="room-card__topic">{room.topic}</span>}
              <span class="room-card__meta">
                <Icon paths={ICONS.users} />
                {`${room.memberCount} member${room.memberCount === 1 ? '' : 's'}`}
              </span>
            </a>
          </li>
        ))}
      </ul>
      <FederatedRooms app={app} query={shownQuery.value} active={started.value} />
    </section>
  );
}
