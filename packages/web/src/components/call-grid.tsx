/**
 * The call's video tiles: ourselves first, then everyone else in join order, then shared screens.
 * A tile shows the person's avatar while their camera is off, a crossed-out microphone when muted,
 * a ring while they speak and "Reconnecting…" while their connection (or ours) is away. In a call
 * of SPOTLIGHT_FROM tiles or more the active speaker (who spoke last) moves to the front of the
 * first page at twice the size, so in a 12-person call whoever talks is always in view.
 */
import type { LiveParticipant, UserRef } from '@presence/protocol';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { CallController } from '../call/call-controller.ts';
import type { RoomStore } from '../room-store.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import { Avatar } from '../ui/avatar.tsx';
import { Icon } from '../ui/icon.tsx';
import { CALL_ICONS } from './call-icons.ts';
import { CallPager } from './call-pager.tsx';
import { ActiveSpeaker, promote } from '../call/active-speaker.ts';

/** Tiles per page: past it the grid pages (off-page tiles are hidden, not removed, so everyone stays audible). */
export const CALL_PAGE_SIZE = 9;
/** From this many tiles on, the active speaker is promoted: first on the first page, twice the size. */
export const SPOTLIGHT_FROM = 5;

export type TileStatus = 'connecting' | 'connected' | 'reconnecting';

/** Everything a tile shows. */
interface TileModel {
  key: string;
  participant: string;
  user: Pick<UserRef, 'name' | 'avatar'>;
  self: boolean;
  screen: boolean;
  audioOn: boolean;
  videoOn: boolean;
  speaking: boolean;
  status: TileStatus;
  tracks: MediaStreamTrack[];
}

/** How a remote participant's tile reads: the server's view of its signaling, then its media path. */
export function remoteStatus(
  p: LiveParticipant,
  link: { connected: boolean; everConnected: boolean } | undefined,
): TileStatus {
  if (p.status === 'reconnecting') return 'reconnecting';
  if (link?.connected) return 'connected';
  return link?.everConnected ? 'reconnecting' : 'connecting';
}

function tileModels(call: CallController, store: RoomStore, self: UserRef | null): TileModel[] {
  const list: TileModel[] = [];
  const local = call.media;
  if (self) {
    const selfModel = {
      participant: call.myId ?? 'self',
      user: self,
      self: true,
      speaking: call.speaking,
      status: (call.reconnecting ? 'reconnecting' : 'connected') as TileStatus,
    };
    list.push({
      ...selfModel,
      key: 'self',
      screen: false,
      audioOn: local.state.audio,
      videoOn: local.state.video,
      tracks: local.videoTrack ? [local.videoTrack] : [],
    });
    if (local.screenTrack) {
      list.push({
        ...selfModel,
        key: 'self:screen',
        screen: true,
        audioOn: false,
        videoOn: true,
        speaking: false,
        tracks: [local.screenTrack],
      });
    }
  }
  const screens: TileModel[] = [];
  // A streaming room's source sees only itself: the viewers send nothing.
  const remotes = store.live.streaming ? [] : store.live.list();
  for (const p of remotes) {
    if (p.id === call.myId) continue;
    // Mesh or SFU: the controller knows where this participant's media comes from.
    const remote = call.remote(p.id);
    const tracks = remote.tracks;
    const common = { participant: p.id, user: p.user, self: false, status: remoteStatus(p, remote) };
    list.push({
      ...common,
      key: p.id,
      screen: false,
      audioOn: p.media.audio,
      videoOn: p.media.video && Boolean(tracks?.camera),
      speaking: p.speaking,
      tracks: [tracks?.audio, tracks?.camera].filter((t): t is MediaStreamTrack => Boolean(t)),
    });
    if (p.media.screen && tracks?.screen) {
      screens.push({
        ...common,
        key: `${p.id}:screen`,
        screen: true,
        audioOn: false,
        videoOn: true,
        speaking: false,
        tracks: [tracks.screen],
      });
    }
  }
  return [...list, ...screens];
}

