import type { LiveParticipant, UserRef } from '@presence/protocol';
import type { CallController } from '../call/call-controller.ts';
import { h, icon } from '../dom.ts';
import type { RoomStore } from '../room-store.ts';
import { avatar } from './avatar.ts';
import { CALL_ICONS } from './call-icons.ts';
import { mountCallPager } from './call-pager.tsx';

/** Tiles per page: past it the grid pages (everyone stays audible: off-page tiles are hidden, not removed). */
export const CALL_PAGE_SIZE = 9;

export type TileStatus = 'connecting' | 'connected' | 'reconnecting';

/** Everything a tile shows; tiles are patched in place so playing videos are never restarted. */
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

interface Tile {
  el: HTMLElement;
  update(model: TileModel): void;
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

function createTile(): Tile {
  const video = h('video', { class: 'call-tile__video', autoplay: true, playsInline: true });
  const face = h('div', { class: 'call-tile__avatar' });
  const mic = h('span', { class: 'call-tile__mic' });
  const name = h('span', { class: 'call-tile__name' });
  const status = h('div', { class: 'call-tile__status', role: 'status' });
  const el = h(
    'figure',
    { class: 'call-tile', testid: 'call-tile' },
    video,
    face,
    status,
    h('figcaption', { class: 'call-tile__label' }, mic, name),
  );
  let streamKey = '';
  let avatarUrl = '';
  let micOn: boolean | null = null;
  return {
    el,
    update(m) {
      el.dataset['participant'] = m.participant;
      el.dataset['status'] = m.status;
      el.dataset['self'] = String(m.self);
      el.dataset['kind'] = m.screen ? 'screen' : 'camera';
      el.classList.toggle('is-speaking', m.speaking && m.audioOn);
      el.classList.toggle('is-video-off', !m.videoOn);
      // Our own voice must not come back out of our speakers.
      video.muted = m.self || m.screen;
      const key = m.tracks.map((t) => t.id).join(',');
      if (key !== streamKey) {
        streamKey = key;
        video.srcObject = m.tracks.length > 0 ? new MediaStream(m.tracks) : null;
        if (m.tracks.length > 0) void video.play().catch(() => undefined);
      }
      if (m.user.avatar !== avatarUrl) {
        avatarUrl = m.user.avatar;
        face.replaceChildren(avatar(m.user, 96, 'call-tile__avatar-img'));
      }
      const label = m.screen ? `${m.user.name}’s screen` : m.self ? `${m.user.name} (you)` : m.user.name;
      name.textContent = label;
      if (micOn !== m.audioOn && !m.screen) {
        micOn = m.audioOn;
        mic.replaceChildren(
          icon(m.audioOn ? CALL_ICONS.mic : CALL_ICONS.micOff, m.audioOn ? 'mic on' : 'muted'),
        );
      }
      mic.hidden = m.screen;
      el.dataset['muted'] = String(!m.audioOn);
      status.hidden = m.status === 'connected';
      status.textContent = m.status === 'reconnecting' ? 'Reconnecting…' : 'Connecting…';
      el.setAttribute('aria-label', `${label}${m.audioOn ? '' : ', muted'}${m.speaking ? ', speaking' : ''}`);
    },
  };
}

/**
 * The call's video tiles: ourselves first, then everyone else in join order, then shared screens.
 * A tile shows the person's avatar while their camera is off, a crossed-out microphone when muted,
 * a ring while they speak and "Reconnecting…" while their connection (or ours) is away.
 */
export function callGrid(
  call: CallController,
  store: RoomStore,
  me: () => UserRef | null,
): { el: HTMLElement; destroy(): void } {
  const grid = h('div', { class: 'call-grid', testid: 'call-grid' });
  const pagerEl = h('div', { class: 'call-pager-slot' });
  const el = h('div', { class: 'call-grid-wrap' }, grid, pagerEl);
  const tiles = new Map<string, Tile>();
  let page = 0;
  const pager = mountCallPager(pagerEl, (p) => {
    page = p;
    render();
  });

  const models = (): TileModel[] => {
    const list: TileModel[] = [];
    const self = me();
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
    for (const p of store.live.list()) {
      if (p.id === call.myId) continue;
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
  };

  const render = (): void => {
    const next = call.inCall ? models() : [];
    const keys = new Set(next.map((m) => m.key));
    for (const [key, tile] of tiles) {
      if (keys.has(key)) continue;
      tile.el.remove();
      tiles.delete(key);
    }
    const pages = Math.max(1, Math.ceil(next.length / CALL_PAGE_SIZE));
    page = Math.min(page, pages - 1);
    const first = page * CALL_PAGE_SIZE;
    let speakingElsewhere = 0;
    next.forEach((model, i) => {
      let tile = tiles.get(model.key);
      if (!tile) {
        tile = createTile();
        tiles.set(model.key, tile);
      }
      tile.update(model);
      const onPage = i >= first && i < first + CALL_PAGE_SIZE;
      tile.el.hidden = !onPage;
      if (!onPage && model.speaking && model.audioOn) speakingElsewhere++;
      if (grid.children[i] !== tile.el) grid.insertBefore(tile.el, grid.children[i] ?? null);
    });
    grid.dataset['count'] = String(Math.min(next.length - first, CALL_PAGE_SIZE));
    grid.dataset['page'] = String(page);
    pager({ page, pages, speakingElsewhere });
  };

  const offs = [
    call.on('state', render),
    call.on('peers', render),
    call.on('local', render),
    store.live.on('change', render),
  ];
  render();
  return {
    el,
    destroy() {
      for (const off of offs) off();
      for (const video of el.querySelectorAll('video')) video.srcObject = null;
      pager({ page: 0, pages: 1, speakingElsewhere: 0 });
    },
  };
}
