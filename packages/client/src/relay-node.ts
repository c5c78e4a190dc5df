import type { LiveRelayAssign, LiveSignal } from '@presence/protocol';
import type { PresenceClient } from './client.js';
import { TypedEmitter } from './emitter.js';

/** RTCConfiguration.iceTransportPolicy: `relay` keeps addresses private (TURN only). */
export type IcePolicy = 'all' | 'relay';

/** One WebRTC edge of the relay tree, as the media side implements it. */
export interface RelayEdge {
  /** A signal from the peer at the other end. */
  signal(signal: LiveSignal): Promise<void>;
  close(): void;
}

/** The edge we receive the broadcast on (we offer, receive-only). */
export interface UpstreamEdge extends RelayEdge {
  /** Create and send the offer. */
  start(): Promise<void>;
  /** Frames decoded (browser) or video packets received (Node) so far: the silence watchdog reads it. */
  frames(): Promise<number>;
}

/** An edge we forward the broadcast on (the child offered). */
export interface DownstreamEdge extends RelayEdge {
  /** Bytes sent on it so far (getStats `outbound-rtp` bytesSent). */
  bytesSent(): Promise<number>;
}

/**
 * The media half of a relay node (RTCPeerConnections in a browser, werift in Node): it opens
 * edges and, whatever edge `use` named last, forwards that edge's track on every downstream edge
 * (a browser adds the received remote track to each child's connection and replaces it when the
 * upstream changes). The source's media forwards its own camera instead.
 */
export interface RelayMedia {
  upstream(peer: string, send: (signal: LiveSignal) => void, policy: IcePolicy): UpstreamEdge;
  downstream(peer: string, send: (signal: LiveSignal) => void, policy: IcePolicy): DownstreamEdge;
  /** Forward what arrives on this upstream edge from now on. */
  use(edge: UpstreamEdge): void;
}

export interface RelayNodeEvents {
  /** A new assignment from the server. */
  assign: LiveRelayAssign;
  /** How many viewers we forward to now (connected downstream edges we created). */
  relaying: number;
  /** Frames arrive on the upstream edge from `parent`; `gapMs` since the previous parent fell silent (0 at first). */
  receiving: { parent: string; gapMs: number };
  /** The parent sent no frames for silenceMs: we switched to `backup` (null: none, waiting). */
  silent: { parent: string; backup: string | null };
}

export interface RelayNodeOptions {
  client: PresenceClient;
  room: string;
  media: RelayMedia;
  /** POST `bytes` bytes to `url` (a path on the server): the upload probe. Without it, no probe (a leaf). */
  upload?: (url: string, bytes: number) => Promise<void>;
  /** How often a relay reports what it forwards (default 5 s). */
  reportEveryMs?: number;
  /** How often the silence watchdog looks (default 200 ms). */
  watchEveryMs?: number;
}

/** Extra time a fresh upstream edge has for its first frame before it counts as silent. */
const FIRST_FRAME_GRACE_MS = 3_000;

interface Upstream {
  peer: string;
  edge: UpstreamEdge;
  openedAt: number;
  frames: number;
  lastFrameAt: number;
  receiving: boolean;
}

/**
 * A viewer's (or the source's) part in a relayed broadcast: follows `live.relay.assign`, opens the
 * edge to its parent (it offers; the parent answers), accepts its children's offers, watches for
 * silence (no frames for `silenceMs` → switch to the backup parent at once, tell the server), runs
 * the upload probe and reports what it forwards. Signaling is live.signal, only along tree edges.
 *
 * @example
 * const node = new RelayNode({ client, room, media: new BrowserRelayMedia(ice), upload });
 * node.on('relaying', (n) => (label.textContent = `relaying to ${n} viewers`));
 * await node.setRelaying(false); // become a leaf
 */
