import type {
  ErrorCode,
  ParamsOf,
  RequestOf,
  ResultOf,
  RoomEvent,
  RoomPosition,
  Welcome,
} from '@presence/protocol';
import type { ClientEventMap, ClientEventType, ConnectionState, RecoveryInfo } from './client-events.js';
import { TypedEmitter, type Listener } from './emitter.js';
import { PresenceClientError, PresenceRequestError } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import { randomNonce } from './nonce.js';
import { PendingRequests, type PendingRequest } from './pending.js';
import { PendingSends, type PendingSend } from './pending-sends.js';
import { RoomMembers } from './room-members.js';
import { PositionTracker } from './positions.js';
import { SendBudget } from './send-budget.js';
import { reconnectDelay, type Timer } from './timers.js';
import type { ClientTransport, TransportFactory } from './transport.js';
import {
  FATAL_ERRORS,
  HISTORY_PAGE,
  LIFECYCLE_EVENTS,
  LOW_PRIORITY,
  PROTOCOL_VERSION,
  REPEATABLE,
  RESUME_ROOMS_MAX,
  RETRYABLE_HELLO_ERRORS,
  isRecord,
  isRoomEvent,
  type ClientRequestType,
} from './wire.js';

export type { ClientRequestType };

/**
 * Options for {@link PresenceClient}.
 *
 * @example
 * const options: PresenceClientOptions = { transport: webSocketTransport('/ws'), name: 'Ada', requestTimeoutMs: 10_000 };
 */
export interface PresenceClientOptions {
  /** Creates one transport per connection attempt, e.g. `webSocketTransport(url)`. */
  transport: TransportFactory;
  /** Display name for a guest session. */
  name?: string;
  /** Sent as `hello.client` (≤ 64 characters). Default `@presence/client`. */
  clientName?: string;
  /** A token from an earlier welcome, to resume that session or user. */
  token?: string;
  /** Backoff between reconnection attempts (default 250 ms to 10 s), or `false` to never reconnect. */
  reconnect?: { minDelayMs?: number; maxDelayMs?: number } | false;
  /** How long a request (or a connection attempt) may take before it fails with TIMEOUT. Default 20 s. */
  requestTimeoutMs?: number;
  /** How many requests may wait for replies at once (including queued ones). Default 1000. */
  maxPendingRequests?: number;
  /**
   * The client's own dead-link detection: after `idleMs` without hearing from the server it sends a
   * `ping` and drops the connection (and reconnects) if nothing comes back within `timeoutMs`.
   * Default 1000 ms and 1500 ms, so a dead link shows as `reconnecting` within ~2.5 s; the server's
   * (longer) `welcome.heartbeat` values apply when they are shorter. `false` uses the server's.
   */
  heartbeat?: { idleMs?: number; timeoutMs?: number } | false;
}

/** Budget assumed when a welcome does not announce one (older servers): the server's defaults. */
const DEFAULT_BUDGET = { ratePerSecond: 20, burst: 60 };

interface Handshake {
  readonly id: number;
  resolve(welcome: Welcome): void;
  reject(error: Error): void;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeClose(info: { code?: number; reason?: string }): string {
  if (info.code === undefined) return info.reason || 'connection closed';
  return info.reason ? `code ${info.code}: ${info.reason}` : `code ${info.code}`;
}

/**
 * A connection to a Presence server: typed requests, exactly-once in-order room events, automatic
 * reconnection with session resume and event recovery.
 *
 * @example
 * const client = new PresenceClient({ transport: webSocketTransport('wss://chat.example.org/ws'), name: 'Ada' });
 * client.on('message', (m) => console.log(`${m.from.name}: ${m.text}`));
 * await client.connect();
 * const { room } = await client.request('room.join', { room: 'lobby' });
 * await client.sendChat(room.id, 'hello!');
 */
export class PresenceClient {
  /**
   * The session token from the latest welcome (or the one given in the options).
   *
   * @example
   * localStorage.setItem('presence-token', client.token ?? '');
   */
  token: string | undefined;
  /**
   * Your user id, from the latest welcome.
   *
   * @example
   * const mine = message.from.id === client.userId;
   */
  userId: string | undefined;
  /**
   * The current session id, from the latest welcome.
   *
   * @example
   * console.debug('session', client.sessionId);
   */
  sessionId: string | undefined;
  /**
   * The latest welcome; its `rooms` tell what was recovered on the last (re)connection.
   *
   * @example
   * const lost = client.welcome?.rooms.filter((r) => !r.recovered) ?? [];
   */
  welcome: Welcome | undefined;

