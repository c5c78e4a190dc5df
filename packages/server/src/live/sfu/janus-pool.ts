import { randomInt } from 'node:crypto';
import Janode, { type JanodeHandle, type JanusReply } from 'janode';
import VideoRoomPlugin from 'janode/plugins/videoroom';
import { SerialQueue } from '../../shared/serial-queue.js';
import { JanusInstance, toSfuError } from './janus-instance.js';
import {
  SfuError,
  type SfuBackend,
  type SfuCandidate,
  type SfuEvent,
  type SfuInstanceStatus,
  type SfuRoomOptions,
  type SfuSubscription,
} from './sfu-backend.js';

export interface JanusPoolOptions {
  /** One or more Janus WebSocket API URLs (ws://host:8188). */
  urls: string[];
  apiSecret?: string | undefined;
  reconnectMs?: number | undefined;
}

interface Publisher {
  feed: number;
  handle: JanodeHandle;
  up: boolean;
  /** mid → kind, from the publisher's offer (moderate needs the mids). */
  mids: { mid: string; kind: string }[];
}

interface Subscriber {
  handle: JanodeHandle;
  /** Feeds (participant ids) the PeerConnection carries now. */
  feeds: string[];
  /** The Janus `join` went through (until then an update must join, not `update`). */
  joined: boolean;
  /** An offer was sent and its answer has not come back yet: updates wait for it. */
  awaitingAnswer: boolean;
  /** What the live service asked for last (applied once the answer is in). */
  wanted: string[];
  streams: { mid: string; feed: string }[];
  queue: SerialQueue;
}

interface PoolRoom {
  instance: JanusInstance;
  janusRoom: number;
  publishers: Map<string, Publisher>;
  subscribers: Map<string, Subscriber>;
  /** Subscribers whose Janus handle is being attached, so a second subscribe waits for it. */
  attaching: Map<string, Promise<Subscriber>>;
  /** feed id → participant id. */
  byFeed: Map<number, string>;
}

/** An `updated` event Janus sends a subscriber on its own. */
interface JanusUpdated {
  jsep?: { type: 'offer' | 'answer'; sdp: string };
  streams?: unknown[];
}

/** Janus ids are random so that several servers sharing one Janus (a cluster) never collide. */
const newId = (): number => randomInt(1, 2 ** 47);

/**
 * The Janus implementation of the SFU seam: one or more Janus instances (janode over the
 * WebSocket transport), rooms placed on the least loaded instance that is up, one publisher handle
 * per publishing participant and one multistream subscriber handle per watching participant.
 */
export class JanusPool implements SfuBackend {
  readonly #instances: JanusInstance[];
  readonly #rooms = new Map<string, PoolRoom>();
  readonly #listeners = new Set<(event: SfuEvent) => void>();
  readonly #creating = new Map<string, Promise<PoolRoom>>();
  #closed = false;

  constructor(options: JanusPoolOptions) {
    if (options.urls.length === 0) throw new Error('JanusPool needs at least one URL');
    this.#instances = options.urls.map(
      (url) => new JanusInstance({ url, apiSecret: options.apiSecret, reconnectMs: options.reconnectMs }),
    );
    for (const instance of this.#instances) {
      instance.on('down', () => this.#instanceDown(instance));
      instance.on('up', () => this.#emit({ type: 'backend-restored', instance: instance.name }));
    }
  }

  /** Connect every instance; resolves when at least one is up (the others keep retrying). */
  async start(): Promise<void> {
    const results = await Promise.allSettled(this.#instances.map((i) => i.start()));
    if (!results.some((r) => r.status === 'fulfilled')) {
      const first = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      throw first?.reason instanceof Error
        ? first.reason
        : new SfuError('SFU_UNAVAILABLE', 'No Janus is reachable.');
    }
  }

  get available(): boolean {
    return this.#instances.some((i) => i.up);
  }

  status(): SfuInstanceStatus[] {
    return this.#instances.map((i) => ({
      name: i.name,
      up: i.up,
      rooms: [...this.#rooms.values()].filter((r) => r.instance === i).length,
    }));
  }

