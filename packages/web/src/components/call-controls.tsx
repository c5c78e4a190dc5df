import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { App } from '../app.ts';
import type { CallController } from '../call/call-controller.ts';
import type { DeviceKind } from '../call/media.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import { Icon } from '../ui/icon.tsx';
import { CALL_ICONS } from './call-icons.ts';

function Toggle({
  testid,
  on,
  icons,
  labels,
  extraClass = '',
  disabled = false,
  hidden = false,
  why,
  onClick,
}: {
  testid: string;
  on: boolean;
  icons: [string, string];
  labels: [string, string];
  extraClass?: string;
  disabled?: boolean;
  hidden?: boolean;
  /** Why it is disabled, shown as its tooltip and label (a moderator's mute). */
  why?: string | undefined;
  onClick(): void;
}) {
  const label = why ?? (on ? labels[0] : labels[1]);
  return (
    <button
      type="button"
      class={`call-btn${extraClass}`}
      data-testid={testid}
      aria-pressed={on ? 'true' : 'false'}
      aria-label={label}
      title={label}
      disabled={disabled}
      hidden={hidden}
      onClick={onClick}
    >
      <Icon paths={on ? icons[0] : icons[1]} />
    </button>
  );
}

const KINDS: readonly DeviceKind[] = ['audioinput', 'videoinput'];

/** Microphone, camera, screen, devices and leave, under the tiles while we are in the call. */
export function CallControls({ call, app, store }: { call: CallController; app: App; store: RoomStore }) {
  track(
    storeVersion(call, 'state'),
    storeVersion(call, 'local'),
    storeVersion(store, 'moderation'),
    storeVersion(store.live, 'change'),
  );
  // A streaming room's viewer sends nothing: only Leave.
  const viewer = call.inCall && call.isViewer;
  // A moderator's call mute: the server refuses turning it back on (and the SFU drops it; in a
  // mesh call the peers drop it), so the button says so instead of failing on click.
  const muted = store.muteOf(app.userId);
  const media = call.media;
  const devices = useSignal<readonly MediaDeviceInfo[]>([]);
  const fail = (what: string) => (err: unknown) => app.toast(`Could not ${what}: ${errorText(err)}`);
  const joined = call.state === 'joined';

  useEffect(() => {
    if (!joined) return;
    const load = (): void => {
      void media
        .devices()
        .catch(() => [])
        .then((list) => (devices.value = list));
    };
    load();
    navigator.mediaDevices?.addEventListener('devicechange', load);
    return () => navigator.mediaDevices?.removeEventListener('devicechange', load);
  }, [joined]);

  const state = media.state;
  const role = store.members.get(app.userId ?? '')?.role ?? store.role;
  const canRecord = role === 'owner' || role === 'admin';
  const recording = store.live.recording;
  const record = (on: boolean): void => {
    void app
      .connected()
      .then((client) => client.request('live.record', { room: store.id, on }))
      .then((r) => store.live.setRecording(r.recording))
      .catch(fail(on ? 'start recording' : 'stop recording'));
  };
  return (
    <div class="call-controls" role="toolbar" aria-label="Call" hidden={!joined}>
      <span
        class="call-recording"
        data-testid="recording-indicator"
        role="status"
        hidden={!recording}
        title={recording ? `Recorded (started by ${recording.by.name})` : undefined}
      >
        <span class="call-recording__dot" aria-hidden="true" />
        Recording
      </span>
      <button
        type="button"
        class={`call-btn${recording ? ' is-active' : ''}`}
        data-testid="toggle-record"
        aria-pressed={recording ? 'true' : 'false'}
        hidden={!canRecord}
        onClick={() => record(!recording)}
      >
        <span class="call-btn__text">{recording ? 'Stop recording' : 'Record'}</span>
      </button>
      <Toggle
        testid="toggle-mic"
        on={state.audio}
        icons={[CALL_ICONS.mic, CALL_ICONS.micOff]}
        labels={['Mute microphone', 'Unmute microphone']}
        extraClass={state.audio ? '' : ' is-off'}
        disabled={media.audioTrack === null || (muted.audio && !state.audio)}
        why={muted.audio ? 'A moderator muted your microphone; you cannot unmute it' : undefined}
        hidden={viewer}
        onClick={() => call.setMic(!media.state.audio)}
      />
      <Toggle
        testid="toggle-cam"
        on={state.video}
        icons={[CALL_ICONS.video, CALL_ICONS.videoOff]}
        labels={['Turn camera off', 'Turn camera on']}
        extraClass={state.video ? '' : ' is-off'}
        disabled={muted.video && !state.video}
        hidden={viewer}
        why={muted.video ? 'A moderator turned your camera off; you cannot turn it on' : undefined}
        onClick={() => void call.setCamera(!media.state.video).catch(fail('switch the camera'))}
      />
      <Toggle
        testid="toggle-screen"
        on={state.screen}
        icons={[CALL_ICONS.screen, CALL_ICONS.screen]}
        labels={['Stop sharing', 'Share screen']}
        extraClass={state.screen ? ' is-active' : ''}
        hidden={viewer || typeof navigator.mediaDevices?.getDisplayMedia !== 'function'}
        onClick={() => void call.setScreen(!media.state.screen).catch(fail('share the screen'))}
      />
      <div class="call-devices" data-testid="device-picker" hidden={viewer}>
        {KINDS.map((kind) => {
          const ofKind = devices.value.filter((d) => d.kind === kind);
          const current = media.currentDevice(kind);
          return (
            <select
              key={kind}
              class="call-device"
              data-testid={`device-${kind}`}
              aria-label={kind === 'audioinput' ? 'Microphone' : 'Camera'}
              hidden={ofKind.length < 2}
              value={current ?? undefined}
              onChange={(e) =>
                void media.useDevice(kind, e.currentTarget.value).catch(fail('switch the device'))
              }
            >
              {ofKind.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label || `${kind === 'audioinput' ? 'Microphone' : 'Camera'} ${i + 1}`}
                </option>
              ))}
            </select>
          );
        })}
      </div>
      <button
        type="button"
        class="call-btn call-btn--leave"
        data-testid="leave-call"
        aria-label="Leave call"
        onClick={() => void call.leave()}
      >
        <Icon paths={CALL_ICONS.phone} />
        <span class="call-btn__text">Leave</span>
      </button>
    </div>
  );
}