  private readonly factory: TransportFactory;
  private readonly name: string | undefined;
  private readonly clientName: string;
  private readonly backoff: { minDelayMs: number; maxDelayMs: number } | false;
  private readonly timeoutMs: number;
  private readonly emitter = new TypedEmitter<ClientEventMap>();
  private readonly pending: PendingRequests;
  private readonly tracker: PositionTracker;
  private readonly members = new RoomMembers();
  private current: ConnectionState = 'idle';
  private transport: ClientTransport | null = null;
  private handshake: Handshake | null = null;
  private heartbeat: Heartbeat | null = null;
  private connecting: Promise<Welcome> | null = null;
  /** Ends the sleep between reconnection attempts early (on close). */
  private wake: (() => void) | null = null;
  private closedByUser = false;
  private nextId = 1;
  /** The server's rate budget for the current connection: frames wait here rather than be refused. */
  private readonly budget = new SendBudget();
  private pumpTimer: Timer | undefined;
  /** Frames that are not requests (pong), sent before any request. */
  private readonly control: object[] = [];
  /** Rooms where the server has this user typing: a `chat.send` there ends it (server-side). */
  private readonly typingOn = new Set<string>();
  private readonly sends = new PendingSends();
  private readonly heartbeatOptions: { idleMs: number; timeoutMs: number } | false;
  private unwatchNetwork: (() => void) | undefined;

  /**
   * @example
   * const client = new PresenceClient({
   *   transport: webSocketTransport('ws://localhost:7880/ws'),
   *   name: 'Ada',
   *   token: localStorage.getItem('presence-token') ?? undefined,
   *   reconnect: { minDelayMs: 500, maxDelayMs: 30_000 },
   * });
   */
  constructor(options: PresenceClientOptions) {
    this.factory = options.transport;
    this.name = options.name;
    this.clientName = options.clientName ?? '@presence/client';
    this.token = options.token;
    this.backoff =
      options.reconnect === false
        ? false
        : {
            minDelayMs: options.reconnect?.minDelayMs ?? 250,
            maxDelayMs: options.reconnect?.maxDelayMs ?? 10_000,
          };
    this.timeoutMs = options.requestTimeoutMs ?? 20_000;
    this.heartbeatOptions =
      options.heartbeat === false
        ? false
        : { idleMs: options.heartbeat?.idleMs ?? 1000, timeoutMs: options.heartbeat?.timeoutMs ?? 1500 };
    this.pending = new PendingRequests(options.maxPendingRequests ?? 1000);
    this.tracker = new PositionTracker({
      emit: (event) => this.emitRoomEvent(event),
      resync: (room) => {
        if (this.current !== 'closed') this.emitter.emit('resync', { room });
      },
      fetchHistory: (room, after) =>
        this.send('room.history', { room, after, limit: HISTORY_PAGE }, this.timeoutMs) as Promise<
          ResultOf<'room.history'>
        >,
    });
  }

  /**
   * In a browser, the network going away is known at once (`offline`): drop the connection then
   * rather than wait for the heartbeat, and try again as soon as it is back (`online`).
   */
  private watchNetwork(): void {
    const scope = globalThis as {
      addEventListener?: (type: string, listener: () => void) => void;
      removeEventListener?: (type: string, listener: () => void) => void;
      navigator?: { onLine?: unknown };
    };
    if (typeof scope.addEventListener !== 'function' || typeof scope.navigator?.onLine !== 'boolean') return;
    const offline = (): void => {
      if (this.current === 'connected' && this.transport) this.lost('the network is offline');
    };
    const online = (): void => this.wake?.();
    scope.addEventListener('offline', offline);
    scope.addEventListener('online', online);
    this.unwatchNetwork = () => {
      scope.removeEventListener?.('offline', offline);
      scope.removeEventListener?.('online', online);
    };
  }

