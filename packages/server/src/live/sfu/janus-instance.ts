import { EventEmitter } from 'node:events';
import Janode, { type JanodeConnection, type JanodeHandle, type JanodeSession } from 'janode';
import VideoRoomPlugin from 'janode/plugins/videoroom';
import { SfuError } from './sfu-backend.js';

// janode logs every connection attempt at info level to stdout; the pool logs what matters.
Janode.Logger.setLevel('none');

/** Well under Janus's default 60 s session_timeout. */
const KEEPALIVE_SECONDS = 25;

export interface JanusInstanceOptions {
  url: string;
  apiSecret?: string | undefined;
  /** Pause between reconnection attempts after the connection dropped. */
  reconnectMs?: number | undefined;
}

interface InstanceEvents {
  up: [];
  down: [];
}

/**
 * One Janus server: a janode connection, one session on it (janode sends its keepalives) and a
 * control handle for room management. When the connection drops it emits `down` (Janus lost
 * every session, handle and API-created room with it) and keeps trying to reconnect; `up` means a
 * fresh session on a (possibly restarted) Janus.
 */
export class JanusInstance extends EventEmitter<InstanceEvents> {
  readonly name: string;
  readonly #options: JanusInstanceOptions;
  #connection: JanodeConnection | null = null;
  #session: JanodeSession | null = null;
  #control: JanodeHandle | null = null;
  #closed = false;
  #connecting: Promise<void> | null = null;
  #retry: NodeJS.Timeout | null = null;
  /** Bumped on every (re)connection so events of an old connection are ignored. */
  #generation = 0;

  constructor(options: JanusInstanceOptions) {
    super();
    this.#options = options;
    this.name = redact(options.url);
  }

  get up(): boolean {
    return this.#session !== null && this.#control !== null;
  }

  /** Connect once; resolves when up, rejects when this attempt failed (retries continue). */
  start(): Promise<void> {
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const generation = ++this.#generation;
    try {
      const connection = await Janode.connect({
        address: [
          {
            url: this.#options.url,
            ...(this.#options.apiSecret ? { apisecret: this.#options.apiSecret } : {}),
          },
        ],
        retry_time_secs: 1,
        max_retries: 1,
      });
      const lost = (): void => this.#lost(generation);
      connection.once(Janode.EVENT.CONNECTION_CLOSED, lost);
      connection.once(Janode.EVENT.CONNECTION_ERROR, lost);
      if (this.#closed) {
        await connection.close().catch(() => undefined);
        return;
      }
      this.#connection = connection;
      const session = await connection.create(KEEPALIVE_SECONDS);
      session.once(Janode.EVENT.SESSION_DESTROYED, lost);
      this.#session = session;
      this.#control = await session.attach(VideoRoomPlugin);
      this.emit('up');
    } catch (err) {
      this.#lost(generation);
      throw new SfuError(
        'SFU_UNAVAILABLE',
        `Janus at ${this.name} is not reachable: ${(err as Error).message}`,
      );
    }
  }

  #lost(generation: number): void {
    if (generation !== this.#generation) return;
    this.#generation++;
    const wasUp = this.up;
    const connection = this.#connection;
    this.#connection = null;
    this.#session = null;
    this.#control = null;
    connection?.close().catch(() => undefined);
    if (wasUp) this.emit('down');
    if (this.#closed || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (!this.#closed) this.start().catch(() => undefined);
    }, this.#options.reconnectMs ?? 500);
    this.#retry.unref();
  }

  /** A new VideoRoom handle on this instance's session. */
  async attach(): Promise<JanodeHandle> {
    const session = this.#session;
    if (!session) throw new SfuError('SFU_UNAVAILABLE', `Janus at ${this.name} is down.`);
    return session.attach(VideoRoomPlugin);
  }

  /** A synchronous VideoRoom request (create, destroy, moderate, …) on the control handle. */
  async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const control = this.#control;
    if (!control) throw new SfuError('SFU_UNAVAILABLE', `Janus at ${this.name} is down.`);
    const reply = await control.message(body).catch((err: unknown) => {
      throw toSfuError(err);
    });
    return reply.plugindata?.data ?? {};
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    this.#generation++;
    const connection = this.#connection;
    const session = this.#session;
    this.#connection = null;
    this.#session = null;
    this.#control = null;
    await session?.destroy().catch(() => undefined);
    await connection?.close().catch(() => undefined);
  }
}

/** A janode/Janus failure as an SfuError (plugin errors carry Janus's numeric code in `_code`). */
export function toSfuError(err: unknown): SfuError {
  if (err instanceof SfuError) return err;
  const e = err as Error & { _code?: number };
  const code = typeof e._code === 'number' ? e._code : undefined;
  return new SfuError(
    code === 426 || code === 428 ? 'SFU_NOT_FOUND' : 'SFU_FAILED',
    e.message ?? String(err),
    code,
  );
}

/** The URL without user:password, for logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return 'janus';
  }
}
