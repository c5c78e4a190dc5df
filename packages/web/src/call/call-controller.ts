import type { IceConfig, LiveParticipant, LiveSignal, ResultOf } from '@presence/protocol';
import type { App, AppConnState } from '../app.ts';
import { Emitter } from '../emitter.ts';
import type { RoomStore } from '../room-store.ts';
import { errorCode, errorText } from '../sdk.ts';
import type { LiveSignalEvent } from './live-roster.ts';
import { LocalMedia } from './media.ts';
import { PeerLink, type RemoteTracks } from './peer.ts';
import { SfuLink } from './sfu-link.ts';
import { SpeakingDetector } from './speaking.ts';

export type CallState = 'idle' | 'joining' | 'joined';

export interface CallEvents extends Record<string, unknown> {
  state: CallState;
  /** A peer connection's tracks or state changed. */
  peers: void;
  /** Our own media, speaking or connection changed. */
  local: void;
}

export interface PeerStats {
  participant: string;
  framesDecoded: number;
  connectionState: RTCPeerConnectionState;
  localPorts: number[];
  /** Our side of the candidate pair in use: 'host', 'srflx', 'relay', or null before one is chosen. */
  candidateType: string | null;
}

/**
 * `?relay=1` in the page address sends all media through the TURN server (iceTransportPolicy
 * 'relay'): hides the own IP address from the other participants, and lets tests prove TURN works.
 */
export function relayOnly(): boolean {
  return new URLSearchParams(location.search).get('relay') === '1';
}

/**
 * This tab's part in one room's call: a full mesh of peer connections, one per other participant.
 * The server decides who offers: the later joiner (higher rank) is the polite peer and sends the
 * first offer. After the signaling connection comes back the call is joined again (fresh snapshot,
 * fresh TURN credentials) and every peer connection restarts ICE, because a reconnect usually
 * means the network changed and the old candidate pairs are dead.
 */
