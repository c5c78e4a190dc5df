/**
 * The moderation dialog for owners and admins: lobby, password, slow mode, joining muted and
 * "mute everyone"; the bans in force (with unban); and the room's audit log.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { AuditEntry, Ban } from '@presence/protocol';
import type { App } from '../app.ts';
import { fullDate } from '../format.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import { openComponentModal } from '../ui/modal.tsx';

export function openModerationDialog(app: App, store: RoomStore): void {
  openComponentModal(
    { id: 'moderation-dialog', title: 'Moderation', testid: 'moderation-dialog', wide: true },
    (close) => <ModerationPanel app={app} store={store} close={close} />,
  );
}

function ModerationPanel({ app, store, close }: { app: App; store: RoomStore; close(): void }) {
  track(storeVersion(store, 'moderation'));
  const error = useSignal('');
  const s = store.settings;
  const change = (patch: {
    lobby?: boolean;
    slowModeSeconds?: number;
    joinMuted?: boolean;
    password?: string | null;
  }): void => {
    error.value = '';
    app.moderate('mod.settings', { room: store.id, ...patch }).then(
      ({ settings }) => store.applyModeration({ type: 'mod.settings', settings }),
      (err: unknown) => (error.value = errorText(err)),
    );
  };
  return (
    <div class="stack moderation">
      <fieldset class="choices">
        <legend class="field__label">Who gets in</legend>
        <label class="choice">
          <input
            type="checkbox"
            data-testid="mod-lobby"
            checked={s.lobby}
            onChange={(e) => change({ lobby: e.currentTarget.checked })}
          />
          <span class="choice__text">
            <span class="choice__label">Lobby</span>
            <span class="choice__hint">Newcomers without an invite knock and wait to be admitted.</span>
          </span>
        </label>
        <form
          class="invite-form__row"
          onSubmit={(e) => {
            e.preventDefault();
            const input = e.currentTarget.elements.namedItem('password') as HTMLInputElement;
            if (input.value) change({ password: input.value });
            input.value = '';
          }}
        >
          <div class="field">
            <label class="field__label" for="mod-password">
              Password {s.hasPassword ? '(set)' : '(none)'}
            </label>
            <input
              id="mod-password"
              class="input"
              type="password"
              name="password"
              data-testid="mod-password"
            />
          </div>
          <button type="submit" class="btn" data-testid="mod-password-set">
            Set password
          </button>
          {s.hasPassword && (
            <button
              type="button"
              class="btn"
              data-testid="mod-password-clear"
              onClick={() => change({ password: null })}
            >
              Remove password
            </button>
          )}
        </form>
      </fieldset>
      <fieldset class="choices">
        <legend class="field__label">Chat and call</legend>
        <div class="field">
          <label class="field__label" for="mod-slow">
            Slow mode
          </label>
          <select
            id="mod-slow"
            class="input"
            data-testid="mod-slow-mode"
            value={String(s.slowModeSeconds)}
            onChange={(e) => change({ slowModeSeconds: Number(e.currentTarget.value) })}
          >
            {[0, 5, 10, 30, 60, 300].map((n) => (
              <option value={String(n)} key={n}>
                {n === 0 ? 'Off' : `One message per ${n < 60 ? `${n} s` : `${n / 60} min`}`}
              </option>
            ))}
          </select>
        </div>
        <label class="choice">
          <input
            type="checkbox"
            data-testid="mod-join-muted"
            checked={s.joinMuted}
            onChange={(e) => change({ joinMuted: e.currentTarget.checked })}
          />
          <span class="choice__text">
            <span class="choice__label">Everyone joins muted</span>
            <span class="choice__hint">Members join the call with their microphone muted.</span>
          </span>
        </label>
        <button
          type="button"
          class="btn"
          data-testid="mod-mute-all"
          onClick={() =>
            app.moderate('mod.mute', { room: store.id, audio: true }).then(
              ({ mutes }) =>
                app.toast(`Muted ${mutes.length} microphone${mutes.length === 1 ? '' : 's'}.`, 'info'),
              (err: unknown) => (error.value = errorText(err)),
            )
          }
        >
          Mute everyone
        </button>
      </fieldset>
      <p class="form-error" role="alert" data-testid="mod-error" hidden={!error.value}>
        {error.value}
      </p>
      <BanList app={app} store={store} />
      <AuditLog app={app} store={store} />
      <div class="dialog__buttons">
        <button type="button" class="btn" data-testid="moderation-close" onClick={close}>
          Done
        </button>
      </div>
    </div>
  );
}

function BanList({ app, store }: { app: App; store: RoomStore }) {
  const bans = useSignal<Ban[] | null>(null);
  const load = (): void => {
    app.moderate('mod.bans', { room: store.id }).then(
      (r) => (bans.value = r.bans),
      () => (bans.value = []),
    );
  };
  useEffect(load, [store]);
  if (!bans.value || bans.value.length === 0) return null;
  return (
    <section data-testid="ban-list">
      <h3 class="field__label">Banned</h3>
      <ul class="audit">
        {bans.value.map((b) => (
          <li key={b.id} data-testid="ban">
            <strong>{b.user?.name ?? 'someone'}</strong>
            {b.expiresAt !== null ? ` until ${fullDate(b.expiresAt)}` : ' until unbanned'}
            {b.reason ? ` — ${b.reason}` : ''}{' '}
            <button
              type="button"
              class="btn btn--small"
              data-testid="unban"
              onClick={() => app.moderate('mod.unban', { room: store.id, ban: b.id }).then(load, load)}
            >
              Unban
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

const ACTION_TEXT: Record<AuditEntry['action'], string> = {
  kick: 'removed',
  ban: 'banned',
  unban: 'lifted the ban on',
  mute: 'muted',
  unmute: 'unmuted',
  settings: 'changed the moderation settings',
  'lobby.admit': 'let in',
  'lobby.deny': 'turned away',
  'message.delete': 'removed a message by',
  report: 'reported a message by',
  role: 'changed the role of',
  remove: 'removed',
};

function AuditLog({ app, store }: { app: App; store: RoomStore }) {
  const entries = useSignal<AuditEntry[] | null>(null);
  useEffect(() => {
    app.moderate('mod.audit', { room: store.id, limit: 50 }).then(
      (r) => (entries.value = r.entries),
      () => (entries.value = []),
    );
  }, [store]);
  return (
    <section data-testid="audit-log">
      <h3 class="field__label">Audit log</h3>
      {entries.value === null ? (
        <p class="muted small">Loading…</p>
      ) : entries.value.length === 0 ? (
        <p class="muted small">Nothing yet.</p>
      ) : (
        <ul class="audit">
          {entries.value.map((e) => (
            <li key={e.id} data-testid="audit-entry" data-action={e.action}>
              <time class="muted small">{fullDate(e.ts)}</time> <strong>{e.actor.name}</strong>{' '}
              {ACTION_TEXT[e.action]} {e.target ? <strong>{e.target.name}</strong> : null}
              {e.reason ? ` — ${e.reason}` : ''}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