  /**
   * The connection state.
   *
   * @example
   * if (client.state === 'reconnecting') showBanner('Reconnecting…');
   */
  get state(): ConnectionState {
    return this.current;
  }

  /**
   * Connect and say hello (with the token and the room positions this client tracks, if any).
   * Resolves with the welcome. If this first attempt fails the promise rejects and the client is
   * `closed`; calling `connect()` again retries. While reconnecting, resolves with the next welcome.
   *
   * @example
   * const welcome = await client.connect();
   * localStorage.setItem('presence-token', welcome.token);
   */
  connect(): Promise<Welcome> {
    if (this.closedByUser) {
      return Promise.reject(new PresenceClientError('CLOSED', 'The client was closed; create a new one.'));
    }
    if (this.connecting) return this.connecting;
    if (this.current === 'connected' && this.welcome) return Promise.resolve(this.welcome);
    if (this.current === 'reconnecting') return this.nextWelcome();
    this.setState('connecting');
    if (!this.unwatchNetwork) this.watchNetwork();
    const attempt = this.attempt().then(
      (welcome) => {
        this.connecting = null;
        return welcome;
      },
      (error: unknown) => {
        this.connecting = null;
        this.shutdown(
          new PresenceClientError('CLOSED', `The connection failed: ${describe(error)}`, { cause: error }),
        );
        throw error;
      },
    );
    this.connecting = attempt;
    return attempt;
  }

  /**
   * Send a request and wait for its result. Requests made while reconnecting wait for the new
   * connection (up to `requestTimeoutMs`). Rejects with {@link PresenceRequestError} when the server
   * answers `error`, and with {@link PresenceClientError} on timeout, close, or a dropped connection
   * when the request is not safe to repeat.
   *
   * @example
   * const { events, more } = await client.request('room.history', { room: 'lobby', before: 120, limit: 50 });
   */
  request<T extends ClientRequestType>(type: T, params: ParamsOf<T>): Promise<ResultOf<T>> {
    return this.send(type, params as Record<string, unknown>, this.timeoutMs) as Promise<ResultOf<T>>;
  }

  /**
   * Post a message. The nonce (random unless given) makes the send idempotent: if the connection
   * drops before the acknowledgement, the client sends it again with the same nonce after
   * reconnecting, and the server stores it once (`duplicate: true` on the repeat). A chat send never
   * times out (`requestTimeoutMs` does not apply): waiting for a connection, for the rate budget or
   * for its reply, it is pending (see
   * {@link PresenceClient.pendingSends}, events `send.pending`, `send.settled`, `send.failed`) until
   * the server stores or refuses it, or the client is closed.
   *
   * @example
   * const { seq } = await client.sendChat('lobby', 'hello **world**');
   */
  sendChat(
    room: string,
    text: string,
    options: { nonce?: string; replyTo?: number; mentions?: string[]; file?: string } = {},
  ): Promise<ResultOf<'chat.send'>> {
    const { nonce, ...extras } = options;
    return this.request('chat.send', { room, text, nonce: nonce ?? randomNonce(), ...extras });
  }

  /**
   * Add (`on`, the default) or take back a reaction to the message at `seq`.
   *
   * @example
   * await client.react('lobby', 12, '👍');
   * await client.react('lobby', 12, '👍', false);
   */
  react(room: string, seq: number, emoji: string, on = true): Promise<ResultOf<'chat.react'>> {
    return this.request('chat.react', { room, seq, emoji, on });
  }

  /**
   * Full-text search of your named rooms (or one of them), newest first; pass `next` as `offset`
   * for the next page.
   *
   * @example
   * const { messages, next } = await client.search('pineapple', { room: 'lobby' });
   */
  search(
    query: string,
    options: { room?: string; offset?: number; limit?: number } = {},
  ): Promise<ResultOf<'chat.search'>> {
    return this.request('chat.search', { query, ...options });
  }

