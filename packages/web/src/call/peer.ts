import type { LiveSignal } from '@presence/protocol';
import type { LocalMedia } from './media.ts';

export interface PeerOptions {
  remoteId: string;
  /** Perfect negotiation: the polite peer yields when both offer at once. Polite = higher rank. */
  polite: boolean;
  config: RTCConfiguration;
  local: LocalMedia;
  signal(signal: LiveSignal): void;
  /** Tracks or connection state changed (re-render). */
  changed(): void;
  /** ICE failed: the owner decides whether an ICE restart can help now. */
  failed(): void;
}

/** What a remote participant sends us, as tracks. */
export interface RemoteTracks {
  audio: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
}

/**
 * One RTCPeerConnection to one remote participant, negotiated with the "perfect negotiation"
 * pattern (https://w3c.github.io/webrtc-pc/#perfect-negotiation-example) so either side may
 * renegotiate at any time (screen share, ICE restart) and simultaneous offers resolve themselves.
 *
 * Which m-line is what: the first audio and the first video m-line are both sides' microphone and
 * camera (the newcomer's first offer creates them and the other side answers on them); any further
 * video m-line that the remote sends on is its screen.
 */
export class PeerLink {
  readonly pc: RTCPeerConnection;
  readonly remoteId: string;
  readonly polite: boolean;
  /** Media flowed at least once; a later drop is shown as "reconnecting", not "connecting". */
  everConnected = false;
  private readonly opts: PeerOptions;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  /** Incoming signals are applied strictly one after another. */
  private queue: Promise<void> = Promise.resolve();
  private screenTx: RTCRtpTransceiver | null = null;
  private closed = false;

