/**
 * Streaming settings for owners and admins: make the room a streaming room (one streamer at a
 * time is the source, everyone else in the call watches) and choose who may stream (everyone of at
 * least a role). Saved with `live.settings`; a running call follows at once. Persistent rooms also
 * show their stream keys (WHIP) here.
 */
import { useSignal } from '@preact/signals';
import type { RoomRole } from '@presence/protocol';
import type { App } from '../app.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { openComponentModal } from '../ui/modal.tsx';
import { StreamKeysPanel } from './stream-keys-dialog.tsx';
import './moderation.css';

const ROLES: { value: RoomRole | 'none'; label: string }[] = [
  { value: 'owner', label: 'Owners' },
  { value: 'admin', label: 'Admins and owners' },
  { value: 'member', label: 'Members, admins and owners' },
  { value: 'guest', label: 'Everyone (guests too)' },
  { value: 'none', label: 'Only the users already listed' },
];

export function openStreamSettingsDialog(app: App, store: RoomStore): void {
  openComponentModal(
    { id: 'stream-settings-dialog', title: 'Streaming', testid: 'stream-settings-dialog', wide: true },
    (close) => (
      <div class="stack">
        <StreamSettingsPanel app={app} store={store} close={close} />
        {store.info?.persistent && (
          <section class="stack" data-testid="stream-keys-dialog" aria-label="Stream with OBS (WHIP)">
            <h3>Stream with OBS (WHIP)</h3>
            <StreamKeysPanel app={app} store={store} />
          </section>
        )}
      </div>
    ),
  );
}

function StreamSettingsPanel({ app, store, close }: { app: App; store: RoomStore; close: () => void }) {
  const current = store.live.settings;
  const streaming = useSignal(current?.streaming ?? false);
  const role = useSignal<RoomRole | 'none'>(current ? (current.streamers.role ?? 'none') : 'admin');
  const error = useSignal('');
  const busy = useSignal(false);
  const save = (e: Event): void => {
    e.preventDefault();
    error.value = '';
    busy.value = true;
    void (async () => {
      try {
        const client = await app.connected();
        const { settings } = await client.request('live.settings', {
          room: store.id,
          streaming: streaming.value,
          streamers: {
            users: current?.streamers.users ?? [],
            role: role.value === 'none' ? null : role.value,
          },
        });
        store.live.setSettings(settings);
        close();
        app.toast(settings.streaming ? 'This is a streaming room now.' : 'Streaming is off.', 'info');
      } catch (err) {
        error.value = errorText(err);
      } finally {
        busy.value = false;
      }
    })();
  };
  return (
    <form class="stack" onSubmit={save}>
      <p class="muted">
        In a streaming room one streamer at a time is live; everyone else in the call watches the stream and
        chats. Streaming needs the server's SFU.
      </p>
      <label class="checkbox">
        <input
          type="checkbox"
          data-testid="stream-settings-streaming"
          checked={streaming.value}
          onChange={(e) => (streaming.value = e.currentTarget.checked)}
        />
        <span>Streaming room</span>
      </label>
      <label class="field">
        <span class="field__label">Who may stream</span>
        <select
          data-testid="stream-settings-role"
          value={role.value}
          onChange={(e) => (role.value = e.currentTarget.value as RoomRole | 'none')}
        >
          {ROLES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      {error.value && (
        <p class="form-error" role="alert" data-testid="stream-settings-error">
          {error.value}
        </p>
      )}
      <div class="row">
        <button
          type="submit"
          class="btn btn--primary"
          data-testid="stream-settings-save"
          disabled={busy.value}
        >
          Save
        </button>
      </div>
    </form>
  );
}
