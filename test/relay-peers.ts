/**
 * The media half of a relay node in Node (werift), for integration tests and benches of relayed
 * broadcasts: an upstream edge receives VP8 RTP, and whatever edge is in use is forwarded packet
 * by packet to every downstream edge (werift's sender rewrites SSRC, payload type and sequence
 * numbers per edge). The source's media forwards a Vp8Source instead. Werift does not decode: an
 * upstream edge counts "frames" as video packets from its first keyframe on.
 */
import { MediaStreamTrack, RTCPeerConnection, type RtpPacket } from 'werift';
import type {
  DownstreamEdge,
  IcePolicy,
  RelayMedia,
  UpstreamEdge,
} from '../packages/client/src/relay-node.js';
import type { LiveSignal } from '../packages/protocol/src/index.js';
import { isVp8KeyframeStart, type Vp8Source } from './werift-peers.js';

const MAX_GOP_PACKETS = 400;

function rtpPayloadOffset(packet: Buffer): number {
  const first = packet[0] ?? 0;
  let offset = 12 + (first & 0x0f) * 4;
  if (first & 0x10) offset += 4 + (packet.readUInt16BE(offset + 2) || 0) * 4;
  return offset;
}

function peerConfig(policy: IcePolicy) {
  return { iceServers: [], iceAdditionalHostAddresses: ['127.0.0.1'], iceTransportPolicy: policy };
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

class WeriftUpstream implements UpstreamEdge {
  readonly pc: RTCPeerConnection;
  #frames = 0;
  #keyframe = false;

  constructor(
    readonly peer: string,
    private readonly send: (signal: LiveSignal) => void,
    policy: IcePolicy,
    private readonly onRtp: (edge: WeriftUpstream, rtp: RtpPacket) => void,
  ) {
    this.pc = new RTCPeerConnection(peerConfig(policy));
    this.pc.addTransceiver('video', { direction: 'recvonly' });
    this.pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
        if (!this.#keyframe && isVp8KeyframeStart(rtp.payload)) this.#keyframe = true;
        if (this.#keyframe) this.#frames++;
        this.onRtp(this, rtp);
      });
    });
  }

  async start(): Promise<void> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    const sdp = await gathered(this.pc);
    this.send({ kind: 'offer', sdp });
  }

  async signal(signal: LiveSignal): Promise<void> {
    if (signal.kind === 'answer') await this.pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
  }

  frames(): Promise<number> {
    return Promise.resolve(this.#frames);
  }

  close(): void {
    void this.pc.close();
  }
}

class WeriftDownstream implements DownstreamEdge {
  readonly pc: RTCPeerConnection;
  readonly track = new MediaStreamTrack({ kind: 'video' });
  bytes = 0;

  constructor(
    readonly peer: string,
    private readonly send: (signal: LiveSignal) => void,
    policy: IcePolicy,
    private readonly onClose: (edge: WeriftDownstream) => void,
    onConnected: (edge: WeriftDownstream) => void,
  ) {
    this.pc = new RTCPeerConnection(peerConfig(policy));
    this.pc.addTransceiver(this.track, { direction: 'sendonly' });
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') onConnected(this);
    });
  }

  get connected(): boolean {
    return this.pc.connectionState === 'connected';
  }

  write(packet: Buffer): void {
    this.bytes += packet.length;
    this.track.writeRtp(packet);
  }

  async signal(signal: LiveSignal): Promise<void> {
    if (signal.kind !== 'offer') return;
    await this.pc.setRemoteDescription({ type: 'offer', sdp: signal.sdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    this.send({ kind: 'answer', sdp: await gathered(this.pc) });
  }

  bytesSent(): Promise<number> {
    return Promise.resolve(this.bytes);
  }

  close(): void {
    this.onClose(this);
    void this.pc.close();
  }
}

/** A werift relay node's media; with a Vp8Source it is the broadcast's source. */
export class WeriftRelayMedia implements RelayMedia {
  readonly #down = new Set<WeriftDownstream>();
  readonly #ups = new Set<WeriftUpstream>();
  #current: WeriftUpstream | null = null;
  /** The packets since the last keyframe (bounded), replayed to a child when it connects. */
  #gop: Buffer[] = [];
  readonly #detach: (() => void) | null = null;

  constructor(source?: Vp8Source) {
    // The source's packets are fanned out to every downstream edge (a sink that looks like a track).
    const sink = { writeRtp: (packet: Buffer) => this.#fanOut(packet) } as unknown as MediaStreamTrack;
    if (source) this.#detach = source.attach(sink);
  }

  upstream(peer: string, send: (signal: LiveSignal) => void, policy: IcePolicy): UpstreamEdge {
    const edge = new WeriftUpstream(peer, send, policy, (e, rtp) => {
      if (e === this.#current) this.#fanOut(rtp.serialize());
    });
    this.#ups.add(edge);
    return edge;
  }

  downstream(peer: string, send: (signal: LiveSignal) => void, policy: IcePolicy): DownstreamEdge {
    const edge = new WeriftDownstream(
      peer,
      send,
      policy,
      (e) => this.#down.delete(e),
      // A new child starts with the current group of pictures, not at the next keyframe.
      (e) => {
        for (const packet of this.#gop) e.write(packet);
      },
    );
    this.#down.add(edge);
    return edge;
  }

  use(edge: UpstreamEdge): void {
    this.#current = edge as WeriftUpstream;
  }

  /** Close every connection (a relay "killed"). */
  close(): void {
    this.#detach?.();
    for (const d of [...this.#down]) d.close();
    for (const u of this.#ups) u.close();
  }

  #fanOut(packet: Buffer): void {
    // RTP header: 12 bytes + 4 per CSRC + the extension block, then the VP8 payload.
    if (isVp8KeyframeStart(packet.subarray(rtpPayloadOffset(packet)))) this.#gop = [];
    if (this.#gop.length < MAX_GOP_PACKETS) this.#gop.push(packet);
    for (const d of this.#down) if (d.connected) d.write(packet);
  }
}
