/**
 * Room header tools for chat: notification level (all / mentions / off) with the polite desktop
 * notification opt-in, message search (this room or all my rooms), and leaving or deleting the room.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { NotifyLevel, RoomEvent } from '@presence/protocol';
import type { App } from '../app.ts';
import { notifierOf } from '../notifier.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { clockTime, fullDate } from '../format.ts';
import './chat-extras.css';

type MessageEvent = Extract<RoomEvent, { type: 'message' }>;

export function NotifySettings({ app, roomId }: { app: App; roomId: string }) {
  const notifier = notifierOf(app);
  const level = useSignal<NotifyLevel>(notifier.level(roomId));
  const permission = useSignal(notifier.permission);
  useEffect(
    () =>
      notifier.subscribe(() => {
        level.value = notifier.level(roomId);
        permission.value = notifier.permission;
      }),
    [roomId],
  );
  return (
    <div class="notify-settings">
      <label class="sr-only" for="notify-level">
        Notifications for this room
      </label>
      <select
        id="notify-level"
        class="input input--small"
        data-testid="notify-level"
        title="Notifications for this room"
        value={level.value}
        onChange={(e) => {
          const next = e.currentTarget.value as NotifyLevel;
          level.value = next;
          notifier
            .setLevel(roomId, next)
            .catch((err: unknown) => app.toast(`Could not save: ${errorText(err)}`));
        }}
      >
        <option value="all">Notify: all messages</option>
        <option value="mentions">Notify: mentions only</option>
        <option value="none">Muted</option>
      </select>
      {permission.value === 'default' && (
        <button
          type="button"
          class="btn btn--small"
          data-testid="enable-desktop-notifications"
          title="Show a notification when a message comes while you are elsewhere"
          onClick={() => void notifier.askPermission()}
        >
          Desktop alerts
        </button>
      )}
    </div>
  );
}

export function RoomLifeButtons({ app, store }: { app: App; store: RoomStore }) {
  const role = store.members.get(app.userId ?? '')?.role ?? store.role;
  const leave = async (): Promise<void> => {
    if (!window.confirm('Leave this room? You can join again with its link.')) return;
    try {
      const client = await app.connected();
      await client.request('room.leave', { room: store.id });
      app.rooms.delete(store.id);
      location.assign('/');
    } catch (err) {
      app.toast(`Could not leave: ${errorText(err)}`);
    }
  };
  const remove = async (): Promise<void> => {
    if (!window.confirm('Delete this room for everyone? Its messages and files are deleted for good.'))
      return;
    try {
      const client = await app.connected();
      await client.request('room.delete', { room: store.id });
      app.rooms.delete(store.id);
      location.assign('/');
    } catch (err) {
      app.toast(`Could not delete the room: ${errorText(err)}`);
    }
  };
  return (
    <>
      <button
        type="button"
        class="btn btn--small"
        data-testid="leave-room"
        title="Leave this room"
        onClick={() => void leave()}
      >
        Leave
      </button>
      {role === 'owner' && (
        <button
          type="button"
          class="btn btn--small btn--danger"
          data-testid="delete-room"
          title="Delete this room for everyone"
          onClick={() => void remove()}
        >
          Delete
        </button>
      )}
    </>
  );
}

export function SearchPanel({
  app,
  roomId,
  jump,
  close,
}: {
  app: App;
  roomId: string;
  jump(seq: number): void;
  close(): void;
}) {
  const query = useSignal('');
  const everywhere = useSignal(false);
  const results = useSignal<MessageEvent[] | null>(null);
  const next = useSignal<number | undefined>(undefined);
  const busy = useSignal(false);
  const error = useSignal('');
  const run = async (offset: number): Promise<void> => {
    const q = query.value.trim();
    if (!q) return;
    busy.value = true;
    error.value = '';
    try {
      const client = await app.connected();
      const page = await client.search(q, {
        ...(everywhere.value ? {} : { room: roomId }),
        offset,
        limit: 20,
      });
      results.value = offset === 0 ? page.messages : [...(results.value ?? []), ...page.messages];
      next.value = page.next;
    } catch (err) {
      error.value = errorText(err);
    } finally {
      busy.value = false;
    }
  };
  const roomName = (id: string): string => app.myRooms?.find((r) => r.id === id)?.name ?? id;
  return (
    <div class="search-panel" data-testid="search-panel" role="search">
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void run(0);
        }}
      >
        <input
          class="input"
          type="search"
          data-testid="search-input"
          placeholder="Search messages"
          aria-label="Search messages"
          value={query.value}
          onInput={(e) => (query.value = e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') close();
          }}
          autoFocus
        />
        <label class="small">
          <input
            type="checkbox"
            data-testid="search-everywhere"
            checked={everywhere.value}
            onChange={(e) => (everywhere.value = e.currentTarget.checked)}
          />{' '}
          All my rooms
        </label>
        <button
          type="submit"
          class="btn btn--small btn--primary"
          data-testid="search-go"
          disabled={busy.value}
        >
          Search
        </button>
        <button type="button" class="btn btn--small" onClick={close}>
          Close
        </button>
      </form>
      {error.value && (
        <p class="muted small" role="alert">
          {error.value}
        </p>
      )}
      {results.value && (
        <ul class="search-panel__results" data-testid="search-results">
          {results.value.length === 0 && <li class="muted small">Nothing found (named rooms only).</li>}
          {results.value.map((m) => (
            <li
              key={`${m.room}:${m.seq}`}
              class="search-result"
              data-testid="search-result"
              onClick={() => {
                if (m.room === roomId) jump(m.seq);
                else location.assign(`/r/${encodeURIComponent(m.room)}`);
              }}
            >
              <strong>{m.from.name}</strong>{' '}
              <time class="muted small" title={fullDate(m.ts)}>
                {clockTime(m.ts)}
              </time>
              {m.room !== roomId && <span class="muted small"> in {roomName(m.room)}</span>}
              <div class="search-result__text">{m.text}</div>
            </li>
          ))}
          {next.value !== undefined && (
            <li>
              <button
                type="button"
                class="btn btn--small"
                data-testid="search-more"
                onClick={() => void run(next.value ?? 0)}
              >
                More
              </button>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