  /**
   * Chat messages handed to this client (by `sendChat` or `request('chat.send')`) that the server
   * has not acknowledged yet, oldest first: queued, in flight, or waiting for a reconnection. They
   * survive disconnects and are sent again, with their nonce, when the connection is back. Use it
   * to (re)draw pending messages, e.g. after the app rebuilt a room's view.
   *
   * @example
   * client.on('send.pending', (p) => timeline.addPending(p.room, p.nonce, p.text));
   * client.on('send.settled', (s) => timeline.confirm(s.room, s.nonce, s.result.seq));
   * client.on('send.failed', (f) => timeline.markFailed(f.room, f.nonce, f.error.message));
   * for (const p of client.pendingSends('lobby')) timeline.addPending(p.room, p.nonce, p.text);
   */
  pendingSends(room?: string): PendingSend[] {
    return this.sends.list(room);
  }

  /**
   * Listen to an event; returns a function that removes the listener.
   *
   * @example
   * const stop = client.on('message', (m) => render(m));
   * client.on('resync', ({ room }) => void client.request('room.join', { room }).then(reloadRoom));
   * client.on('state', (state) => setStatus(state));
   * stop();
   */
  on<K extends ClientEventType>(type: K, listener: Listener<ClientEventMap[K]>): () => void {
    return this.emitter.on(type, listener);
  }

  /**
   * Remove a listener added with {@link PresenceClient.on}.
   *
   * @example
   * const onTyping = (t: TypingEvent) => showTyping(t);
   * client.on('typing', onTyping);
   * client.off('typing', onTyping);
   */
  off<K extends ClientEventType>(type: K, listener: Listener<ClientEventMap[K]>): void {
    this.emitter.off(type, listener);
  }

  /**
   * The {epoch, seq} this client has delivered up to in each tracked room (joined or created
   * through it), as sent in `hello.rooms` on reconnection.
   *
   * @example
   * sessionStorage.setItem('positions', JSON.stringify(client.positions()));
   */
  positions(): RoomPosition[] {
    return this.tracker.positions();
  }

  /**
   * Close for good: rejects every pending request with CLOSED, stops all timers and the
   * connection. Idempotent.
   *
   * @example
   * window.addEventListener('pagehide', () => client.close());
   */
  close(): void {
    if (this.closedByUser) return;
    this.closedByUser = true;
    this.unwatchNetwork?.();
    this.shutdown(new PresenceClientError('CLOSED', 'The client was closed.'));
  }

  private setState(state: ConnectionState): void {
    if (this.current === state) return;
    this.current = state;
    this.emitter.emit('state', state);
  }

  private nextWelcome(): Promise<Welcome> {
    return new Promise((resolve, reject) => {
      const stopWelcome = this.on('welcome', (welcome) => {
        stopWelcome();
        stopState();
        resolve(welcome);
      });
      const stopState = this.on('state', (state) => {
        if (state !== 'closed') return;
        stopWelcome();
        stopState();
        reject(new PresenceClientError('CLOSED', 'The client closed before it reconnected.'));
      });
    });
  }

  /** Open a new transport and say hello; resolves once the welcome has been applied. */
  private attempt(): Promise<Welcome> {
    let transport: ClientTransport;
    try {
      transport = this.factory();
    } catch (error) {
      return Promise.reject(
        new PresenceClientError('CONNECT_FAILED', `Could not create a transport: ${describe(error)}`, {
          cause: error,
        }),
      );
    }
    this.transport = transport;
    // Callbacks from a transport the client has already given up on are ignored.
    transport.onmessage = (text) => {
      if (this.transport === transport) this.receive(text);
    };
    transport.onclose = (info) => {
      if (this.transport === transport) this.lost(describeClose(info));
    };
    return new Promise<Welcome>((resolve, reject) => {
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.abortHandshake(
          new PresenceClientError('TIMEOUT', `No welcome within ${this.timeoutMs} ms of connecting.`),
        );
      }, this.timeoutMs);
      this.handshake = {
        id,
        resolve: (welcome) => {
          clearTimeout(timer);
          resolve(welcome);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      transport.open().then(
        () => {
          if (this.handshake?.id === id) this.sendFrame(this.hello(id));
        },
        (error: unknown) => {
          if (this.handshake?.id !== id) return;
          this.abortHandshake(
            new PresenceClientError('CONNECT_FAILED', `Could not connect: ${describe(error)}`, {
              cause: error,
            }),
          );
        },
      );
    });
  }

