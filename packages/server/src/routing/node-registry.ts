import { Redis } from 'ioredis';
import type { RoomHomes } from '../rooms/room-homes.js';

/**
 * Heartbeat: record this node as alive at Redis's own clock (nodes' clocks may disagree), and list
 * the nodes whose heartbeat stopped between `forgetMs` and `deadMs` ago; older ones are dropped.
 * KEYS: nodes zset. ARGV: instance id, deadMs, forgetMs.
 */
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
return redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[3]), '(' .. (now - tonumber(ARGV[2])))
`;

/**
 * Claim a room's home lease if nobody holds it; either way return the holder.
 * KEYS: lease key. ARGV: instance id, lease ms.
 */
const CLAIM = `
local cur = redis.call('GET', KEYS[1])
if not cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return cur
`;

/**
 * Extend the leases this node holds; return the indexes (1-based) of those it no longer holds.
 * KEYS: lease keys. ARGV: instance id, lease ms.
 */
const RENEW = `
local lost = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
  else
    table.insert(lost, i)
  end
end
return lost
`;

/** Delete a lease only if this node still holds it. KEYS: lease key. ARGV: instance id. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface NodeRegistryOptions {
  redisUrl: string;
  prefix: string;
  /** This process's id in the cluster (unique per start). */
  instanceId: string;
  /** How often to heartbeat and renew room leases. */
  heartbeatMs: number;
  /** A node silent this long is dead; a room lease lapses after the same time. */
  deadAfterMs: number;
}

type Script = (...args: (string | number)[]) => Promise<unknown>;

/**
 * The cluster's membership and room homes, in Redis.
 *
 * - Every node heartbeats into a sorted set scored by Redis's clock; one silent for `deadAfterMs`
 *   is reported dead (once, to each node), so each node can clean up what it holds for it.
 * - Each room has a home lease (`home:<room>` = instance id, expiring after `deadAfterMs`), which
 *   its holder renews with every heartbeat. When a node dies its leases lapse by themselves, and
 *   the next node to need one of its rooms claims it and loads it from the store.
 */
export class NodeRegistry implements RoomHomes {
  readonly instanceId: string;
  readonly #redis: Redis;
  readonly #options: NodeRegistryOptions;
  readonly #owned = new Set<string>();
  readonly #reportedDead = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #onDead: (instanceId: string) => void = () => undefined;
  #onLost: (roomId: string) => void = () => undefined;
  #onError: (err: unknown) => void = () => undefined;

  constructor(options: NodeRegistryOptions) {
    this.#options = options;
    this.instanceId = options.instanceId;
    // Commands wait through a Redis restart (queued, retried) instead of failing at once.
    this.#redis = new Redis(options.redisUrl, {
      maxRetriesPerRequest: 3,
      connectionName: `presence:${options.instanceId}`,
    });
    this.#redis.on('error', (err) => this.#onError(err));
    this.#redis.defineCommand('presenceHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT });
    this.#redis.defineCommand('presenceClaim', { numberOfKeys: 1, lua: CLAIM });
    this.#redis.defineCommand('presenceRelease', { numberOfKeys: 1, lua: RELEASE });
    this.#redis.defineCommand('presenceRenew', { lua: RENEW });
  }

  /**
   * `dead` hears of each node that stopped heartbeating; `lost` of each room whose lease this node
   * no longer holds (it was cut off from Redis longer than a lease lasts); `error` of Redis errors.
   */
  on(handlers: {
    dead?: (instanceId: string) => void;
    lost?: (roomId: string) => void;
    error?: (err: unknown) => void;
  }): void {
    if (handlers.dead) this.#onDead = handlers.dead;
    if (handlers.lost) this.#onLost = handlers.lost;
    if (handlers.error) this.#onError = handlers.error;
  }

  async start(): Promise<void> {
    await this.#beat();
    this.#timer = setInterval(() => {
      // One beat at a time: a slow Redis must not pile them up.
      this.#beating ??= this.#beat()
        .catch((err: unknown) => this.#onError(err))
        .finally(() => (this.#beating = undefined));
    }, this.#options.heartbeatMs);
    this.#timer.unref();
  }

  #key(name: string): string {
    return `${this.#options.prefix}${name}`;
  }

  #script(name: string): Script {
    const fn = (this.#redis as unknown as Record<string, Script | undefined>)[name];
    if (!fn) throw new Error(`redis script ${name} is not defined`);
    return fn.bind(this.#redis);
  }

  async #beat(): Promise<void> {
    const dead = (await this.#script('presenceHeartbeat')(
      this.#key('nodes'),
      this.instanceId,
      this.#options.deadAfterMs,
      this.#options.deadAfterMs * 20,
    )) as string[];
    for (const id of dead) {
      if (id === this.instanceId || this.#reportedDead.has(id)) continue;
      this.#reportedDead.add(id);
      this.#onDead(id);
    }
    await this.#renew();
  }

  async #renew(): Promise<void> {
    const rooms = [...this.#owned];
    // In slices, so one script never blocks Redis for long.
    for (let i = 0; i < rooms.length; i += 500) {
      const slice = rooms.slice(i, i + 500);
      const lost = (await this.#script('presenceRenew')(
        slice.length,
        ...slice.map((r) => this.#key(`home:${r}`)),
        this.instanceId,
        this.#options.deadAfterMs,
      )) as number[];
      for (const index of lost) {
        const room = slice[index - 1];
        if (room === undefined || !this.#owned.delete(room)) continue;
        this.#onLost(room);
      }
    }
  }

  /** The instance holding the room's lease, claiming it for this node when nobody does. */
  async locate(roomId: string): Promise<string> {
    if (this.#owned.has(roomId)) return this.instanceId;
    const holder = (await this.#script('presenceClaim')(
      this.#key(`home:${roomId}`),
      this.instanceId,
      this.#options.deadAfterMs,
    )) as string;
    if (holder === this.instanceId) this.#owned.add(roomId);
    return holder;
  }

  async claim(roomId: string): Promise<boolean> {
    return (await this.locate(roomId)) === this.instanceId;
  }

  release(roomId: string): void {
    if (!this.#owned.delete(roomId)) return;
    void this.#script('presenceRelease')(this.#key(`home:${roomId}`), this.instanceId).catch((err: unknown) =>
      this.#onError(err),
    );
  }

  /** Instance ids heartbeating now (this one included). */
  async liveNodes(): Promise<string[]> {
    const t = await this.#redis.time();
    const now = Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
    return this.#redis.zrangebyscore(this.#key('nodes'), now - this.#options.deadAfterMs, '+inf');
  }

  /**
   * Leave the cluster: hand back every lease at once and stop heartbeating. The heartbeat entry
   * stays and goes stale, so the other nodes see this node gone and give its sessions their grace
   * period, exactly as after a crash.
   */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#beating;
    const leases = [...this.#owned];
    this.#owned.clear();
    try {
      for (const room of leases) {
        await this.#script('presenceRelease')(this.#key(`home:${room}`), this.instanceId);
      }
    } catch {
      // Redis is down: the leases lapse by themselves.
    }
    await this.#redis.quit().catch(() => undefined);
  }
}
