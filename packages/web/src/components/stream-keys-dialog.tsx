/**
 * Stream keys for owners and admins: the room's WHIP URL (for OBS and other encoders) and WHEP
 * playback URL, its keys with create, rotate and revoke. A new or rotated key's secret is shown
 * once, here, and never again.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { StreamKeyView } from '@presence/protocol';
import type { App } from '../app.ts';
import { fullDate } from '../format.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { openComponentModal } from '../ui/modal.tsx';
import './moderation.css';

export function openStreamKeysDialog(app: App, store: RoomStore): void {
  openComponentModal(
    { id: 'stream-keys-dialog', title: 'Stream with OBS (WHIP)', testid: 'stream-keys-dialog', wide: true },
    () => <StreamKeysPanel app={app} store={store} />,
  );
}

export function StreamKeysPanel({ app, store }: { app: App; store: RoomStore }) {
  const keys = useSignal<StreamKeyView[]>([]);
  const paths = useSignal<{ whip: string; whep: string } | null>(null);
  const issued = useSignal<{ name: string; secret: string } | null>(null);
  const error = useSignal('');
  const name = useSignal('');
  const fail = (err: unknown): void => {
    error.value = errorText(err);
  };
  const load = (): void => {
    app.streamKeys('streamkey.list', { room: store.id }).then((r) => {
      keys.value = r.keys;
      paths.value = { whip: location.origin + r.whipPath, whep: location.origin + r.whepPath };
    }, fail);
  };
  useEffect(load, [store.id]);

  const create = (e: Event): void => {
    e.preventDefault();
    error.value = '';
    const label = name.value.trim();
    if (!label) return;
    app.streamKeys('streamkey.create', { room: store.id, name: label }).then((r) => {
      issued.value = { name: r.key.name, secret: r.secret };
      name.value = '';
      load();
    }, fail);
  };
  const rotate = (k: StreamKeyView): void => {
    error.value = '';
    app.streamKeys('streamkey.rotate', { room: store.id, key: k.id }).then((r) => {
      issued.value = { name: r.key.name, secret: r.secret };
      load();
    }, fail);
  };
  const revoke = (k: StreamKeyView): void => {
    error.value = '';
    app.streamKeys('streamkey.revoke', { room: store.id, key: k.id }).then(() => {
      if (issued.value?.name === k.name) issued.value = null;
      load();
    }, fail);
  };

  return (
    <div class="stack stream-keys">
      <p class="muted">
        In OBS: Settings → Stream → Service <b>WHIP</b>, Server = the WHIP URL, Bearer Token = a stream key.
        Viewers see the stream in the room's call, with the key's name as the streamer.
      </p>
      {paths.value && (
        <dl class="stream-keys__urls">
          <dt>WHIP URL (server)</dt>
          <dd>
            <code data-testid="whip-url">{paths.value.whip}</code>
          </dd>
          <dt>WHEP playback URL</dt>
          <dd>
            <code data-testid="whep-url">{paths.value.whep}</code>
          </dd>
        </dl>
      )}
      {issued.value && (
        <div class="stream-keys__issued" role="status" data-testid="stream-key-secret">
          <p>
            Stream key for <b>{issued.value.name}</b>, shown only now (copy it into OBS's Bearer Token):
          </p>
          <code class="stream-keys__secret">{issued.value.secret}</code>
        </div>
      )}
      <form class="invite-form__row" onSubmit={create}>
        <div class="field">
          <label class="field__label" for="stream-key-name">
            Streamer name (shown to viewers)
          </label>
          <input
            id="stream-key-name"
            class="input"
            maxLength={64}
            data-testid="stream-key-name"
            value={name.value}
            onInput={(e) => (name.value = e.currentTarget.value)}
          />
        </div>
        <button type="submit" class="btn btn--primary" data-testid="stream-key-create">
          New stream key
        </button>
      </form>
      <p class="form-error" role="alert" data-testid="stream-key-error" hidden={!error.value}>
        {error.value}
      </p>
      <table class="stream-keys__list" data-testid="stream-key-list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Created</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.value.length === 0 && (
            <tr>
              <td colSpan={4} class="muted">
                No stream keys yet.
              </td>
            </tr>
          )}
          {keys.value.map((k) => (
            <tr key={k.id} data-testid="stream-key-row" data-key={k.id}>
              <td>{k.name}</td>
              <td>{fullDate(k.createdAt)}</td>
              <td>{k.revokedAt !== null ? 'revoked' : k.live ? 'live' : 'ready'}</td>
              <td>
                {k.revokedAt === null && (
                  <>
                    <button
                      type="button"
                      class="btn btn--small"
                      data-testid="stream-key-rotate"
                      onClick={() => rotate(k)}
                    >
                      Rotate
                    </button>{' '}
                    <button
                      type="button"
                      class="btn btn--small"
                      data-testid="stream-key-revoke"
                      onClick={() => revoke(k)}
                    >
                      Revoke
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