  private hello(id: number): RequestOf<'hello'> {
    const rooms = this.tracker.positions().slice(0, RESUME_ROOMS_MAX);
    return {
      type: 'hello',
      id,
      v: PROTOCOL_VERSION,
      client: this.clientName,
      ...(this.name !== undefined && { name: this.name }),
      ...(this.token !== undefined && { token: this.token }),
      ...(rooms.length > 0 && { rooms }),
    };
  }

  private abortHandshake(error: Error): void {
    const handshake = this.handshake;
    if (!handshake) return;
    this.handshake = null;
    this.dropTransport();
    handshake.reject(error);
  }

  /** Forget the current transport (and its heartbeat) and close it. */
  private dropTransport(): void {
    this.heartbeat?.stop();
    this.heartbeat = null;
    if (this.pumpTimer !== undefined) clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    this.control.length = 0;
    const transport = this.transport;
    this.transport = null;
    if (!transport) return;
    transport.onmessage = undefined;
    transport.onclose = undefined;
    try {
      transport.close();
    } catch {
      // Already broken; nothing more to release.
    }
  }

  /** The connection ended without `close()`: reconnect unless that is off. */
  private lost(reason: string): void {
    if (this.handshake) {
      this.abortHandshake(
        new PresenceClientError('DISCONNECTED', `The connection closed before the welcome (${reason}).`),
      );
      return;
    }
    this.dropTransport();
    if (this.current !== 'connected') return;
    this.pending.disconnected();
    if (this.backoff === false) {
      this.shutdown(
        new PresenceClientError('CLOSED', `The connection closed (${reason}) and reconnection is off.`),
      );
      return;
    }
    this.setState('reconnecting');
    void this.reconnectLoop(this.backoff);
  }

  private async reconnectLoop(backoff: { minDelayMs: number; maxDelayMs: number }): Promise<void> {
    for (let attempt = 0; this.current === 'reconnecting'; attempt++) {
      await this.sleep(reconnectDelay(attempt, backoff.minDelayMs, backoff.maxDelayMs));
      if (this.current !== 'reconnecting') return;
      try {
        await this.attempt();
        return;
      } catch (error) {
        if (this.current !== 'reconnecting') return;
        if (error instanceof PresenceRequestError && !RETRYABLE_HELLO_ERRORS.has(error.code)) {
          // The server refuses this hello (e.g. UNSUPPORTED_VERSION): retrying would loop forever.
          this.emitter.emit('error', { code: error.code, message: error.message });
          this.shutdown(
            new PresenceClientError('CLOSED', `The server refused to reconnect: ${error.message}`, {
              cause: error,
            }),
          );
          return;
        }
      }
    }
  }