export class CallController extends Emitter<CallEvents> {
  state: CallState = 'idle';
  /** Our participant id (the session id) while in the call. */
  myId: string | null = null;
  /** Our signaling connection is down: peers see us as reconnecting. */
  reconnecting = false;
  speaking = false;
  readonly media = new LocalMedia();
  readonly peers = new Map<string, PeerLink>();
  /** How the call's media travels now. */
  mode: 'mesh' | 'sfu' = 'mesh';
  /** Our two PeerConnections to the SFU while the call is in SFU mode. */
  sfu: SfuLink | null = null;
  private myRank = 0;
  private ice: IceConfig | null = null;
  private iceTimer = 0;
  private rejoinTimer = 0;
  private detector: SpeakingDetector | null = null;
  private detectorTrack: MediaStreamTrack | null = null;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly app: App,
    private readonly store: RoomStore,
  ) {
    super();
    const roster = store.live;
    this.offs.push(
      app.on('liveSignal', (event) => {
        if (event.room === store.id) this.onSignal(event);
      }),
      app.on('liveSfuOffer', (event) => {
        if (event.room === store.id && this.state === 'joined') this.sfu?.handleOffer(event);
      }),
      app.on('liveMode', (event) => {
        if (event.room === store.id && this.state === 'joined') this.switchMode(event.mode);
      }),
      app.on('conn', (state) => this.onConn(state)),
      roster.on('joined', (p) => {
        if (this.state === 'joined' && this.mode === 'mesh' && p.id !== this.myId && !this.peers.has(p.id)) {
          this.createPeer(p, false);
        }
      }),
      // A streaming room's stage changed: a viewer that became the source starts publishing.
      // Its camera and microphone are asked for only now (viewers are never asked).
      roster.on('change', () => {
        const sfu = this.sfu;
        if (this.state === 'joined' && sfu && this.isSource && !sfu.isPublishing) {
          void this.sourceMedia()
            .then(() => sfu.startPublishing())
            .catch((err: unknown) => {
              this.app.toast(`Could not start the stream: ${errorText(err)}`);
            });
        }
      }),
      roster.on('left', (id) => {
        // We were taken out of the call (removed, or our session ended on the server).
        if (id === this.myId) this.teardown();
        else this.closePeer(id);
      }),
      roster.on('updated', ({ prev, next }) => {
        // Back from a drop: an offer we sent while it was away was dropped by the server.
        if (prev?.status === 'reconnecting' && next.status === 'connected') {
          void this.peers.get(next.id)?.dropStaleOffer();
        }
      }),
      this.media.on('tracks', () => {
        for (const peer of this.peers.values()) void peer.syncLocal();
        void this.sfu?.syncLocal();
        this.restartDetector();
        this.emit('local', undefined);
      }),
      // A moderator's mute: in a mesh call the server can only tell everyone, so our UI stops
      // sending what was muted and we stop playing what a muted peer still sends.
      store.on('moderation', () => this.applyMutes()),
      this.media.on('state', () => {
        this.sendMedia(this.media.state);
        this.emit('local', undefined);
      }),
    );
  }

  /** In a streaming room: we are its source (a streamer's session that streams now). */
  get isSource(): boolean {
    const source = this.store.live.stream?.source;
    return source?.kind === 'participant' && this.myId !== null && source.participant === this.myId;
  }

  /** In a streaming room and not its source: we watch (subscribe only, never publish). */
  get isViewer(): boolean {
    return this.store.live.streaming && !this.isSource;
  }

  /** A streaming room's source that joined without media: ask for camera and microphone now. */
  private async sourceMedia(): Promise<void> {
    if (this.media.audioTrack || this.media.videoTrack) return;
    await this.media.start();
  }

  get inCall(): boolean {
    return this.state === 'joined';
  }

  async join(): Promise<void> {
    if (this.state !== 'idle') return;
    this.setState('joining');
    try {
      // A streaming room: we watch unless we are (or become) its source, so the camera and
      // microphone are asked for only then; a viewer joins receive-only and is never asked.
      const watching = this.store.live.streaming;
      const media = watching ? { audio: false, video: false } : await this.media.start();
      const client = await this.app.connected();
      const result = await client.request('live.join', { room: this.store.id, media });
      this.setState('joined');
      const source = result.stream?.source;
      if (watching && source?.kind === 'participant' && source.participant === result.you.id) {
        await this.sourceMedia();
      }
      this.applySnapshot(result, false);
      this.restartDetector();
    } catch (err) {
      this.media.stop();
      this.setState('idle');
      throw err;
    }
  }

  async leave(): Promise<void> {
    if (this.state === 'idle') return;
    this.teardown();
    try {
      const client = await this.app.connected();
      await client.request('live.leave', { room: this.store.id });
    } catch {
      // Not in the call any more anyway (session gone, room left).
    }
  }

  setMic(on: boolean): void {
    this.media.setMic(on);
  }

  async setCamera(on: boolean): Promise<void> {
    await this.media.setCamera(on);
  }

  async setScreen(on: boolean): Promise<boolean> {
    if (!on) {
      this.media.stopScreen();
      return true;
    }
    return this.media.startScreen();
  }

  /** What a remote participant sends us (through its peer connection or the SFU), and its state. */
  remote(id: string): { tracks: RemoteTracks | undefined; connected: boolean; everConnected: boolean } {
    if (this.sfu) {
      return {
        tracks: this.sfu.remoteTracks(id),
        connected: this.sfu.connected,
        everConnected: this.sfu.everConnected,
      };
    }
    const peer = this.peers.get(id);
    return {
      tracks: peer?.remoteTracks(),
      connected: peer?.pc.connectionState === 'connected',
      everConnected: peer?.everConnected === true,
    };
  }

  /** One entry per peer connection: decoded video frames, connection state, ports, candidate type. */
  async stats(): Promise<PeerStats[]> {
    if (this.sfu) {
      const sfu = this.sfu;
      const frames = await sfu.framesByParticipant();
      return [...frames].map(([participant, framesDecoded]) => ({
        participant,
        framesDecoded,
        connectionState: sfu.subscriber?.connectionState ?? 'new',
        localPorts: [],
        candidateType: null,
      }));
    }
    return Promise.all(
      [...this.peers.values()].map(async (peer) => ({
        participant: peer.remoteId,
        connectionState: peer.pc.connectionState,
        ...(await peer.connectionStats()),
      })),
    );
  }

  destroy(): void {
    void this.leave();
    for (const off of this.offs.splice(0)) off();
  }

  private setState(state: CallState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  private teardown(): void {
    for (const id of [...this.peers.keys()]) this.closePeer(id);
    this.closeSfu();
    this.mode = 'mesh';
    this.detector?.stop();
    this.detector = null;
    this.speaking = false;
    window.clearTimeout(this.iceTimer);
    window.clearTimeout(this.rejoinTimer);
    this.media.stop();
    this.myId = null;
    this.reconnecting = false;
    this.setState('idle');
  }

  /** A live.join answer: the first one, or a fresh one after our connection came back. */
  private applySnapshot(result: ResultOf<'live.join'>, rejoin: boolean): void {
    if (this.myId !== null && this.myId !== result.you.id) {
      // Our session expired while away: we are a newcomer to everyone, with new connections.
      for (const id of [...this.peers.keys()]) this.closePeer(id);
    }
    this.myId = result.you.id;
    this.myRank = result.you.rank;
    this.setIce(result.ice);
    this.store.live.reset([result.you, ...result.participants]);
    this.store.live.setSettings(result.settings);
    this.store.live.setStream(result.stream ?? null);
    this.store.live.setRecording(result.recording ?? null);
    if (result.mode === 'sfu') {
      for (const id of [...this.peers.keys()]) this.closePeer(id);
      this.mode = 'sfu';
      if (this.sfu && rejoin) void this.sfu.restartIce().catch(() => this.startSfu());
      else if (!this.sfu) this.startSfu();
      this.emit('peers', undefined);
      return;
    }
    if (this.mode === 'sfu') this.closeSfu();
    this.mode = 'mesh';
    const present = new Set(result.participants.map((p) => p.id));
    for (const id of [...this.peers.keys()]) if (!present.has(id)) this.closePeer(id);
    for (const p of result.participants) {
      const peer = this.peers.get(p.id);
      if (peer && rejoin) void peer.restartIce();
      // We offer to everyone already there; after a rejoin also to those whose offer to us was
      // dropped while we were away (perfect negotiation sorts it out if they offer too).
      else if (!peer) this.createPeer(p, true);
    }
    this.emit('peers', undefined);
  }

  /** live.mode: `sfu` (grew, setting, or the SFU restarted) starts afresh on it; `mesh` offers to all. */
  private switchMode(mode: 'mesh' | 'sfu' | 'relay'): void {
    if (mode === 'relay') {
      // A relayed broadcast: the web app does not play relay trees yet (the SDK's RelayNode
      // does); it leaves the mesh instead of offering to peers the server would refuse.
      for (const id of [...this.peers.keys()]) this.closePeer(id);
      this.emit('peers', undefined);
      return;
    }
    if (mode === 'sfu') {
      for (const id of [...this.peers.keys()]) this.closePeer(id);
      this.mode = 'sfu';
      this.startSfu();
    } else {
      this.closeSfu();
      this.mode = 'mesh';
      for (const p of this.store.live.list()) {
        if (p.id !== this.myId && !this.peers.has(p.id)) this.createPeer(p, this.myRank > p.rank);
      }
    }
    this.emit('peers', undefined);
  }

  private startSfu(attempt = 0): void {
    this.closeSfu();
    const link = new SfuLink({
      room: this.store.id,
      config: this.rtcConfig(),
      local: this.media,
      client: () => this.app.connected(),
      publish: !this.isViewer,
      changed: () => this.emit('peers', undefined),
    });
    this.sfu = link;
    link.start().catch((err: unknown) => {
      if (this.sfu !== link || this.state !== 'joined') return;
      // The SFU may be restarting (a live.mode reset follows); try again a few times meanwhile.
      if (attempt < 5) window.setTimeout(() => this.sfu === link && this.startSfu(attempt + 1), 1000);
      else this.app.toast(`Call media failed: ${errorText(err)}`);
    });
  }

  private closeSfu(): void {
    this.sfu?.close();
    this.sfu = null;
  }

  private createPeer(p: LiveParticipant, offer: boolean): PeerLink {
    const peer = new PeerLink({
      remoteId: p.id,
      polite: this.myRank > p.rank,
      config: this.rtcConfig(),
      local: this.media,
      signal: (signal) => this.sendSignal(p.id, signal),
      changed: () => {
        this.applyMutes();
        this.emit('peers', undefined);
      },
      failed: () => {
        // Worth a restart only while both sides can signal; otherwise the rejoin will do it.
        const remote = this.store.live.participants.get(p.id);
        if (!this.reconnecting && remote?.status === 'connected') void peer.restartIce();
      },
    });
    this.peers.set(p.id, peer);
    if (offer) peer.start();
    this.emit('peers', undefined);
    return peer;
  }

  private closePeer(id: string): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    peer.close();
    this.peers.delete(id);
    this.emit('peers', undefined);
  }

  private onSignal(event: LiveSignalEvent): void {
    if (this.state !== 'joined' || this.mode === 'sfu' || event.from === this.myId) return;
    let peer = this.peers.get(event.from);
    if (!peer) {
      // Someone who joined after us (they offer first); their live.joined normally came first.
      const known = this.store.live.participants.get(event.from);
      peer = this.createPeer(known ?? { ...placeholder(event), rank: Number.MAX_SAFE_INTEGER }, false);
    }
    peer.handle(event.signal);
  }

  private onConn(state: AppConnState): void {
    if (this.state !== 'joined') return;
    // Any state but connected means signaling is gone (the SDK reconnecting, or a new client
    // after a retry): rejoin once connected again.
    if (state !== 'connected') {
      if (this.reconnecting) return;
      this.reconnecting = true;
      window.clearTimeout(this.rejoinTimer);
      this.emit('local', undefined);
    } else if (this.reconnecting) {
      void this.rejoin(0);
    }
  }

  /** Back online: join again for a fresh snapshot and ICE, then restart ICE on every peer. */
  private async rejoin(attempt: number): Promise<void> {
    try {
      const client = await this.app.connected();
      const result = await client.request('live.join', { room: this.store.id, media: this.media.state });
      if (this.state !== 'joined') return;
      this.reconnecting = false;
      this.applySnapshot(result, true);
      this.emit('local', undefined);
    } catch (err) {
      if (this.state !== 'joined') return;
      const code = errorCode(err);
      // Right after a resume the room itself may still be re-joining: try again shortly.
      if (attempt < 5 && code !== 'LIVE_FULL') {
        this.rejoinTimer = window.setTimeout(() => void this.rejoin(attempt + 1), 500 * (attempt + 1));
        return;
      }
      this.app.toast(`Lost the call: ${errorText(err)}`);
      this.teardown();
    }
  }

  private sendSignal(to: string, signal: LiveSignal): void {
    void this.app
      .connected()
      .then((client) => client.request('live.signal', { room: this.store.id, to, signal }))
      .catch(() => undefined); // the participant left, or we are reconnecting: ICE restart follows
  }

  private applyMutes(): void {
    const mine = this.store.muteOf(this.app.userId);
    if (this.state === 'joined') {
      if (mine.audio && this.media.state.audio) this.media.setMic(false);
      if (mine.video && this.media.state.video) void this.media.setCamera(false);
    }
    for (const [id, peer] of this.peers) {
      const user = this.store.live.participants.get(id)?.user.id ?? null;
      const muted = this.store.muteOf(user);
      const tracks = peer.remoteTracks();
      if (tracks.audio) tracks.audio.enabled = !muted.audio;
      if (tracks.camera) tracks.camera.enabled = !muted.video;
    }
  }

  private sendMedia(patch: { audio?: boolean; video?: boolean; screen?: boolean; speaking?: boolean }): void {
    if (this.state !== 'joined') return;
    void this.app
      .connected()
      .then((client) => client.request('live.media', { room: this.store.id, ...patch }))
      .catch(() => undefined);
  }

  private restartDetector(): void {
    const track = this.media.audioTrack;
    if (this.detector && this.detectorTrack === track) return;
    this.detector?.stop();
    this.detector = null;
    this.detectorTrack = track;
    if (!track || this.state !== 'joined') return;
    this.detector = new SpeakingDetector(track, (speaking) => {
      this.speaking = speaking;
      this.sendMedia({ speaking });
      this.emit('local', undefined);
    });
  }

  private setIce(ice: IceConfig): void {
    this.ice = ice;
    for (const peer of this.peers.values()) peer.setConfiguration(this.rtcConfig());
    this.sfu?.setConfiguration(this.rtcConfig());
    window.clearTimeout(this.iceTimer);
    if (ice.expiresAt === null) return;
    // Refresh well before expiry: a restart after a network switch needs working credentials.
    const remaining = ice.expiresAt - Date.now();
    const delay = Math.max(1_000, remaining - Math.min(60_000, remaining / 5));
    this.iceTimer = window.setTimeout(() => void this.refreshIce(), delay);
  }

  private async refreshIce(): Promise<void> {
    if (this.state !== 'joined') return;
    try {
      const client = await this.app.connected();
      const { ice } = await client.request('live.ice', { room: this.store.id });
      this.setIce(ice);
    } catch {
      this.iceTimer = window.setTimeout(() => void this.refreshIce(), 10_000);
    }
  }

  private rtcConfig(): RTCConfiguration {
    const iceServers: RTCIceServer[] = (this.ice?.iceServers ?? []).map((s) => ({
      urls: s.urls,
      ...(s.username !== undefined && { username: s.username }),
      ...(s.credential !== undefined && { credential: s.credential }),
    }));
    return { iceServers, iceTransportPolicy: relayOnly() ? 'relay' : 'all', bundlePolicy: 'max-bundle' };
  }
}

function placeholder(event: LiveSignalEvent): Omit<LiveParticipant, 'rank'> {
  return {
    id: event.from,
    user: event.user,
    media: { audio: false, video: false, screen: false },
    speaking: false,
    status: 'connected',
    joinedAt: Date.now(),
  };
}
