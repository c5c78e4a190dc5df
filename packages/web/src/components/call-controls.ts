import type { App } from '../app.ts';
import type { CallController } from '../call/call-controller.ts';
import type { DeviceKind } from '../call/media.ts';
import { h, icon, replaceChildren } from '../dom.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { CALL_ICONS } from './call-icons.ts';

/** Start or join the room's call (in the room header); hidden while we are in it. */
export function callJoinButton(
  call: CallController,
  store: RoomStore,
  app: App,
): { el: HTMLButtonElement; destroy(): void } {
  const label = h('span', { class: 'btn__label' });
  const el = h(
    'button',
    { type: 'button', class: 'btn', testid: 'join-call' },
    icon(CALL_ICONS.phone),
    label,
  );
  el.addEventListener('click', () => {
    call.join().catch((err: unknown) => app.toast(`Could not join the call: ${errorText(err)}`));
  });
  const render = (): void => {
    const live = store.live.size > 0;
    el.hidden = call.state === 'joined';
    el.disabled = call.state === 'joining';
    el.classList.toggle('btn--primary', live);
    label.textContent = call.state === 'joining' ? 'Joining…' : live ? 'Join call' : 'Start call';
  };
  const offs = [call.on('state', render), store.live.on('change', render)];
  render();
  return { el, destroy: () => offs.forEach((off) => off()) };
}

function toggle(testid: string, onClick: () => void): HTMLButtonElement {
  return h('button', {
    type: 'button',
    class: 'call-btn',
    testid,
    'aria-pressed': 'false',
    on: { click: onClick },
  });
}

/** Microphone, camera, screen, devices and leave, under the tiles while we are in the call. */
export function callControls(call: CallController, app: App): { el: HTMLElement; destroy(): void } {
  const media = call.media;
  const fail = (what: string) => (err: unknown) => app.toast(`Could not ${what}: ${errorText(err)}`);
  const mic = toggle('toggle-mic', () => call.setMic(!media.state.audio));
  const cam = toggle(
    'toggle-cam',
    () => void call.setCamera(!media.state.video).catch(fail('switch the camera')),
  );
  const screen = toggle('toggle-screen', () => {
    void call.setScreen(!media.state.screen).catch(fail('share the screen'));
  });
  screen.hidden = typeof navigator.mediaDevices?.getDisplayMedia !== 'function';
  const leave = h(
    'button',
    { type: 'button', class: 'call-btn call-btn--leave', testid: 'leave-call', 'aria-label': 'Leave call' },
    icon(CALL_ICONS.phone),
    h('span', { class: 'call-btn__text' }, 'Leave'),
  );
  leave.addEventListener('click', () => void call.leave());

  const pickers: Record<DeviceKind, HTMLSelectElement> = {
    audioinput: h('select', {
      class: 'call-device',
      testid: 'device-audioinput',
      'aria-label': 'Microphone',
    }),
    videoinput: h('select', { class: 'call-device', testid: 'device-videoinput', 'aria-label': 'Camera' }),
  };
  for (const [kind, select] of Object.entries(pickers) as [DeviceKind, HTMLSelectElement][]) {
    select.addEventListener('change', () => {
      void media.useDevice(kind, select.value).catch(fail('switch the device'));
    });
  }
  const devices = h(
    'div',
    { class: 'call-devices', testid: 'device-picker' },
    pickers.audioinput,
    pickers.videoinput,
  );

  const loadDevices = async (): Promise<void> => {
    const list = await media.devices().catch(() => []);
    for (const [kind, select] of Object.entries(pickers) as [DeviceKind, HTMLSelectElement][]) {
      const ofKind = list.filter((d) => d.kind === kind);
      const current = media.currentDevice(kind);
      replaceChildren(
        select,
        ...ofKind.map((d, i) =>
          h(
            'option',
            { value: d.deviceId, selected: d.deviceId === current },
            d.label || `${kind === 'audioinput' ? 'Microphone' : 'Camera'} ${i + 1}`,
          ),
        ),
      );
      select.hidden = ofKind.length < 2;
    }
  };

  const setToggle = (
    btn: HTMLButtonElement,
    on: boolean,
    icons: [string, string],
    labels: [string, string],
  ) => {
    btn.setAttribute('aria-pressed', String(on));
    btn.classList.toggle('is-off', !on);
    btn.setAttribute('aria-label', on ? labels[0] : labels[1]);
    btn.title = on ? labels[0] : labels[1];
    btn.replaceChildren(icon(on ? icons[0] : icons[1]));
  };
  const el = h(
    'div',
    { class: 'call-controls', role: 'toolbar', 'aria-label': 'Call' },
    mic,
    cam,
    screen,
    devices,
    leave,
  );
  const render = (): void => {
    el.hidden = call.state !== 'joined';
    const state = media.state;
    setToggle(
      mic,
      state.audio,
      [CALL_ICONS.mic, CALL_ICONS.micOff],
      ['Mute microphone', 'Unmute microphone'],
    );
    mic.disabled = media.audioTrack === null;
    setToggle(
      cam,
      state.video,
      [CALL_ICONS.video, CALL_ICONS.videoOff],
      ['Turn camera off', 'Turn camera on'],
    );
    setToggle(screen, state.screen, [CALL_ICONS.screen, CALL_ICONS.screen], ['Stop sharing', 'Share screen']);
    screen.classList.toggle('is-off', false);
    screen.classList.toggle('is-active', state.screen);
  };
  const onDeviceChange = (): void => void loadDevices();
  navigator.mediaDevices?.addEventListener('devicechange', onDeviceChange);
  const offs = [
    call.on('state', (state) => {
      render();
      if (state === 'joined') void loadDevices();
    }),
    call.on('local', render),
  ];
  render();
  return {
    el,
    destroy() {
      offs.forEach((off) => off());
      navigator.mediaDevices?.removeEventListener('devicechange', onDeviceChange);
    },
  };
}