  /** Wait between attempts. The timer stays ref'd: a Node app waiting to reconnect should stay up. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private shutdown(reason: PresenceClientError): void {
    this.wake?.();
    const handshake = this.handshake;
    this.handshake = null;
    this.dropTransport();
    handshake?.reject(reason);
    this.pending.rejectAll(reason);
    this.setState('closed');
  }

  private sendFrame(frame: object): boolean {
    const transport = this.transport;
    if (!transport) return false;
    try {
      transport.send(JSON.stringify(frame));
      return true;
    } catch (error) {
      // Deferred so a failure inside a loop over pending requests does not re-enter it.
      queueMicrotask(() => {
        if (this.transport === transport) this.lost(`send failed: ${describe(error)}`);
      });
      return false;
    }
  }

  private send(
    type: ClientRequestType,
    params: Record<string, unknown>,
    timeoutMs: number,
    repeatable = REPEATABLE.has(type),
  ): Promise<unknown> {
    if (this.closedByUser || this.current === 'closed') {
      return Promise.reject(new PresenceClientError('CLOSED', 'The client is closed.'));
    }
    if (this.current === 'idle') {
      return Promise.reject(
        new PresenceClientError('NOT_CONNECTED', 'Call connect() before sending requests.'),
      );
    }
    const id = this.nextId++;
    // chat.send always carries a nonce, so sending it again after a reconnect cannot post it twice.
    let fields =
      type === 'chat.send' && params['nonce'] === undefined ? { ...params, nonce: randomNonce() } : params;
    const merged: PendingRequest[] = [];
    if (type === 'room.read') {
      // Read markers only move forward: one queued marker per room, at the highest seq asked.
      for (const old of this.takeQueued('room.read', fields['room'])) {
        merged.push(old);
        const seq = Math.max(Number(old.frame['seq']), Number(fields['seq']));
        fields = { ...fields, seq };
      }
    } else if (type === 'chat.typing') {
      // Only the latest typing state of a room matters; a stop the server already implied is not sent.
      for (const old of this.takeQueued('chat.typing', fields['room'])) old.resolve({});
      if (fields['typing'] === false && !this.typingOn.has(String(fields['room'])))
        return Promise.resolve({});
    } else if (type === 'chat.send') {
      // The send ends the typing on the server: a start still waiting to go out is moot.
      for (const old of this.takeQueued('chat.typing', fields['room'])) old.resolve({});
    }
    const promise = this.pending.add(
      {
        id,
        type,
        frame: { ...fields, type, id },
        resend: repeatable,
        patient: type === 'chat.send',
        onResult: this.resultHook(type, params),
      },
      timeoutMs,
    );
    for (const old of merged) promise.then(old.resolve, old.reject);
    if (type === 'chat.send') this.trackSend(fields, promise);
    this.pump();
    return promise;
  }

  /** Queued (unsent) requests of `type` for `room`, taken out of the table. */
  private takeQueued(type: string, room: unknown): PendingRequest[] {
    const found = this.pending.all().filter((r) => !r.sent && r.type === type && r.frame['room'] === room);
    for (const r of found) this.pending.take(r.id);
    return found;
  }

  private trackSend(fields: Record<string, unknown>, promise: Promise<unknown>): void {
    const send: PendingSend = {
      room: String(fields['room']),
      nonce: String(fields['nonce']),
      text: String(fields['text']),
      createdAt: Date.now(),
    };
    this.sends.add(send);
    this.emitter.emit('send.pending', { ...send });
    promise.then(
      (result) => {
        this.sends.take(send.nonce);
        this.emitter.emit('send.settled', { ...send, result: result as ResultOf<'chat.send'> });
      },
      (error: unknown) => {
        this.sends.take(send.nonce);
        const failure =
          error instanceof PresenceRequestError || error instanceof PresenceClientError
            ? error
            : new PresenceClientError('CLOSED', describe(error));
        this.emitter.emit('send.failed', { ...send, error: failure });
      },
    );
  }

  /**
   * Send what waits, as fast as the server's budget allows and no faster: control frames first,
   * then requests in order, typing and read markers last (they are coalesced while they wait).
   */
  private pump(): void {
    if (this.pumpTimer !== undefined) return;
    while (this.current === 'connected' && this.transport) {
      const request = this.control.length > 0 ? undefined : this.nextRequest();
      if (this.control.length === 0 && !request) return;
      if (!this.budget.take()) {
        this.pumpTimer = setTimeout(() => {
          this.pumpTimer = undefined;
          this.pump();
        }, this.budget.waitMs());
        return;
      }
      if (!request) {
        const frame = this.control.shift();
        if (frame && !this.sendFrame(frame)) return;
      } else if (!this.transmit(request)) return;
    }
  }

