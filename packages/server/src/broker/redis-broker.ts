import { Redis } from 'ioredis';
import type { Broker, BrokerListener, BrokerMessage, RecentEntry } from './broker.js';

/**
 * Appends a sequenced entry to a room's window and publishes it, atomically (Redis runs a script
 * alone), so every node sees the same window and the same publish order per room.
 * KEYS: meta hash, window list. ARGV: epoch, seq, entry, capacity, channel, payload.
 * The window keeps { epoch, floor, last }: entries with seq in (floor, last] are present.
 */
const APPEND = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '-1')
local seq = tonumber(ARGV[2])
if epoch ~= ARGV[1] or seq ~= last + 1 then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'floor', seq - 1)
end
redis.call('RPUSH', KEYS[2], ARGV[3])
local len = redis.call('LLEN', KEYS[2])
local cap = tonumber(ARGV[4])
if len > cap then
  local evicted = redis.call('LRANGE', KEYS[2], 0, len - cap - 1)
  redis.call('LTRIM', KEYS[2], len - cap, -1)
  local top = cjson.decode(evicted[#evicted])
  redis.call('HSET', KEYS[1], 'floor', top.seq)
end
redis.call('HSET', KEYS[1], 'last', seq)
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
`;

/**
 * The Broker over Redis, for several nodes: room fan-out through pub/sub (a node subscribes only to
 * rooms it has members in), the recent window as a list per room (so recovery by position works
 * after the node that served a client is gone), and directed messages through a channel per
 * session. Messages cross Redis already serialized; the seq rides in front of the JSON.
 */
export class RedisBroker implements Broker {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #prefix: string;
  readonly #windowSize: number;
  readonly #rooms = new Map<string, Set<BrokerListener>>();
  readonly #direct = new Map<string, (json: string) => void>();
  readonly #batchMs: number;
  /** Room messages received and not yet handed to listeners (batchMs > 0), in arrival order. */
  #batch: BrokerMessage[] = [];
  #batchTimer: NodeJS.Timeout | undefined;

  /**
   * `connectionName` names the Redis connections (CLIENT LIST), e.g. after the node. `batchMs`
   * holds room messages arriving from Redis that long and hands them over together, so a node's
   * sockets get one write per batch instead of one per message (0: hand each over at once).
   */
  constructor(options: {
    url: string;
    prefix: string;
    windowSize: number;
    connectionName?: string;
    batchMs?: number;
  }) {
    this.#prefix = options.prefix;
    this.#windowSize = options.windowSize;
    this.#batchMs = options.batchMs ?? 0;
    // Commands queue while disconnected and are retried after a reconnect; subscriptions are
    // restored by ioredis itself.
    const named = options.connectionName !== undefined ? { connectionName: options.connectionName } : {};
    // Auto-pipelining: commands issued in the same tick go out in one write. A burst of room events
    // is then one system call, not one per event (measured: most of the Redis broker's CPU cost).
    this.#pub = new Redis(options.url, {
      lazyConnect: false,
      maxRetriesPerRequest: 3,
      enableAutoPipelining: true,
      ...named,
    });
    this.#sub = new Redis(options.url, { lazyConnect: false, ...named });
    this.#pub.on('error', () => undefined);
    this.#sub.on('error', () => undefined);
    this.#pub.defineCommand('presenceAppend', { numberOfKeys: 2, lua: APPEND });
    this.#sub.on('message', (channel: string, payload: string) => this.#onMessage(channel, payload));
  }

  #roomChannel(room: string): string {
    return `${this.#prefix}room:${room}`;
  }
  #directChannel(sessionId: string): string {
    return `${this.#prefix}direct:${sessionId}`;
  }
  #meta(room: string): string {
    return `${this.#prefix}win:${room}:meta`;
  }
  #list(room: string): string {
    return `${this.#prefix}win:${room}:list`;
  }

  #onMessage(channel: string, payload: string): void {
    if (channel.startsWith(`${this.#prefix}direct:`)) {
      this.#direct.get(channel.slice(this.#prefix.length + 'direct:'.length))?.(payload);
      return;
    }
    const room = channel.slice(this.#prefix.length + 'room:'.length);
    const listeners = this.#rooms.get(room);
    if (!listeners) return;
    const bar = payload.indexOf('|');
    const head = payload.slice(0, bar);
    // JSON.stringify never emits a raw newline, so one separates the lean shape from the full one.
    const nl = payload.indexOf('\n', bar + 1);
    const message: BrokerMessage = {
      room,
      seq: head === '' ? null : Number(head),
      json: nl < 0 ? payload.slice(bar + 1) : payload.slice(bar + 1, nl),
      ...(nl >= 0 && { lean: payload.slice(nl + 1) }),
    };
    if (this.#batchMs <= 0) {
      for (const listener of listeners) listener(message);
      return;
    }
    // Bounded by time, and by size: a flood is handed over early rather than held.
    this.#batch.push(message);
    if (this.#batch.length >= 1_000) this.#flushBatch();
    else this.#batchTimer ??= setTimeout(() => this.#flushBatch(), this.#batchMs);
  }

  /** Hand the held messages over, in order, all in one tick (their writes coalesce per socket). */
  #flushBatch(): void {
    if (this.#batchTimer) clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    const batch = this.#batch;
    this.#batch = [];
    for (const message of batch) {
      const listeners = this.#rooms.get(message.room);
      if (listeners) for (const listener of listeners) listener(message);
    }
  }

  async publish(message: BrokerMessage, epoch?: string): Promise<void> {
    const channel = this.#roomChannel(message.room);
    const payload = `${message.seq ?? ''}|${message.json}${message.lean === undefined ? '' : `\n${message.lean}`}`;
    if (message.seq === null || epoch === undefined) {
      await this.#pub.publish(channel, payload);
      return;
    }
    const entry = JSON.stringify({ seq: message.seq, json: message.json });
    const append = (this.#pub as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
      'presenceAppend'
    ];
    await append!.call(
      this.#pub,
      this.#meta(message.room),
      this.#list(message.room),
      epoch,
      message.seq,
      entry,
      this.#windowSize,
      channel,
      payload,
    );
  }

  subscribe(room: string, listener: BrokerListener): () => void {
    let set = this.#rooms.get(room);
    if (!set) {
      set = new Set();
      this.#rooms.set(room, set);
      void this.#sub.subscribe(this.#roomChannel(room)).catch(() => undefined);
    }
    set.add(listener);
    return () => {
      const current = this.#rooms.get(room);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.#rooms.delete(room);
        void this.#sub.unsubscribe(this.#roomChannel(room)).catch(() => undefined);
      }
    };
  }

  async resetWindow(room: string, epoch: string, lastSeq: number): Promise<void> {
    const meta = await this.#pub.hgetall(this.#meta(room));
    if (meta['epoch'] === epoch && Number(meta['last']) === lastSeq) return;
    await this.#pub
      .multi()
      .del(this.#list(room))
      .hset(this.#meta(room), 'epoch', epoch, 'floor', lastSeq, 'last', lastSeq)
      .exec();
  }

  async since(room: string, epoch: string, after: number): Promise<RecentEntry[] | null> {
    const [metaResult, listResult] = (await this.#pub
      .multi()
      .hgetall(this.#meta(room))
      .lrange(this.#list(room), 0, -1)
      .exec()) ?? [
      [null, {}],
      [null, []],
    ];
    const meta = (metaResult?.[1] ?? {}) as Record<string, string>;
    if (meta['epoch'] !== epoch) return null;
    const last = Number(meta['last']);
    const floor = Number(meta['floor']);
    if (after >= last) return after === last ? [] : null;
    if (after < floor) return null;
    const entries = ((listResult?.[1] ?? []) as string[]).map((e) => JSON.parse(e) as RecentEntry);
    return entries.filter((e) => e.seq > after);
  }

  async latest(room: string, count: number): Promise<RecentEntry[]> {
    const start = Number.isFinite(count) && count < Number.MAX_SAFE_INTEGER ? -count : 0;
    const list = await this.#pub.lrange(this.#list(room), start, -1);
    return list.map((e) => JSON.parse(e) as RecentEntry);
  }

  async dropRoom(room: string): Promise<void> {
    await this.#pub.del(this.#meta(room), this.#list(room));
  }

  async sendDirect(address: string, json: string): Promise<number> {
    return this.#pub.publish(this.#directChannel(address), json);
  }

  subscribeDirect(sessionId: string, listener: (json: string) => void): () => void {
    this.#direct.set(sessionId, listener);
    void this.#sub.subscribe(this.#directChannel(sessionId)).catch(() => undefined);
    return () => {
      if (this.#direct.get(sessionId) !== listener) return;
      this.#direct.delete(sessionId);
      void this.#sub.unsubscribe(this.#directChannel(sessionId)).catch(() => undefined);
    };
  }

  healthy(): boolean {
    return this.#pub.status === 'ready' && this.#sub.status === 'ready';
  }

  async close(): Promise<void> {
    if (this.#batchTimer) clearTimeout(this.#batchTimer);
    this.#batch = [];
    this.#rooms.clear();
    this.#direct.clear();
    await Promise.allSettled([this.#pub.quit(), this.#sub.quit()]);
  }
}
