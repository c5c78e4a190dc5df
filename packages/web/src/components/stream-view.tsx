/**
 * A streaming room's viewer layout: one big video of the source, a "LIVE" badge with the
 * streamer's name and the viewer count, or "Waiting for the stream" / "The stream has ended".
 * The source itself sees the usual call grid (its own tile).
 */
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import type { CallController } from '../call/call-controller.ts';
import type { RoomStore } from '../room-store.ts';
import { storeVersion, track } from '../state/store-signal.ts';

export function StreamView({ call, store }: { call: CallController; store: RoomStore }) {
  track(storeVersion(call, 'state'), storeVersion(call, 'peers'), storeVersion(store.live, 'change'));
  const video = useRef<HTMLVideoElement>(null);
  const stream = store.live.stream;
  const source = stream?.state === 'live' ? stream.source : null;
  // The source's id in the SFU room: its participant id, or an external encoder's id (WHIP).
  const sourceId = source ? (source.kind === 'participant' ? source.participant : source.id) : null;
  const name = source ? (source.kind === 'participant' ? source.user.name : source.displayName) : '';
  const tracks = sourceId && call.inCall ? call.remote(sourceId).tracks : undefined;
  const list = [tracks?.audio, tracks?.camera ?? tracks?.screen].filter((t): t is MediaStreamTrack =>
    Boolean(t),
  );
  const streamKey = list.map((t) => t.id).join(',');
  useLayoutEffect(() => {
    const v = video.current;
    if (!v) return;
    v.srcObject = list.length > 0 ? new MediaStream(list) : null;
    if (list.length > 0) void v.play().catch(() => undefined);
  }, [streamKey]);
  useEffect(
    () => () => {
      if (video.current) video.current.srcObject = null;
    },
    [],
  );
  const state = stream?.state ?? 'waiting';
  const viewers = stream?.viewers ?? 0;
  return (
    <div class="stream-view" data-testid="stream-view" data-state={state} data-source={sourceId ?? ''}>
      <video
        class="stream-view__video"
        data-testid="stream-video"
        autoplay
        playsInline
        ref={video}
        hidden={state !== 'live'}
      />
      {state === 'live' ? (
        <div class="stream-view__badge" data-testid="stream-badge">
          <span class="stream-view__live">LIVE</span>
          <span class="stream-view__name" data-testid="stream-streamer">
            {name}
          </span>
          <span class="stream-view__viewers" data-testid="stream-viewers" data-count={String(viewers)}>
            {`${viewers} ${viewers === 1 ? 'viewer' : 'viewers'}`}
          </span>
        </div>
      ) : (
        <div class="stream-view__message" role="status" data-testid="stream-message">
          {state === 'ended' ? 'The stream has ended' : 'Waiting for the stream'}
        </div>
      )}
    </div>
  );
}

/** Above the source's own tile: it is live, and how many watch. */
export function StreamerBar({ store }: { store: RoomStore }) {
  track(storeVersion(store.live, 'change'));
  const viewers = store.live.stream?.viewers ?? 0;
  return (
    <div class="stream-view__badge stream-view__badge--self" data-testid="streamer-bar" role="status">
      <span class="stream-view__live">LIVE</span>
      <span>You are streaming</span>
      <span class="stream-view__viewers" data-testid="stream-viewers" data-count={String(viewers)}>
        {`${viewers} ${viewers === 1 ? 'viewer' : 'viewers'}`}
      </span>
    </div>
  );
}