export class RelayNode extends TypedEmitter<RelayNodeEvents> {
  readonly #client: PresenceClient;
  readonly #room: string;
  readonly #media: RelayMedia;
  readonly #upload: ((url: string, bytes: number) => Promise<void>) | undefined;
  assignment: LiveRelayAssign | null = null;
  #up: Upstream | null = null;
  /** A previous upstream kept until the new one decodes (make before break), when it still works. */
  #oldUp: Upstream | null = null;
  readonly #down = new Map<string, DownstreamEdge>();
  #silentSince: number | null = null;
  #probed = false;
  #closed = false;
  #lastSent = new Map<DownstreamEdge, number>();
  #lastReportAt = Date.now();
  readonly #offs: Array<() => void> = [];
  readonly #timers: Array<ReturnType<typeof setInterval>> = [];

  constructor(options: RelayNodeOptions) {
    super();
    this.#client = options.client;
    this.#room = options.room;
    this.#media = options.media;
    this.#upload = options.upload;
    this.#offs.push(
      this.#client.on('live.relay.assign', (a) => {
        if (a.room === this.#room) this.#onAssign(a);
      }),
      this.#client.on('live.signal', (s) => {
        if (s.room === this.#room) void this.#onSignal(s.from, s.signal).catch(() => undefined);
      }),
    );
    this.#timers.push(setInterval(() => void this.#watch(), options.watchEveryMs ?? 200));
    this.#timers.push(setInterval(() => void this.#report(), options.reportEveryMs ?? 5_000));
  }

  /** Who we receive from now (null for the source or while waiting). */
  get parent(): string | null {
    return this.#up?.peer ?? null;
  }

  /** Frames received on the current upstream edge (0 without one). */
  async upstreamFrames(): Promise<number> {
    return (await this.#up?.edge.frames().catch(() => 0)) ?? 0;
  }

  /** How many viewers we forward to. */
  get relaying(): number {
    return this.#down.size;
  }

  /** Forward to other viewers or not (false: the server makes us a leaf). */
  async setRelaying(relay: boolean): Promise<void> {
    await this.#client.request('live.relay.prefs', { room: this.#room, relay });
  }

  /** Apply an assignment that arrived before this node existed (e.g. kept by the app). */
  apply(assign: LiveRelayAssign): void {
    if (assign.room === this.#room) this.#onAssign(assign);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs) off();
    for (const t of this.#timers) clearInterval(t);
    this.#up?.edge.close();
    this.#oldUp?.edge.close();
    for (const d of this.#down.values()) d.close();
    this.#down.clear();
    this.#up = null;
    this.#oldUp = null;
  }

  #policy(): IcePolicy {
    return this.assignment?.icePolicy === 'relay' ? 'relay' : 'all';
  }

  #onAssign(a: LiveRelayAssign): void {
    if (this.#closed) return;
    const before = this.assignment;
    this.assignment = a;
    this.emit('assign', a);
    // Children the server moved away from us (and did not just hand back) are let go.
    if (before) {
      for (const gone of before.children) {
        if (!a.children.includes(gone)) this.#dropChild(gone);
      }
    }
    if (a.role === 'viewer') {
      if (a.parent !== null && a.parent !== this.#up?.peer) this.#connect(a.parent, false);
      if (!this.#probed && a.capacity === 0 && this.#upload) void this.#probe();
    }
  }

  async #probe(): Promise<void> {
    this.#probed = true;
    try {
      const { url, bytes } = await this.#client.request('live.relay.probe', { room: this.#room });
      await this.#upload?.(url, bytes);
    } catch {
      // No probe, no relaying: we stay a leaf, which is safe.
    }
  }

  /** Open the edge to `peer`; drop the current one at once when it is dead, else once the new one decodes. */
  #connect(peer: string, currentIsDead: boolean): void {
    const send = (signal: LiveSignal) => this.#signal(peer, signal);
    const edge = this.#media.upstream(peer, send, this.#policy());
    const previous = this.#up;
    if (previous) {
      if (currentIsDead || !previous.receiving) previous.edge.close();
      else {
        this.#oldUp?.edge.close();
        this.#oldUp = previous;
      }
    }
    const now = Date.now();
    this.#up = { peer, edge, openedAt: now, frames: 0, lastFrameAt: now, receiving: false };
    void edge.start().catch(() => undefined);
  }

  #dropChild(peer: string): void {
    this.#down.get(peer)?.close();
    if (this.#down.delete(peer)) this.emit('relaying', this.#down.size);
  }

  async #onSignal(from: string, signal: LiveSignal): Promise<void> {
    if (this.#closed) return;
    if (this.#up?.peer === from) return this.#up.edge.signal(signal);
    if (this.#oldUp?.peer === from) return this.#oldUp.edge.signal(signal);
    let down = this.#down.get(from);
    if (signal.kind === 'offer') {
      // A child offers: a new edge (a renegotiation of an existing one replaces it).
      const capacity = this.assignment?.capacity ?? 0;
      const assigned = this.assignment?.children.includes(from) === true;
      // A child switching to us as its backup offers before our assignment names it: accept it
      // within our capacity. The server refuses signals between peers it did not link.
      if (!assigned && this.#down.size >= capacity && !this.#down.has(from)) return;
      down?.close();
      down = this.#media.downstream(from, (s) => this.#signal(from, s), this.#policy());
      this.#down.set(from, down);
      this.emit('relaying', this.#down.size);
    }
    await down?.signal(signal);
  }

  #signal(to: string, signal: LiveSignal): void {
    void this.#client.request('live.signal', { room: this.#room, to, signal }).catch(() => undefined);
  }

  async #watch(): Promise<void> {
    const up = this.#up;
    const a = this.assignment;
    if (!up || !a || this.#closed) return;
    const frames = await up.edge.frames().catch(() => up.frames);
    const now = Date.now();
    if (frames > up.frames) {
      up.frames = frames;
      up.lastFrameAt = now;
      if (!up.receiving) {
        up.receiving = true;
        this.#media.use(up.edge);
        this.#oldUp?.edge.close();
        this.#oldUp = null;
        const gapMs = this.#silentSince === null ? 0 : now - this.#silentSince;
        this.#silentSince = null;
        this.emit('receiving', { parent: up.peer, gapMs });
      }
      return;
    }
    // A new edge gets longer for its first frame (ICE, DTLS, and its parent may be connecting too).
    const allowed = up.receiving ? a.silenceMs : a.silenceMs + FIRST_FRAME_GRACE_MS;
    if (now - up.lastFrameAt < allowed || this.#up !== up) return;
    // Silence: switch to the backup at once and tell the server (which repairs the tree).
    const backup = a.backup !== null && a.backup !== up.peer ? a.backup : null;
    this.#silentSince ??= up.lastFrameAt;
    this.emit('silent', { parent: up.peer, backup });
    const silentPeer = up.peer;
    // No backup: a fresh edge to the same parent (the old one may have failed) while the server
    // finds us another place.
    this.#connect(backup ?? up.peer, true);
    await this.#client
      .request('live.relay.report', { room: this.#room, silent: silentPeer })
      .catch(() => undefined);
  }

  async #report(): Promise<void> {
    if (this.#closed || this.assignment?.role !== 'viewer' || this.#down.size === 0) {
      this.#lastReportAt = Date.now();
      return;
    }
    // Per edge, so a child that went away does not read as a drop in what we send.
    let delta = 0;
    const seen = new Map<DownstreamEdge, number>();
    for (const d of this.#down.values()) {
      const bytes = await d.bytesSent().catch(() => 0);
      seen.set(d, bytes);
      delta += Math.max(0, bytes - (this.#lastSent.get(d) ?? 0));
    }
    this.#lastSent = seen;
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.#lastReportAt) / 1000);
    const sendingBps = (delta * 8) / seconds;
    this.#lastReportAt = now;
    await this.#client
      .request('live.relay.report', { room: this.#room, sendingBps: Math.round(sendingBps) })
      .catch(() => undefined);
  }
}