  /** The next request to send: a heartbeat ping first, then the oldest, low-priority ones last. */
  private nextRequest(): PendingRequest | undefined {
    let first: PendingRequest | undefined;
    let low: PendingRequest | undefined;
    for (const r of this.pending.all()) {
      if (r.sent) continue;
      if (r.type === 'ping') return r;
      if (LOW_PRIORITY.has(r.type)) low ??= r;
      else first ??= r;
    }
    return first ?? low;
  }

  private transmit(request: PendingRequest): boolean {
    if (!this.sendFrame(request.frame)) return false;
    this.pending.markSent(request.id);
    const room = String(request.frame['room']);
    if (request.type === 'chat.send') this.typingOn.delete(room);
    else if (request.type === 'chat.typing') {
      if (request.frame['typing'] === true) this.typingOn.add(room);
      else this.typingOn.delete(room);
    }
    return true;
  }

  /** Results that move room positions: a (re)join starts from its snapshot; a leave forgets. */
  private resultHook(type: string, params: Record<string, unknown>): ((result: unknown) => void) | undefined {
    if (type === 'room.join' || type === 'room.create') {
      return (result) => {
        const room = isRecord(result) ? result['room'] : undefined;
        if (!isRecord(room)) return;
        const { id, epoch, seq } = room;
        if (typeof id === 'string' && typeof epoch === 'string' && typeof seq === 'number') {
          this.members.snapshot(id, epoch, (result as Record<string, unknown>)['members']);
          this.tracker.set(id, epoch, seq);
        }
      };
    }
    const room = params['room'];
    if (type === 'room.leave' && typeof room === 'string') {
      return () => {
        this.members.forget(room);
        this.tracker.forget(room);
      };
    }
    return undefined;
  }

