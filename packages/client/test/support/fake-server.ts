// A tiny in-process stand-in for the Presence server, speaking just enough of the protocol
// (docs/wire-semantics-draft.md) to exercise the client: hello/welcome with resume and replay,
// rooms, history, chat.send with nonces, ping. Tests steer it through `intercept` and `append`.
import type { ClientTransport, TransportFactory } from '../../src/index.js';
import type { RoomEvent, RoomPosition, UserRef } from '@presence/protocol';

type Message = Record<string, unknown>;

export interface FakeRoom {
  id: string;
  epoch: string;
  events: RoomEvent[];
  members: Set<FakeConnection>;
  nonces: Map<string, { epoch: string; seq: number; ts: number }>;
  /** Events with seq ≤ this are no longer replayable on resume (simulates the recovery window). */
  replayFloor: number;
}

interface Session {
  token: string;
  sessionId: string;
  user: UserRef;
}

export class FakeConnection {
  closed = false;
  session: Session | undefined;
  /** Every message received on this connection, in order. */
  readonly received: Message[] = [];

  constructor(
    private readonly server: FakeServer,
    private readonly out: { send(text: string): void; close(info: { code?: number; reason?: string }): void },
  ) {}

  /** A frame from the client. */
  receive(text: string): void {
    if (this.closed) return;
    const message = JSON.parse(text) as Message;
    this.received.push(message);
    this.server.handle(this, message);
  }

  send(message: object): void {
    if (!this.closed) this.out.send(JSON.stringify(message));
  }

  /** The server drops the connection (the client sees an unexpected close). */
  kill(info: { code?: number; reason?: string } = { code: 1006, reason: 'killed by test' }): void {
    if (this.closed) return;
    this.closed = true;
    this.server.detach(this);
    this.out.close(info);
  }

  /** The client closed its side. */
  clientClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.detach(this);
  }
}

export class FakeServer {
  readonly rooms = new Map<string, FakeRoom>();
  readonly connections: FakeConnection[] = [];
  heartbeat = { intervalMs: 0, timeoutMs: 0 };
  /** The rate budget the welcome announces (the server's defaults unless a test changes it). */
  budget = { ratePerSecond: 20, burst: 60 };
  /** Called first for every message; return true when the test handled it itself. */
  intercept: ((message: Message, connection: FakeConnection) => boolean | void) | undefined;
  private readonly sessions = new Map<string, Session>();
  private counter = 0;
  private now = 1_700_000_000_000;

  /** Attach a new connection whose output goes to `out`. */
  accept(out: ConstructorParameters<typeof FakeConnection>[1]): FakeConnection {
    const connection = new FakeConnection(this, out);
    this.connections.push(connection);
    return connection;
  }

  /** The latest connection (the client's current one, in most tests). */
  get last(): FakeConnection {
    const connection = this.connections.at(-1);
    if (!connection) throw new Error('no connection yet');
    return connection;
  }

  /** Every message received over all connections, in order. */
  received(type?: string): Message[] {
    return this.connections
      .flatMap((c) => c.received)
      .filter((m) => type === undefined || m['type'] === type);
  }

  detach(connection: FakeConnection): void {
    for (const room of this.rooms.values()) room.members.delete(connection);
  }

  createRoom(id = `room${++this.counter}`, epoch = 'e1'): FakeRoom {
    const room: FakeRoom = { id, epoch, events: [], members: new Set(), nonces: new Map(), replayFloor: 0 };
    this.rooms.set(id, room);
    return room;
  }

  /** Store a message event in a room and, unless told not to, send it to the room's members. */
  append(roomId: string, text: string, options: { deliver?: boolean; nonce?: string } = {}): RoomEvent {
    const room = this.room(roomId);
    const event: RoomEvent = {
      type: 'message',
      room: room.id,
      epoch: room.epoch,
      seq: (room.events.at(-1)?.seq ?? 0) + 1,
      ts: ++this.now,
      from: { id: 'bob@test', name: 'Bob', avatar: '/a/bob.png' },
      text,
      html: `<p>${text}</p>`,
      ...(options.nonce !== undefined && { nonce: options.nonce }),
    };
    room.events.push(event);
    if (options.deliver !== false) for (const member of room.members) member.send(event);
    return event;
  }

  room(id: string): FakeRoom {
    const room = this.rooms.get(id);
    if (!room) throw new Error(`no room ${id}`);
    return room;
  }

