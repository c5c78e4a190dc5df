import type { ChatClient } from '../sdk.ts';
import type { LiveSfuOfferEvent } from './live-roster.ts';
import type { LocalMedia } from './media.ts';
import type { RemoteTracks } from './peer.ts';

export interface SfuLinkOptions {
  room: string;
  config: RTCConfiguration;
  local: LocalMedia;
  client: () => Promise<ChatClient>;
  /**
   * Send our media (false: a viewer of a streaming room, which only subscribes — the server offers
   * it the source's media right after its join and refuses its live.sfu.publish).
   */
  publish: boolean;
  /** Tracks or connection state changed (re-render). */
  changed(): void;
}

type Target = 'publisher' | 'subscriber';

/**
 * This tab's media in an SFU call: two PeerConnections to the server's SFU whatever the size of
 * the call — a publisher (our microphone and camera, always both m-lines so turning the camera on
 * later is a replaceTrack) and one subscriber carrying everyone we watch (the SFU offers it and
 * renegotiates it as publishers come and go; each offer says which mids are whose).
 */
export class SfuLink {
  readonly publisher: RTCPeerConnection;
  subscriber: RTCPeerConnection | null = null;
  everConnected = false;
  /** mid of the subscriber PeerConnection → the participant it carries. */
  private owners = new Map<string, string>();
  private readonly opts: SfuLinkOptions;
  private readonly audioTx: RTCRtpTransceiver;
  private readonly videoTx: RTCRtpTransceiver;
  /** Candidates wait until their PeerConnection's description has reached the server. */
  private ready: Record<Target, boolean> = { publisher: false, subscriber: false };
  private pending: Record<Target, (RTCIceCandidateInit | null)[]> = { publisher: [], subscriber: [] };
  private offers: Promise<void> = Promise.resolve();
  private closed = false;
  private publishing = false;

  constructor(opts: SfuLinkOptions) {
    this.opts = opts;
    this.publisher = new RTCPeerConnection(opts.config);
    this.audioTx = this.publisher.addTransceiver('audio', { direction: 'sendonly' });
    this.videoTx = this.publisher.addTransceiver('video', { direction: 'sendonly' });
    this.watch(this.publisher, 'publisher');
  }

  /** Publish: our offer to the server, its SFU's answer back; then the SFU offers the subscriber. */
  async start(): Promise<void> {
    if (!this.opts.publish) return;
    await this.startPublishing();
  }

  /** Start sending our media (at start, or a viewer that became a streaming room's source). */
  async startPublishing(): Promise<void> {
    if (this.publishing || this.closed) return;
    this.publishing = true;
    await this.syncLocal();
    await this.publisher.setLocalDescription(await this.publisher.createOffer());
    await this.sendPublish(false);
  }

  private async sendPublish(restart: boolean): Promise<void> {
    const sdp = this.publisher.localDescription?.sdp ?? '';
    const client = await this.opts.client();
    const { sdp: answer } = await client.request('live.sfu.publish', { room: this.opts.room, sdp, restart });
    if (this.closed) return;
    await this.publisher.setRemoteDescription({ type: 'answer', sdp: answer });
    this.flush('publisher');
  }

  /** Our microphone and camera tracks changed: swap them in without renegotiating. */
  async syncLocal(): Promise<void> {
    if (this.closed) return;
    await this.audioTx.sender.replaceTrack(this.opts.local.audioTrack);
    await this.videoTx.sender.replaceTrack(this.opts.local.videoTrack);
  }

  /** The SFU (re)offers our subscriber PeerConnection. */
  handleOffer(event: LiveSfuOfferEvent): void {
    this.offers = this.offers.then(() => this.answer(event)).catch(() => undefined);
  }