  private receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      // A garbled frame cannot be attributed to a request; that request will time out.
      return;
    }
    if (!isRecord(message) || typeof message['type'] !== 'string') return;
    this.heartbeat?.heard();
    const type = message['type'];
    switch (type) {
      case 'welcome':
        this.onWelcome(message as unknown as Welcome);
        return;
      case 'ok': {
        const request = this.pending.take(message['id']);
        request?.onResult?.(message['result']);
        request?.resolve(message['result']);
        return;
      }
      case 'error':
        this.onError(message);
        return;
      case 'ping':
        // One pong answers any number of pings still waiting.
        if (this.control.length === 0) this.control.push({ type: 'pong' });
        this.pump();
        return;
      default:
        // v2: a lean message gets its sender, epoch and html back before anything else sees it.
        if (type === 'message') message = this.members.hydrate(message, (r) => this.tracker.get(r)?.epoch);
        else this.members.handle(message);
        if (isRecord(message) && isRoomEvent(message)) this.tracker.handle(message);
        else if (!LIFECYCLE_EVENTS.has(type)) {
          // typing, member.presence and event types newer than this client: passed on as they are.
          (this.emitter.emit as (type: string, payload: unknown) => void).call(this.emitter, type, message);
        }
    }
  }

  private onWelcome(welcome: Welcome): void {
    const handshake = this.handshake;
    if (!handshake || welcome.id !== handshake.id) return;
    this.handshake = null;
    this.welcome = welcome;
    this.members.welcome(welcome);
    this.token = welcome.token;
    this.userId = welcome.userId;
    this.sessionId = welcome.sessionId;
    const previous = this.current;
    this.current = 'connected';
    const transport = this.transport;
    const { intervalMs, timeoutMs } = this.heartbeatTimes(welcome);
    if (intervalMs > 0 && timeoutMs > 0) {
      this.heartbeat = new Heartbeat({
        intervalMs,
        timeoutMs,
        probe: (ms) =>
          this.send('ping', {}, ms, false).then(
            () => true,
            (error: unknown) => !(error instanceof PresenceClientError && error.code === 'TIMEOUT'),
          ),
        dead: () => {
          if (this.transport === transport) this.lost('no reply to ping');
        },
      });
    }
    // Queued and unacknowledged requests go first, in the order they were made, so nothing a
    // listener sends in reaction to the events below can overtake them.
    const budget = this.budgetOf(welcome);
    this.budget.reset(budget.ratePerSecond, budget.burst);
    this.pump();
    // Decide recovery before returning: replayed events follow the welcome immediately.
    const recoveries = this.recover(welcome);
    if (previous !== 'connected') this.emitter.emit('state', 'connected');
    this.emitter.emit('welcome', welcome);
    for (const info of recoveries) {
      this.emitter.emit('recovered', info);
      if (!info.recovered) this.emitter.emit('resync', { room: info.room });
    }
    handshake.resolve(welcome);
  }

  private heartbeatTimes(welcome: Welcome): { intervalMs: number; timeoutMs: number } {
    const server = welcome.heartbeat;
    const own = this.heartbeatOptions;
    if (own === false) return server;
    const pick = (mine: number, theirs: number) => (theirs > 0 ? Math.min(mine, theirs) : mine);
    return {
      intervalMs: pick(own.idleMs, server.intervalMs),
      timeoutMs: pick(own.timeoutMs, server.timeoutMs),
    };
  }

  private budgetOf(welcome: Welcome): { ratePerSecond: number; burst: number } {
    // Older servers do not announce it: their defaults.
    const limits = welcome.limits as Partial<Welcome['limits']>;
    const rate = limits.ratePerSecond;
    const burst = limits.burst;
    return typeof rate === 'number' && rate > 0 && typeof burst === 'number' && burst > 0
      ? { ratePerSecond: rate, burst }
      : DEFAULT_BUDGET;
  }

  /** Match tracked positions against welcome.rooms; forget the ones that cannot continue. */
  private recover(welcome: Welcome): RecoveryInfo[] {
    const byRoom = new Map(welcome.rooms.map((r) => [r.room, r]));
    return this.tracker.positions().map((position) => {
      const answer = byRoom.get(position.room);
      const recovered = answer?.recovered === true && answer.epoch === position.epoch;
      if (!recovered) this.tracker.forget(position.room);
      return { room: position.room, recovered, ...(answer?.code !== undefined && { code: answer.code }) };
    });
  }

  private onError(message: Record<string, unknown>): void {
    const code = message['code'] as ErrorCode;
    const text = typeof message['message'] === 'string' ? message['message'] : String(code);
    const retryAfterMs = typeof message['retryAfterMs'] === 'number' ? message['retryAfterMs'] : undefined;
    const reason = typeof message['reason'] === 'string' ? message['reason'] : undefined;
    const id = message['id'];
    if (id !== undefined) {
      if (this.handshake && id === this.handshake.id) {
        this.abortHandshake(new PresenceRequestError(code, text, 'hello', retryAfterMs));
        return;
      }
      const waiting = typeof id === 'number' ? this.pending.get(id) : undefined;
      if (code === 'RATE_LIMITED' && waiting) {
        // Refused before it was handled, so sending it again is safe: wait as the server asks.
        this.pending.requeue(waiting.id);
        this.budget.pause(retryAfterMs ?? 1000);
        this.pump();
        return;
      }
      const request = this.pending.take(id);
      request?.reject(new PresenceRequestError(code, text, request.type, retryAfterMs, reason));
      return;
    }
    // A frame without a reply (pong) was refused: slow down; nothing to retry.
    if (code === 'RATE_LIMITED') this.budget.pause(retryAfterMs ?? 1000);
    this.emitter.emit('error', { code, message: text, ...(retryAfterMs !== undefined && { retryAfterMs }) });
    if (FATAL_ERRORS.has(code)) {
      this.shutdown(new PresenceClientError('CLOSED', `The server ended the session: ${code}: ${text}`));
    }
  }

  private emitRoomEvent(event: RoomEvent): void {
    if (this.current === 'closed') return;
    (this.emitter.emit as (type: string, payload: unknown) => void).call(this.emitter, event.type, event);
    this.emitter.emit('event', event);
  }
}
