/**
 * Node-side WebRTC peers (werift) for SFU tests and the bench: a publisher that sends real VP8
 * (ffmpeg's test pattern over RTP) and a subscriber that counts the RTP it receives per track.
 * Werift does not decode; a subscriber's "first frame" is its first VP8 packet that starts a
 * keyframe, which is what a decoder needs to show one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { MediaStreamTrack, RTCPeerConnection, RtpPacket } from 'werift';

const PEER_CONFIG = { iceServers: [], iceAdditionalHostAddresses: ['127.0.0.1'] };

/** ffmpeg's moving test pattern as VP8 RTP on a local UDP port; every packet goes to each sink. */
export class Vp8Source {
  readonly #socket: Socket;
  #ffmpeg: ChildProcess | null = null;
  readonly #sinks = new Set<MediaStreamTrack>();
  packets = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (msg) => {
      this.packets++;
      for (const track of this.#sinks) track.writeRtp(msg);
    });
  }

  static async start(options: { width?: number; height?: number; fps?: number } = {}): Promise<Vp8Source> {
    const socket = createSocket('udp4');
    await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
    const source = new Vp8Source(socket);
    const { port } = socket.address();
    const fps = options.fps ?? 15;
    source.#ffmpeg = spawn(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi'],
        ...['-i', `testsrc=size=${options.width ?? 320}x${options.height ?? 240}:rate=${fps}`],
        ...['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', String(fps)],
        ...['-payload_type', '96', '-f', 'rtp', `rtp://127.0.0.1:${port}?pkt_size=1200`],
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    return source;
  }

  attach(track: MediaStreamTrack): () => void {
    this.#sinks.add(track);
    return () => this.#sinks.delete(track);
  }

  async close(): Promise<void> {
    const ffmpeg = this.#ffmpeg;
    this.#ffmpeg = null;
    if (ffmpeg && ffmpeg.exitCode === null) {
      await new Promise<void>((done) => {
        ffmpeg.once('exit', () => done());
        ffmpeg.kill('SIGKILL');
      });
    }
    this.#socket.close();
  }
}

async function gathered(pc: RTCPeerConnection): Promise<string> {
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((done) => {
      const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          unSubscribe();
          done();
        }
      });
    });
  }
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new Error('no local description');
  return sdp;
}

/** A werift publisher of one video track (fed by a Vp8Source). */
export class WeriftPublisher {
  readonly pc = new RTCPeerConnection(PEER_CONFIG);
  readonly track = new MediaStreamTrack({ kind: 'video' });
  #detach: (() => void) | null = null;

  constructor(source?: Vp8Source) {
    this.pc.addTransceiver(this.track, { direction: 'sendonly' });
    if (source) this.#detach = source.attach(this.track);
  }

  /** An offer with every candidate in it (no trickle needed). */
  async offer(options: { iceRestart?: boolean } = {}): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer(options));
    return gathered(this.pc);
  }

  async answer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
  }

  async close(): Promise<void> {
    this.#detach?.();
    await this.pc.close();
  }
}

/** A werift subscriber: answers server offers and counts RTP per track. */
export class WeriftSubscriber {
  readonly pc = new RTCPeerConnection(PEER_CONFIG);
  /** RTP packets received, per remote track id. */
  readonly packets = new Map<string, number>();
  /** When the first VP8 keyframe start arrived (ms since epoch), or null. */
  firstKeyframeAt: number | null = null;
  readonly #keyframeWaiters = new Set<() => void>();

  readonly #listening = new WeakSet<MediaStreamTrack>();

  constructor() {
    this.pc.onTrack.subscribe((track) => this.#listen(track));
  }

  #listen(track: MediaStreamTrack): void {
    if (this.#listening.has(track)) return;
    this.#listening.add(track);
    track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
      const key = track.id ?? track.kind;
      this.packets.set(key, (this.packets.get(key) ?? 0) + 1);
      if (track.kind === 'video' && isVp8KeyframeStart(rtp.payload)) {
        this.firstKeyframeAt ??= Date.now();
        for (const w of this.#keyframeWaiters) w();
        this.#keyframeWaiters.clear();
      }
    });
  }

  get totalPackets(): number {
    let n = 0;
    for (const v of this.packets.values()) n += v;
    return n;
  }

  /** Answer Janus's offer; the answer carries every candidate. */
  async answer(offer: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer });
    // A renegotiation that puts another stream (new SSRC) on a mid werift already has adds a
    // second track to that receiver, while onTrack names the first one again: listen to all.
    for (const t of this.pc.getTransceivers()) for (const track of t.receiver.tracks) this.#listen(track);
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    return gathered(this.pc);
  }

  /** Resolves at the first keyframe received after this call (or at once when `any` and one came). */
  nextKeyframe(): Promise<void> {
    return new Promise((done) => this.#keyframeWaiters.add(done));
  }

  async close(): Promise<void> {
    await this.pc.close();
  }
}

/** VP8 payload descriptor (RFC 7741) then the frame header's P bit: 0 = keyframe. */
export function isVp8KeyframeStart(payload: Buffer): boolean {
  if (payload.length < 2) return false;
  const first = payload[0] ?? 0;
  const start = (first & 0x10) !== 0 && (first & 0x07) === 0;
  if (!start) return false;
  let i = 1;
  if (first & 0x80) {
    const x = payload[i++] ?? 0;
    if (x & 0x80) i += (payload[i] ?? 0) & 0x80 ? 2 : 1;
    if (x & 0x40) i++;
    if (x & 0x30) i++;
  }
  return ((payload[i] ?? 1) & 0x01) === 0;
}

export { RtpPacket };