  handle(connection: FakeConnection, message: Message): void {
    if (this.intercept?.(message, connection) === true) return;
    const id = message['id'];
    const ok = (result: object) => connection.send({ type: 'ok', id, result });
    const fail = (code: string, text: string) => connection.send({ type: 'error', id, code, message: text });
    if (message['type'] === 'pong') return;
    if (message['type'] === 'hello') {
      this.hello(connection, message);
      return;
    }
    if (!connection.session) return fail('HELLO_REQUIRED', 'Send hello first.');
    const roomId = String(message['room']);
    const room = this.rooms.get(roomId);
    switch (message['type']) {
      case 'ping':
        return ok({ ts: ++this.now });
      case 'room.create': {
        const created = this.createRoom();
        created.members.add(connection);
        return ok(this.snapshot(created));
      }
      case 'room.join':
        if (!room) return fail('ROOM_NOT_FOUND', 'No such room.');
        room.members.add(connection);
        return ok(this.snapshot(room));
      case 'room.leave':
        room?.members.delete(connection);
        return ok({});
      case 'room.history': {
        if (!room) return fail('ROOM_NOT_FOUND', 'No such room.');
        const after = typeof message['after'] === 'number' ? message['after'] : 0;
        const limit = Math.min(typeof message['limit'] === 'number' ? message['limit'] : 50, 100);
        const events = room.events.filter((e) => e.seq > after);
        return ok({ events: events.slice(0, limit), more: events.length > limit });
      }
      case 'chat.send': {
        if (!room || !room.members.has(connection)) return fail('NOT_IN_ROOM', 'Join the room first.');
        const nonce = typeof message['nonce'] === 'string' ? message['nonce'] : undefined;
        const earlier = nonce === undefined ? undefined : room.nonces.get(nonce);
        if (earlier) return ok({ ...earlier, duplicate: true });
        const event = this.append(room.id, String(message['text']), {
          deliver: false,
          ...(nonce !== undefined && { nonce }),
        });
        const ack = { epoch: event.epoch, seq: event.seq, ts: event.ts };
        if (nonce !== undefined) room.nonces.set(nonce, ack);
        ok({ ...ack, duplicate: false });
        for (const member of room.members) member.send(event);
        return;
      }
      default:
        return fail('NOT_IMPLEMENTED', `${String(message['type'])} is not in the fake server.`);
    }
  }

  private snapshot(room: FakeRoom): object {
    return {
      room: {
        id: room.id,
        name: null,
        topic: '',
        visibility: 'public',
        persistent: false,
        epoch: room.epoch,
        seq: room.events.at(-1)?.seq ?? 0,
        createdAt: this.now,
        memberCount: room.members.size,
      },
      members: [],
      role: 'owner',
      recent: room.events.slice(-20),
    };
  }

  private hello(connection: FakeConnection, message: Message): void {
    const id = message['id'];
    if (message['v'] !== 1 && message['v'] !== 2) {
      connection.send({ type: 'error', id, code: 'UNSUPPORTED_VERSION', message: 'v1 only' });
      connection.kill({ code: 4406, reason: 'UNSUPPORTED_VERSION' });
      return;
    }
    const token = typeof message['token'] === 'string' ? message['token'] : undefined;
    const known = token === undefined ? undefined : this.sessions.get(token);
    const n = ++this.counter;
    const session: Session = known ?? {
      token: `token-${n}`,
      sessionId: `session-${n}`,
      user: { id: `~guest${n}@test`, name: String(message['name'] ?? 'guest'), avatar: '/a/g.png' },
    };
    this.sessions.set(session.token, session);
    connection.session = session;
    const positions = (message['rooms'] as RoomPosition[] | undefined) ?? [];
    const replays: RoomEvent[] = [];
    const rooms = positions.map((p) => {
      const room = this.rooms.get(p.room);
      if (!room) return { room: p.room, recovered: false, epoch: null, seq: 0, code: 'ROOM_NOT_FOUND' };
      const seq = room.events.at(-1)?.seq ?? 0;
      if (room.epoch !== p.epoch || p.seq < room.replayFloor) {
        return { room: room.id, recovered: false, epoch: room.epoch, seq };
      }
      room.members.add(connection);
      replays.push(...room.events.filter((e) => e.seq > p.seq));
      return { room: room.id, recovered: true, epoch: room.epoch, seq };
    });
    connection.send({
      type: 'welcome',
      id,
      v: 1,
      sessionId: session.sessionId,
      userId: session.user.id,
      name: session.user.name,
      avatar: session.user.avatar,
      token: session.token,
      resumed: known !== undefined,
      rooms,
      heartbeat: this.heartbeat,
      limits: { maxFrameBytes: 65536, maxTextLength: 4000, historyPageMax: 100, ...this.budget },
      server: { domain: 'test', version: '0.0.0' },
    });
    for (const event of replays) connection.send(event);
  }
}

/**
 * An in-memory transport to `server`. Delivery in both directions goes through setImmediate, so
 * messages arrive in order but on later turns of the event loop, as over a real socket.
 */
export function memoryTransport(
  server: FakeServer,
  options: { refuse?: () => boolean } = {},
): TransportFactory {
  return () => {
    let connection: FakeConnection | undefined;
    const transport: ClientTransport = {
      async open() {
        if (options.refuse?.()) throw new Error('connection refused (test)');
        connection = server.accept({
          send: (text) => setImmediate(() => transport.onmessage?.(text)),
          close: (info) => setImmediate(() => transport.onclose?.(info)),
        });
      },
      send(text) {
        const target = connection;
        if (!target || target.closed) throw new Error('not open');
        setImmediate(() => target.receive(text));
      },
      close() {
        connection?.clientClosed();
      },
    };
    return transport;
  };
}

/** Resolve when `predicate` holds, polling; fails the test after `timeoutMs`. */
export async function until(predicate: () => boolean, what = 'condition', timeoutMs = 2000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