  private async answer(event: LiveSfuOfferEvent): Promise<void> {
    if (this.closed) return;
    let pc = this.subscriber;
    if (!pc) {
      pc = new RTCPeerConnection(this.opts.config);
      this.subscriber = pc;
      this.watch(pc, 'subscriber');
      pc.ontrack = () => this.opts.changed();
    }
    this.owners = new Map(event.streams.flatMap((s) => s.mids.map((mid) => [mid, s.participant] as const)));
    await pc.setRemoteDescription({ type: 'offer', sdp: event.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    const client = await this.opts.client();
    await client.request('live.sfu.answer', { room: this.opts.room, sdp: pc.localDescription?.sdp ?? '' });
    this.flush('subscriber');
    this.opts.changed();
  }

  /** After our signaling came back: ICE restarts on both PeerConnections. */
  async restartIce(): Promise<void> {
    if (this.closed) return;
    if (this.publishing) {
      this.ready.publisher = false;
      await this.publisher.setLocalDescription(await this.publisher.createOffer({ iceRestart: true }));
      await this.sendPublish(true);
    }
    const client = await this.opts.client();
    if (this.subscriber) {
      this.ready.subscriber = false;
      await client.request('live.sfu.restart', { room: this.opts.room });
    }
  }

  setConfiguration(config: RTCConfiguration): void {
    if (this.closed) return;
    this.publisher.setConfiguration(config);
    this.subscriber?.setConfiguration(config);
  }

  /** What `participant` sends us through the SFU. */
  remoteTracks(participant: string): RemoteTracks {
    const out: RemoteTracks = { audio: null, camera: null, screen: null };
    for (const t of this.subscriber?.getTransceivers() ?? []) {
      if (t.mid === null || this.owners.get(t.mid) !== participant) continue;
      if (t.currentDirection === 'inactive' || t.currentDirection === 'stopped') continue;
      const track = t.receiver.track;
      if (track.kind === 'audio') out.audio ??= track;
      else if (!out.camera) out.camera = track;
      else out.screen ??= track;
    }
    return out;
  }

  /** Whether the subscriber PeerConnection is connected (media from the SFU can flow). */
  get isPublishing(): boolean {
    return this.publishing;
  }

  get connected(): boolean {
    return this.subscriber?.connectionState === 'connected';
  }

  /** Video frames decoded per participant (for the debug hook and tests). */
  async framesByParticipant(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!this.subscriber || this.closed) return out;
    const report = await this.subscriber.getStats();
    report.forEach((s: Record<string, unknown>) => {
      if (s['type'] !== 'inbound-rtp' || s['kind'] !== 'video') return;
      const owner = this.owners.get(String(s['mid']));
      if (owner) out.set(owner, (out.get(owner) ?? 0) + Number(s['framesDecoded'] ?? 0));
    });
    return out;
  }

  close(): void {
    this.closed = true;
    this.publisher.close();
    this.subscriber?.close();
  }

  private watch(pc: RTCPeerConnection, target: Target): void {
    pc.onicecandidate = ({ candidate }) => {
      const json = candidate?.toJSON();
      this.pending[target].push(json?.candidate ? json : null);
      if (this.ready[target]) this.flush(target);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected') this.everConnected = true;
      if (pc.connectionState === 'failed' && !this.closed) {
        if (target === 'publisher') {
          void this.publisher
            .createOffer({ iceRestart: true })
            .then((o) => this.publisher.setLocalDescription(o))
            .then(() => this.sendPublish(true))
            .catch(() => undefined);
        } else {
          void this.opts
            .client()
            .then((c) => c.request('live.sfu.restart', { room: this.opts.room }))
            .catch(() => undefined);
        }
      }
      this.opts.changed();
    };
  }

  private flush(target: Target): void {
    this.ready[target] = true;
    const batch = this.pending[target].splice(0);
    if (batch.length === 0 || this.closed) return;
    void this.opts.client().then(async (client) => {
      for (const c of batch) {
        const candidate = c?.candidate
          ? {
              candidate: c.candidate,
              sdpMid: c.sdpMid ?? null,
              sdpMLineIndex: c.sdpMLineIndex ?? null,
              usernameFragment: c.usernameFragment ?? null,
            }
          : null;
        await client
          .request('live.sfu.candidate', { room: this.opts.room, target, candidate })
          .catch(() => undefined);
      }
    });
  }
}
