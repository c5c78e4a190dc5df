/**
 * A room's call recordings: when, how long, whose media, size; members download them (fetched
 * with the session token, saved from a blob: URL), owners and admins delete them. The list follows
 * `live.recording.ready` / `live.recording.deleted` while it is open.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { downloadRecording } from '@presence/client';
import type { Recording } from '@presence/protocol';
import type { App } from '../app.ts';
import { clockTime, dayLabel, fullDate } from '../format.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { savedToken } from '../storage.ts';
import { Icon } from '../ui/icon.tsx';
import { ICONS } from '../ui/icons.ts';
import { openComponentModal } from '../ui/modal.tsx';
import './moderation.css';

export function openRecordingsDialog(app: App, store: RoomStore): void {
  openComponentModal(
    { id: 'recordings-dialog', title: 'Recordings', testid: 'recordings-dialog', wide: true },
    () => <RecordingsPanel app={app} store={store} />,
  );
}

/** 83 s → "1:23"; 3,723 s → "1:02:03". */
export function playTime(seconds: number | null): string {
  if (seconds === null) return '–';
  const s = Math.round(seconds);
  const hms = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const [h, m, sec] = hms as [number, number, number];
  const two = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

/** 1,536 → "1.5 KB". */
export function byteSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** `Standup 2026-12-04 17.48 Sam.webm`: sortable, and without characters file systems refuse. */
function downloadName(roomName: string, r: Recording): string {
  const d = new Date(r.startedAt);
  const two = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}.${two(d.getMinutes())}`;
  const who = r.publisher ? ` ${r.publisher.name}` : '';
  // Names and room titles may hold characters file systems refuse; they become `_`.
  const base = [...`${roomName} ${stamp}${who}`]
    .map((c) => (c < ' ' || '\\/:*?"<>|'.includes(c) ? '_' : c))
    .join('');
  return `${base}.${r.type === 'audio/ogg' ? 'opus' : 'webm'}`;
}

function RecordingsPanel({ app, store }: { app: App; store: RoomStore }) {
  const list = useSignal<Recording[] | null>(null);
  const error = useSignal('');
  const busy = useSignal<string | null>(null);
  const role = store.members.get(app.userId ?? '')?.role ?? store.role;
  const canDelete = role === 'owner' || role === 'admin';
  const fail = (err: unknown): void => {
    error.value = errorText(err);
  };
  const load = (): void => {
    void app.recordings('live.recordings', { room: store.id }).then((r) => {
      list.value = r.recordings;
    }, fail);
  };
  useEffect(() => {
    load();
    return app.on('recordings', ({ room }) => {
      if (room === store.id) load();
    });
  }, [store.id]);

  const download = async (r: Recording): Promise<void> => {
    error.value = '';
    busy.value = r.id;
    try {
      const blob = await downloadRecording(r, { token: savedToken() ?? '' });
      const href = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = href;
      a.download = downloadName(store.info?.name || 'Call', r);
      a.click();
      window.setTimeout(() => URL.revokeObjectURL(href), 60_000);
    } catch (err) {
      fail(err);
    } finally {
      busy.value = null;
    }
  };
  const remove = (r: Recording): void => {
    const whose = r.publisher ? ` of ${r.publisher.name}` : '';
    if (!window.confirm(`Delete the recording${whose} from ${fullDate(r.startedAt)} for everyone?`)) return;
    error.value = '';
    void app.recordings('live.recording.delete', { room: store.id, recording: r.id }).then(load, fail);
  };

  return (
    <div class="stack recordings">
      <p class="muted">
        Owners and admins record a call from its toolbar. Each person's camera and microphone become one file
        (WebM); the room's members can download them until they are deleted.
      </p>
      {list.value === null ? (
        <p class="muted">Loading…</p>
      ) : list.value.length === 0 ? (
        <p class="muted" data-testid="recordings-empty">
          No recordings yet.
        </p>
      ) : (
        <table class="stream-keys__list" data-testid="recording-list">
          <thead>
            <tr>
              <th>Recorded</th>
              <th>Who</th>
              <th>Length</th>
              <th>Media</th>
              <th>Size</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.value.map((r) => (
              <tr key={r.id} data-testid="recording-row" data-recording={r.id}>
                <td title={`${fullDate(r.startedAt)}, started by ${r.by?.name ?? 'someone'}`}>
                  {`${dayLabel(r.startedAt)} ${clockTime(r.startedAt)}`}
                </td>
                <td>{r.publisher?.name ?? '–'}</td>
                <td data-testid="recording-duration">{playTime(r.duration)}</td>
                <td>{r.streams.join(' + ') || '–'}</td>
                <td>{byteSize(r.size)}</td>
                <td class="recordings__actions">
                  <button
                    type="button"
                    class="btn btn--small"
                    data-testid="recording-download"
                    disabled={busy.value === r.id}
                    onClick={() => void download(r)}
                  >
                    <Icon paths={ICONS.download} />
                    <span class="btn__label">{busy.value === r.id ? 'Downloading…' : 'Download'}</span>
                  </button>
                  {canDelete && (
                    <button
                      type="button"
                      class="btn btn--small btn--ghost"
                      data-testid="recording-delete"
                      onClick={() => remove(r)}
                    >
                      <Icon paths={ICONS.trash} />
                      <span class="btn__label">Delete</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error.value && (
        <p class="form-error" role="alert">
          {error.value}
        </p>
      )}
    </div>
  );
}