  on(listener: (event: SfuEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  hasRoom(room: string): boolean {
    return this.#rooms.has(room);
  }

  async ensureRoom(room: string, options: SfuRoomOptions = {}): Promise<void> {
    await this.#room(room, options);
  }

  #room(room: string, options: SfuRoomOptions = {}): Promise<PoolRoom> {
    const existing = this.#rooms.get(room);
    if (existing) return Promise.resolve(existing);
    let creating = this.#creating.get(room);
    if (!creating) {
      creating = this.#create(room, options).finally(() => this.#creating.delete(room));
      this.#creating.set(room, creating);
    }
    return creating;
  }

  async #create(room: string, options: SfuRoomOptions): Promise<PoolRoom> {
    if (this.#closed) throw new SfuError('SFU_UNAVAILABLE', 'The SFU is closed.');
    const up = this.#instances.filter((i) => i.up);
    const load = (i: JanusInstance): number => {
      let n = 0;
      for (const r of this.#rooms.values())
        if (r.instance === i) n += 1 + r.publishers.size + r.subscribers.size;
      return n;
    };
    const instance = up.sort((a, b) => load(a) - load(b))[0];
    if (!instance) throw new SfuError('SFU_UNAVAILABLE', 'No Janus is up.');
    const janusRoom = newId();
    await instance.request({
      request: 'create',
      room: janusRoom,
      permanent: false,
      description: room.slice(0, 64),
      publishers: options.maxPublishers ?? 100,
      audiocodec: 'opus',
      videocodec: (options.videoCodecs ?? ['vp8', 'h264']).join(','),
      notify_joining: false,
      ...(options.record ? { record: true } : {}),
      ...(options.recordDir ? { rec_dir: options.recordDir } : {}),
    });
    const created: PoolRoom = {
      instance,
      janusRoom,
      publishers: new Map(),
      subscribers: new Map(),
      attaching: new Map(),
      byFeed: new Map(),
    };
    this.#rooms.set(room, created);
    return created;
  }

  async destroyRoom(room: string): Promise<void> {
    const r = this.#rooms.get(room);
    if (!r) return;
    this.#rooms.delete(room);
    for (const p of r.publishers.values()) await p.handle.detach().catch(() => undefined);
    for (const s of r.subscribers.values()) await s.handle.detach().catch(() => undefined);
    await r.instance.request({ request: 'destroy', room: r.janusRoom }).catch(() => undefined);
  }

  async publish(
    room: string,
    participant: string,
    offer: string,
    options: { display?: string } = {},
  ): Promise<string> {
    const r = await this.#room(room);
    if (r.publishers.has(participant)) await this.unpublish(room, participant);
    const handle = await r.instance.attach();
    const feed = newId();
    const publisher: Publisher = { feed, handle, up: false, mids: midsOf(offer) };
    r.publishers.set(participant, publisher);
    r.byFeed.set(feed, participant);
    handle.on(Janode.EVENT.HANDLE_WEBRTCUP, () => {
      if (r.publishers.get(participant) !== publisher) return;
      publisher.up = true;
      this.#emit({ type: 'publisher-up', room, participant });
    });
    handle.on(Janode.EVENT.HANDLE_HANGUP, () => {
      if (r.publishers.get(participant) !== publisher || !publisher.up) return;
      publisher.up = false;
      this.#emit({ type: 'publisher-down', room, participant });
    });
    try {
      const reply = await handle.message(
        {
          request: 'joinandconfigure',
          ptype: 'publisher',
          room: r.janusRoom,
          id: feed,
          ...(options.display ? { display: options.display.slice(0, 64) } : {}),
        },
        { type: 'offer', sdp: offer },
      );
      return answerOf(reply);
    } catch (err) {
      this.#forgetPublisher(r, participant, publisher);
      await handle.detach().catch(() => undefined);
      throw toSfuError(err);
    }
  }

  async restartPublisher(room: string, participant: string, offer: string): Promise<string> {
    const publisher = this.#rooms.get(room)?.publishers.get(participant);
    if (!publisher) throw new SfuError('SFU_NOT_FOUND', 'Not publishing.');
    publisher.mids = midsOf(offer);
    const reply = await publisher.handle
      .message({ request: 'configure' }, { type: 'offer', sdp: offer })
      .catch((err: unknown) => {
        throw toSfuError(err);
      });
    return answerOf(reply);
  }

  isPublishing(room: string, participant: string): boolean {
    return this.#rooms.get(room)?.publishers.get(participant)?.up === true;
  }

  async unpublish(room: string, participant: string): Promise<void> {
    const r = this.#rooms.get(room);
    const publisher = r?.publishers.get(participant);
    if (!r || !publisher) return;
    const wasUp = publisher.up;
    this.#forgetPublisher(r, participant, publisher);
    await publisher.handle.detach().catch(() => undefined);
    if (wasUp) this.#emit({ type: 'publisher-down', room, participant });
  }

  #forgetPublisher(r: PoolRoom, participant: string, publisher: Publisher): void {
    if (r.publishers.get(participant) === publisher) r.publishers.delete(participant);
    r.byFeed.delete(publisher.feed);
  }

  async subscribe(room: string, participant: string, feeds: string[]): Promise<SfuSubscription> {
    const r = await this.#room(room);
    // A subscriber being attached counts as existing: two subscribes racing for one participant
    // (a join and a publisher-up, say) must share one Janus handle, or the second handle replaces
    // the first while its offer is still out and the client answers an offer nobody waits for.
    const pending = r.attaching.get(participant);
    const existing = r.subscribers.get(participant) ?? (pending ? await pending : undefined);
    if (existing) {
      existing.wanted = feeds;
      return existing.queue.run(() => this.#update(r, participant, existing));
    }
    const attaching = this.#attachSubscriber(r, room, participant, feeds);
    r.attaching.set(participant, attaching);
    let sub: Subscriber;
    try {
      sub = await attaching;
    } finally {
      r.attaching.delete(participant);
    }
    return sub.queue.run(async () => {
      const ready = sub.wanted.filter((f) => f !== participant && r.publishers.get(f)?.up);
      if (ready.length === 0) return { offer: null, feeds: [], mids: {} };
      try {
        const reply = await sub.handle.message({
          request: 'join',
          ptype: 'subscriber',
          room: r.janusRoom,
          streams: ready.map((f) => ({ feed: r.publishers.get(f)?.feed })),
        });
        sub.joined = true;
        return this.#offered(r, sub, reply);
      } catch (err) {
        if (r.subscribers.get(participant) === sub) r.subscribers.delete(participant);
        await sub.handle.detach().catch(() => undefined);
        throw toSfuError(err);
      }
    });
  }

  async #attachSubscriber(
    r: PoolRoom,
    room: string,
    participant: string,
    feeds: string[],
  ): Promise<Subscriber> {
    const handle = await r.instance.attach();
    const sub: Subscriber = {
      handle,
      feeds: [],
      joined: false,
      awaitingAnswer: false,
      wanted: feeds,
      streams: [],
      queue: new SerialQueue(),
    };
    r.subscribers.set(participant, sub);
    handle.on(Janode.EVENT.HANDLE_WEBRTCUP, () => {
      if (r.subscribers.get(participant) === sub) this.#emit({ type: 'subscriber-up', room, participant });
    });
    // Janus renegotiates by itself when a publisher it carries goes away: a new offer, unasked.
    handle.on(VideoRoomPlugin.EVENT['VIDEOROOM_UPDATED'] ?? 'videoroom_updated', (data: JanusUpdated) => {
      if (r.subscribers.get(participant) !== sub || data.jsep?.type !== 'offer') return;
      const subscription = this.#offered(r, sub, {
        plugindata: { plugin: VideoRoomPlugin.id, data: { streams: data.streams } },
        jsep: data.jsep,
      });
      this.#emit({ type: 'subscription-offer', room, participant, subscription });
    });
    return sub;
  }

  /** Apply `wanted` to an existing subscriber (runs in its queue). */
  async #update(r: PoolRoom, participant: string, sub: Subscriber): Promise<SfuSubscription> {
    if (sub.awaitingAnswer) return { offer: null, feeds: sub.feeds, mids: midsByFeed(sub) };
    const ready = sub.wanted.filter((f) => f !== participant && r.publishers.get(f)?.up);
    const add = ready.filter((f) => !sub.feeds.includes(f));
    // Feeds whose publisher is gone from Janus are dropped by Janus itself (see VIDEOROOM_UPDATED).
    const remove = sub.feeds.filter((f) => !ready.includes(f) && r.publishers.has(f));
    if (add.length === 0 && remove.length === 0)
      return { offer: null, feeds: sub.feeds, mids: midsByFeed(sub) };
    if (!sub.joined) {
      // Never joined (nobody was up at first): join now.
      const reply = await sub.handle
        .message({
          request: 'join',
          ptype: 'subscriber',
          room: r.janusRoom,
          streams: add.map((f) => ({ feed: r.publishers.get(f)?.feed })),
        })
        .catch((err: unknown) => {
          throw toSfuError(err);
        });
      sub.joined = true;
      return this.#offered(r, sub, reply);
    }
    const feedOf = (f: string): number | undefined =>
      r.publishers.get(f)?.feed ?? [...r.byFeed].find(([, p]) => p === f)?.[0];
    const unsubscribe = remove
      .map((f) => sub.streams.find((s) => s.feed === f))
      .filter((s): s is { mid: string; feed: string } => s !== undefined)
      .map((s) => ({ sub_mid: s.mid }));
    // A publisher that is gone from Janus is gone from the subscription too; only live ones need it.
    const reply = await sub.handle
      .message({
        request: 'update',
        ...(add.length > 0 ? { subscribe: add.map((f) => ({ feed: feedOf(f) })) } : {}),
        ...(unsubscribe.length > 0 ? { unsubscribe } : {}),
      })
      .catch((err: unknown) => {
        throw toSfuError(err);
      });
    return this.#offered(r, sub, reply);
  }

  #offered(r: PoolRoom, sub: Subscriber, reply: JanusReply): SfuSubscription {
    const data = reply.plugindata?.data ?? {};
    const streams = Array.isArray(data['streams']) ? (data['streams'] as Record<string, unknown>[]) : [];
    sub.streams = streams
      .filter((s) => s['active'] !== false && typeof s['feed_id'] === 'number')
      .map((s) => ({ mid: String(s['mid']), feed: r.byFeed.get(s['feed_id'] as number) ?? '' }))
      .filter((s) => s.feed !== '');
    sub.feeds = [...new Set(sub.streams.map((s) => s.feed))];
    const offer = reply.jsep?.type === 'offer' ? reply.jsep.sdp : null;
    if (offer) sub.awaitingAnswer = true;
    return { offer, feeds: sub.feeds, mids: midsByFeed(sub) };
  }

  async startSubscriber(room: string, participant: string, answer: string): Promise<void> {
    const r = this.#rooms.get(room);
    const sub = r?.subscribers.get(participant);
    if (!r || !sub) throw new SfuError('SFU_NOT_FOUND', 'No subscription to answer.');
    await sub.queue.run(async () => {
      // An answer to an offer that was replaced (or never sent) would confuse Janus's state.
      if (!sub.awaitingAnswer)
        throw new SfuError('SFU_NOT_FOUND', 'No subscription offer is waiting for an answer.');
      await sub.handle
        .message({ request: 'start' }, { type: 'answer', sdp: answer })
        .catch((err: unknown) => {
          throw toSfuError(err);
        });
      sub.awaitingAnswer = false;
    });
    // Something changed while the offer was out: the caller gets it as an event.
    const next = await sub.queue.run(() => this.#update(r, participant, sub));
    if (next.offer) this.#emit({ type: 'subscription-offer', room, participant, subscription: next });
  }

  async restartSubscriber(room: string, participant: string): Promise<string> {
    const r = this.#rooms.get(room);
    const sub = r?.subscribers.get(participant);
    if (!r || !sub) throw new SfuError('SFU_NOT_FOUND', 'No subscription.');
    return sub.queue.run(async () => {
      const reply = await sub.handle
        .message({ request: 'configure', restart: true })
        .catch((err: unknown) => {
          throw toSfuError(err);
        });
      const offer = reply.jsep?.type === 'offer' ? reply.jsep.sdp : null;
      if (!offer) throw new SfuError('SFU_FAILED', 'Janus sent no offer for the ICE restart.');
      sub.awaitingAnswer = true;
      return offer;
    });
  }

  async unsubscribe(room: string, participant: string): Promise<void> {
    const r = this.#rooms.get(room);
    const sub = r?.subscribers.get(participant);
    if (!r || !sub) return;
    r.subscribers.delete(participant);
    await sub.handle.detach().catch(() => undefined);
  }

  async trickle(
    room: string,
    participant: string,
    target: 'publisher' | 'subscriber',
    candidate: SfuCandidate | null,
  ): Promise<void> {
    const r = this.#rooms.get(room);
    const handle =
      target === 'publisher'
        ? r?.publishers.get(participant)?.handle
        : r?.subscribers.get(participant)?.handle;
    if (!handle) throw new SfuError('SFU_NOT_FOUND', `No ${target} PeerConnection to trickle to.`);
    const sent = candidate
      ? handle.trickle({
          candidate: candidate.candidate,
          ...(typeof candidate.sdpMid === 'string' ? { sdpMid: candidate.sdpMid } : {}),
          ...(typeof candidate.sdpMLineIndex === 'number' ? { sdpMLineIndex: candidate.sdpMLineIndex } : {}),
        })
      : handle.trickleComplete();
    await sent.catch((err: unknown) => {
      throw toSfuError(err);
    });
  }

  async moderate(
    room: string,
    participant: string,
    mute: { audio?: boolean; video?: boolean },
  ): Promise<void> {
    const r = this.#rooms.get(room);
    const publisher = r?.publishers.get(participant);
    if (!r || !publisher) throw new SfuError('SFU_NOT_FOUND', 'Not publishing.');
    for (const { mid, kind } of publisher.mids) {
      const muted = kind === 'audio' ? mute.audio : kind === 'video' ? mute.video : undefined;
      if (muted === undefined) continue;
      await r.instance.request({
        request: 'moderate',
        room: r.janusRoom,
        id: publisher.feed,
        mid,
        mute: muted,
      });
    }
  }

  feedOf(room: string, participant: string): number | undefined {
    return this.#rooms.get(room)?.publishers.get(participant)?.feed;
  }

  async setRecording(room: string, on: boolean, recordDir?: string): Promise<void> {
    const r = await this.#room(room);
    if (recordDir) await r.instance.request({ request: 'edit', room: r.janusRoom, new_rec_dir: recordDir });
    await r.instance.request({ request: 'enable_recording', room: r.janusRoom, record: on });
  }

  #instanceDown(instance: JanusInstance): void {
    const lost: string[] = [];
    for (const [room, r] of this.#rooms) {
      if (r.instance !== instance) continue;
      this.#rooms.delete(room);
      lost.push(room);
    }
    this.#emit({ type: 'backend-lost', instance: instance.name, rooms: lost });
    for (const room of lost) this.#emit({ type: 'room-lost', room });
  }

  #emit(event: SfuEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; the others still hear the event.
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#rooms.clear();
    await Promise.all(this.#instances.map((i) => i.close()));
    this.#listeners.clear();
  }
}

function answerOf(reply: JanusReply): string {
  if (reply.jsep?.type !== 'answer') throw new SfuError('SFU_FAILED', 'Janus sent no answer.');
  return reply.jsep.sdp;
}

/** The mids and kinds of an SDP's media sections. */
export function midsOf(sdp: string): { mid: string; kind: string }[] {
  const out: { mid: string; kind: string }[] = [];
  let kind: string | null = null;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) kind = line.slice(2).split(' ')[0] ?? null;
    else if (line.startsWith('a=mid:') && kind) out.push({ mid: line.slice(6).trim(), kind });
  }
  return out;
}

function midsByFeed(sub: Subscriber): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of sub.streams) (out[s.feed] ??= []).push(s.mid);
  return out;
}