  constructor(opts: PeerOptions) {
    this.opts = opts;
    this.remoteId = opts.remoteId;
    this.polite = opts.polite;
    const pc = new RTCPeerConnection(opts.config);
    this.pc = pc;
    pc.onnegotiationneeded = () => void this.offer();
    pc.onicecandidate = ({ candidate }) => {
      const json = candidate?.toJSON();
      opts.signal({
        kind: 'candidate',
        candidate: json?.candidate
          ? {
              candidate: json.candidate,
              sdpMid: json.sdpMid ?? null,
              sdpMLineIndex: json.sdpMLineIndex ?? null,
              usernameFragment: json.usernameFragment ?? null,
            }
          : null,
      });
    };
    pc.ontrack = () => opts.changed();
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected') this.everConnected = true;
      if (pc.connectionState === 'failed') opts.failed();
      opts.changed();
    };
  }

  /** The newcomer starts: adding our tracks fires negotiationneeded, which sends the first offer. */
  start(): void {
    const { local } = this.opts;
    for (const kind of ['audio', 'video'] as const) {
      const track = kind === 'audio' ? local.audioTrack : local.videoTrack;
      // addTrack (not addTransceiver) so that, should both sides offer at once, the polite side's
      // transceivers are reused for the winning offer's m-lines instead of piling up.
      if (track) this.pc.addTrack(track, local.stream);
      else this.pc.addTransceiver(kind, { direction: 'sendrecv' });
    }
    void this.syncScreen();
  }

  /** Local tracks changed: swap them in without renegotiating (except for the screen m-line). */
  async syncLocal(): Promise<void> {
    if (this.closed) return;
    const { audio, video } = this.mainTransceivers();
    const { local } = this.opts;
    if (audio && audio.sender.track !== local.audioTrack) await audio.sender.replaceTrack(local.audioTrack);
    if (video && video.sender.track !== local.videoTrack) await video.sender.replaceTrack(local.videoTrack);
    await this.syncScreen();
  }

  /** A signaling message from the remote participant. */
  handle(signal: LiveSignal): void {
    this.queue = this.queue
      .then(() => this.apply(signal))
      .catch((err: unknown) => console.warn('call:', err));
  }

  /**
   * Our network changed (or theirs failed): new ICE credentials, new candidates, same media. An
   * offer of ours still waiting for an answer may have been dropped while someone was away; take
   * it back first so the restart offer is not stuck behind it.
   */
  async restartIce(): Promise<void> {
    await this.dropStaleOffer();
    if (!this.closed) this.pc.restartIce();
  }

  /** Take back an unanswered offer (it went to a session that had no connection then). */
  async dropStaleOffer(): Promise<void> {
    if (this.closed || this.pc.signalingState !== 'have-local-offer' || this.makingOffer) return;
    await this.pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
  }

  setConfiguration(config: RTCConfiguration): void {
    if (!this.closed) this.pc.setConfiguration(config);
  }

  remoteTracks(): RemoteTracks {
    const { audio, video } = this.mainTransceivers();
    const screen = this.ordered().find(
      (t) =>
        t !== video &&
        t !== this.screenTx &&
        t.receiver.track.kind === 'video' &&
        (t.currentDirection === 'recvonly' || t.currentDirection === 'sendrecv'),
    );
    return {
      audio: audio?.receiver.track ?? null,
      camera: video?.receiver.track ?? null,
      screen: screen?.receiver.track ?? null,
    };
  }

  /**
   * Video frames decoded from this participant so far (camera and screen), our local UDP ports and
   * the type of our candidate in use ('host', 'relay', …) — for the debug hook and tests.
   */
  async connectionStats(): Promise<{
    framesDecoded: number;
    localPorts: number[];
    candidateType: string | null;
  }> {
    let framesDecoded = 0;
    const localPorts: number[] = [];
    let candidateType: string | null = null;
    if (this.closed) return { framesDecoded, localPorts, candidateType };
    const report = await this.pc.getStats();
    const byId = new Map<string, Record<string, unknown>>();
    report.forEach((s: Record<string, unknown>) => byId.set(String(s['id']), s));
    for (const s of byId.values()) {
      if (s['type'] === 'inbound-rtp' && s['kind'] === 'video')
        framesDecoded += Number(s['framesDecoded'] ?? 0);
      if (s['type'] === 'local-candidate' && typeof s['port'] === 'number') localPorts.push(s['port']);
      if (s['type'] === 'transport' && typeof s['selectedCandidatePairId'] === 'string') {
        const pair = byId.get(s['selectedCandidatePairId']);
        const local = byId.get(String(pair?.['localCandidateId']));
        candidateType = typeof local?.['candidateType'] === 'string' ? local['candidateType'] : null;
      }
    }
    return { framesDecoded, localPorts, candidateType };
  }

  close(): void {
    this.closed = true;
    this.pc.close();
  }

  private async offer(): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const sdp = this.pc.localDescription;
      if (sdp?.type === 'offer') this.opts.signal({ kind: 'offer', sdp: sdp.sdp });
    } catch (err) {
      console.warn('call: offer failed', err);
    } finally {
      this.makingOffer = false;
    }
  }

  private async apply(signal: LiveSignal): Promise<void> {
    if (this.closed) return;
    const pc = this.pc;
    if (signal.kind === 'candidate') {
      if (!signal.candidate) return;
      try {
        await pc.addIceCandidate(signal.candidate);
      } catch (err) {
        // Candidates of an offer we ignored, or of an ICE generation that is gone, do not matter.
        if (!this.ignoreOffer && pc.remoteDescription) console.warn('call: candidate rejected', err);
      }
      return;
    }
    const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.settingRemoteAnswer);
    const collision = signal.kind === 'offer' && !readyForOffer;
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) return;
    if (signal.kind === 'answer' && pc.signalingState !== 'have-local-offer') return; // stale answer
    this.settingRemoteAnswer = signal.kind === 'answer';
    try {
      await pc.setRemoteDescription({ type: signal.kind, sdp: signal.sdp });
    } finally {
      this.settingRemoteAnswer = false;
    }
    if (signal.kind !== 'offer') return;
    await this.attachLocal();
    await pc.setLocalDescription();
    const answer = pc.localDescription;
    if (answer) this.opts.signal({ kind: 'answer', sdp: answer.sdp });
  }

  /** Answering side: send our microphone and camera on the offer's first audio and video m-lines. */
  private async attachLocal(): Promise<void> {
    const { audio, video } = this.mainTransceivers();
    const { local } = this.opts;
    for (const [tx, track] of [
      [audio, local.audioTrack],
      [video, local.videoTrack],
    ] as const) {
      if (!tx) continue;
      if (tx.sender.track !== track) await tx.sender.replaceTrack(track);
      if (tx.direction === 'recvonly' || tx.direction === 'inactive') tx.direction = 'sendrecv';
    }
  }

  /** The screen goes on an m-line of its own, added on first share and set inactive in between. */
  private async syncScreen(): Promise<void> {
    const track = this.opts.local.screenTrack;
    if (track && !this.screenTx) {
      this.screenTx = this.pc.addTransceiver(track, { direction: 'sendonly' });
    } else if (this.screenTx && this.screenTx.sender.track !== track) {
      await this.screenTx.sender.replaceTrack(track);
      this.screenTx.direction = track ? 'sendonly' : 'inactive';
    }
  }

  private mainTransceivers(): { audio?: RTCRtpTransceiver; video?: RTCRtpTransceiver } {
    const txs = this.ordered().filter((t) => t !== this.screenTx);
    return {
      audio: txs.find((t) => t.receiver.track.kind === 'audio'),
      video: txs.find((t) => t.receiver.track.kind === 'video'),
    };
  }

  /** Transceivers in m-line order (not yet negotiated ones last, in creation order). */
  private ordered(): RTCRtpTransceiver[] {
    const sdp = this.pc.currentRemoteDescription?.sdp ?? this.pc.remoteDescription?.sdp ?? '';
    const mids = [...sdp.matchAll(/^a=mid:(\S+)/gm)].map((m) => m[1]);
    const rank = (t: RTCRtpTransceiver): number => {
      const i = t.mid === null ? -1 : mids.indexOf(t.mid);
      return i === -1 ? Number.MAX_SAFE_INTEGER : i;
    };
    return this.pc
      .getTransceivers()
      .filter((t) => t.currentDirection !== 'stopped')
      .map((t, i) => ({ t, i }))
      .sort((a, b) => rank(a.t) - rank(b.t) || a.i - b.i)
      .map(({ t }) => t);
  }
}