function Tile({
  m,
  hidden,
  spotlight,
  order,
}: {
  m: TileModel;
  hidden: boolean;
  spotlight: boolean;
  order: number;
}) {
  const video = useRef<HTMLVideoElement>(null);
  // A video's stream is set on the element (`srcObject` has no attribute), and only when its
  // tracks change, so a playing video is never restarted.
  const streamKey = m.tracks.map((t) => t.id).join(',');
  useLayoutEffect(() => {
    const v = video.current;
    if (!v) return;
    v.srcObject = m.tracks.length > 0 ? new MediaStream(m.tracks) : null;
    if (m.tracks.length > 0) void v.play().catch(() => undefined);
  }, [streamKey]);
  useEffect(
    () => () => {
      if (video.current) video.current.srcObject = null;
    },
    [],
  );
  const label = m.screen ? `${m.user.name}’s screen` : m.self ? `${m.user.name} (you)` : m.user.name;
  const cls = [
    'call-tile',
    m.speaking && m.audioOn && 'is-speaking',
    !m.videoOn && 'is-video-off',
    spotlight && 'is-active-speaker',
  ];
  return (
    <figure
      hidden={hidden}
      style={{ order }}
      class={cls.filter(Boolean).join(' ')}
      data-testid="call-tile"
      data-participant={m.participant}
      data-status={m.status}
      data-self={String(m.self)}
      data-kind={m.screen ? 'screen' : 'camera'}
      data-muted={String(!m.audioOn)}
      data-active-speaker={String(spotlight)}
      aria-label={`${label}${m.audioOn ? '' : ', muted'}${m.speaking ? ', speaking' : ''}`}
    >
      {/* Our own voice must not come back out of our speakers. */}
      <video class="call-tile__video" autoplay playsInline muted={m.self || m.screen} ref={video} />
      <div class="call-tile__avatar">
        <Avatar user={m.user} size={96} extraClass="call-tile__avatar-img" />
      </div>
      <div class="call-tile__status" role="status" hidden={m.status === 'connected'}>
        {m.status === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
      </div>
      <figcaption class="call-tile__label">
        <span class="call-tile__mic" hidden={m.screen}>
          {!m.screen && (
            <Icon
              paths={m.audioOn ? CALL_ICONS.mic : CALL_ICONS.micOff}
              label={m.audioOn ? 'mic on' : 'muted'}
            />
          )}
        </span>
        <span class="call-tile__name">{label}</span>
      </figcaption>
    </figure>
  );
}

export function CallGrid({
  call,
  store,
  me,
}: {
  call: CallController;
  store: RoomStore;
  me: UserRef | null;
}) {
  track(
    storeVersion(call, 'state'),
    storeVersion(call, 'peers'),
    storeVersion(call, 'local'),
    storeVersion(store.live, 'change'),
  );
  const [wanted, setPage] = useState(0);
  const speaker = useRef(new ActiveSpeaker()).current;
  const all = call.inCall ? tileModels(call, store, me) : [];
  const active = speaker.update(all);
  const spotlight = all.length >= SPOTLIGHT_FROM && active !== null;
  // Promotion only changes where a tile shows (CSS order and its page), never the DOM order:
  // moving a playing <video> element in the document would pause it.
  const tiles = spotlight ? promote(all, active) : all;
  const position = new Map(tiles.map((m, i) => [m.key, i]));
  const pages = Math.max(1, Math.ceil(tiles.length / CALL_PAGE_SIZE));
  const page = Math.min(wanted, pages - 1);
  const first = page * CALL_PAGE_SIZE;
  const onPage = (i: number): boolean => i >= first && i < first + CALL_PAGE_SIZE;
  const speakingElsewhere = tiles.filter((m, i) => !onPage(i) && m.speaking && m.audioOn).length;
  return (
    <div class="call-grid-wrap">
      <div
        class="call-grid"
        data-testid="call-grid"
        data-count={String(Math.min(tiles.length - first, CALL_PAGE_SIZE))}
        data-page={String(page)}
        data-spotlight={String(spotlight)}
      >
        {all.map((m) => {
          const i = position.get(m.key) ?? 0;
          return (
            <Tile
              key={m.key}
              m={m}
              order={i}
              hidden={!onPage(i)}
              spotlight={spotlight && i === 0 && m.participant === active}
            />
          );
        })}
      </div>
      <CallPager state={{ page, pages, speakingElsewhere }} go={setPage} />
    </div>
  );
}
