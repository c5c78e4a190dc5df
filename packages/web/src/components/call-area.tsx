/**
 * Everything about the room's call for the room view: a join button for the header, and below the
 * header the live banner (call on, we are not in it) or the tiles with their controls (we are).
 * The call belongs to the room on screen: leaving the room view leaves the call.
 */
import './call.css';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { App } from '../app.ts';
import { CallController } from '../call/call-controller.ts';
import { installCallDebugHook } from '../call/debug-hook.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import { Avatar } from '../ui/avatar.tsx';
import { Icon } from '../ui/icon.tsx';
import { CallControls } from './call-controls.tsx';
import { CallGrid } from './call-grid.tsx';
import { CALL_ICONS } from './call-icons.ts';
import { StreamerBar, StreamView } from './stream-view.tsx';

/** The room's call controller, made for the room view and ended with it. */
export function useCall(app: App, store: RoomStore): CallController {
  const call = useMemo(() => new CallController(app, store), [app, store]);
  useEffect(() => {
    const removeHook = installCallDebugHook(call);
    return () => {
      removeHook();
      call.destroy();
    };
  }, [call]);
  return call;
}

const joinCall = (call: CallController, app: App): void => {
  call.join().catch((err: unknown) => app.toast(`Could not join the call: ${errorText(err)}`));
};

/** Start or join the room's call (in the room header); hidden while we are in it. */
export function CallJoinButton({ call, store, app }: { call: CallController; store: RoomStore; app: App }) {
  track(storeVersion(call, 'state'), storeVersion(store.live, 'change'));
  const live = store.live.size > 0;
  return (
    <button
      type="button"
      class={`btn${live ? ' btn--primary' : ''}`}
      data-testid="join-call"
      hidden={call.state === 'joined'}
      disabled={call.state === 'joining'}
      onClick={() => joinCall(call, app)}
    >
      <Icon paths={CALL_ICONS.phone} />
      <span class="btn__label">
        {call.state === 'joining' ? 'Joining…' : live ? 'Join call' : 'Start call'}
      </span>
    </button>
  );
}

/** "A call is live here: N people" with their avatars and a Join button, for members not in it. */
function LiveBanner({ call, store, app }: { call: CallController; store: RoomStore; app: App }) {
  track(storeVersion(call, 'state'), storeVersion(store.live, 'change'));
  const people = store.live.list();
  return (
    <div
      class="live-banner"
      data-testid="live-banner"
      role="status"
      hidden={people.length === 0 || call.state !== 'idle'}
      data-count={String(people.length)}
    >
      <span class="live-banner__dot" aria-hidden="true" />
      <span class="live-banner__text">{`A call is live here: ${people.length} ${people.length === 1 ? 'person' : 'people'}`}</span>
      <span class="live-banner__faces" aria-hidden="true">
        {people.slice(0, 5).map((p) => (
          <Avatar key={p.id} user={p.user} size={24} extraClass="live-banner__face" />
        ))}
      </span>
      <button
        type="button"
        class="btn btn--small btn--primary"
        data-testid="live-banner-join"
        onClick={() => joinCall(call, app)}
      >
        Join
      </button>
    </div>
  );
}

export function CallArea({ call, store, app }: { call: CallController; store: RoomStore; app: App }) {
  track(storeVersion(call, 'state'), storeVersion(store.live, 'change'));
  const panel = useRef<HTMLElement>(null);
  const hidden = call.state !== 'joined';
  // Floating windows (the DM window) stay below the call's controls: they read where it ends,
  // which only the laid-out panel knows.
  useEffect(() => {
    const el = panel.current;
    if (!el) return;
    const root = document.documentElement.style;
    const place = (): void => {
      if (el.hidden || !el.isConnected) root.removeProperty('--call-panel-bottom');
      else root.setProperty('--call-panel-bottom', `${Math.round(el.getBoundingClientRect().bottom)}px`);
    };
    const resized = new ResizeObserver(place);
    resized.observe(el);
    window.addEventListener('resize', place);
    place();
    return () => {
      resized.disconnect();
      window.removeEventListener('resize', place);
      root.removeProperty('--call-panel-bottom');
    };
  }, [hidden]);
  const me = app.me && { id: app.me.userId, name: app.me.name, avatar: app.me.avatar };
  return (
    <div class="call-area">
      <LiveBanner call={call} store={store} app={app} />
      <section class="call-panel" aria-label="Call" hidden={hidden} ref={panel}>
        {call.inCall && call.isViewer ? (
          <StreamView call={call} store={store} />
        ) : (
          <>
            {call.inCall && call.isSource && <StreamerBar store={store} />}
            <CallGrid call={call} store={store} me={me} />
          </>
        )}
        <CallControls call={call} app={app} store={store} />
      </section>
    </div>
  );
}
