import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ErrorCode } from '@presence/protocol';
import type { Connection, ConnectionSink } from './connection.js';
import { OutboundFrame } from './outbound-frame.js';
import { TcpConnection } from './tcp-connection.js';
import { WsConnection } from './ws-connection.js';

export interface TransportOptions {
  maxFrameBytes: number;
  maxQueueBytes: number;
  maxConnectionsPerIp: number;
  maxConnections: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  shutdownGraceMs: number;
  /** Path of the WebSocket endpoint on the HTTP server. */
  wsPath: string;
  /** Take the client address from X-Forwarded-For (set only behind a reverse proxy). */
  trustProxy: boolean;
}

/**
 * How long a socket accepted over the limits may stay: long enough to read its request and be
 * told TOO_MANY_CONNECTIONS (a WebSocket close or an HTTP 429), not long enough to pile up.
 */
const REFUSED_GRACE_MS = 1_000;

/**
 * Owns every client connection of this process: accepts WebSocket upgrades and TCP sockets,
 * enforces per-address and total connection limits, runs one heartbeat sweep for all connections
 * (one timer, not one per socket), and closes everything on shutdown.
 */
export class TransportHub {
  readonly #options: TransportOptions;
  readonly #sink: ConnectionSink;
  readonly #connections = new Set<Connection>();
  /** Every connection whose socket is still open, including ones already marked closed. */
  readonly #open = new Set<Connection>();
  /**
   * Sockets per client address, counted from accept (TCP and HTTP alike, so a half-open upgrade
   * request counts as much as a connection); behind a proxy, WebSocket connections per forwarded
   * address instead, as the proxy's own address is everyone's.
   */
  readonly #perIp = new Map<string, number>();
  /** Every accepted socket, for the total limit. */
  #sockets = 0;
  /** HTTP sockets accepted over a limit: their request is answered TOO_MANY_CONNECTIONS. */
  readonly #refused = new WeakSet<Duplex>();
  /** Connections counted by forwarded address (trustProxy), uncounted when forgotten. */
  readonly #forwarded = new WeakSet<Connection>();
  readonly #wss: WebSocketServer;
  #tcpServer: NetServer | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(options: TransportOptions, sink: ConnectionSink) {
    this.#options = options;
    // Wrap the sink so the hub's bookkeeping runs first, whoever closes a connection.
    this.#sink = {
      onOpen: (conn) => sink.onOpen(conn),
      onFrame: (conn, frame) => sink.onFrame(conn, frame),
      onBinaryFrame: (conn) => sink.onBinaryFrame(conn),
      onClose: (conn, code) => {
        this.#forget(conn);
        sink.onClose(conn, code);
      },
    };
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      // A hard memory guard only; frames over maxFrameBytes get FRAME_TOO_LARGE from the connection.
      // Exactly 4× (docs/protocol.md, Limits): past it `ws` closes with 1009 and no error message.
      maxPayload: options.maxFrameBytes * 4,
    });
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  countByKind(kind: 'ws' | 'tcp'): number {
    let n = 0;
    for (const c of this.#connections) if (c.kind === kind) n++;
    return n;
  }

  /**
   * Serve WebSocket upgrades on `wsPath` of an HTTP server; other paths are refused. Every socket
   * the server accepts counts against the limits from then on, whatever it turns out to be.
   */
  attachWebSocket(http: HttpServer): void {
    http.on('connection', (socket: Socket) => {
      if (this.#countSocket(socket, !this.#options.trustProxy)) return;
      this.#refused.add(socket);
      setTimeout(() => socket.destroy(), REFUSED_GRACE_MS).unref();
    });
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if (this.#closing || path !== this.#options.wsPath) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        const conn = new WsConnection(ws, socket as Socket, this.#options, this.#sink);
        let within = !this.#refused.has(socket);
        if (this.#options.trustProxy) {
          conn.remoteAddress = forwardedFor(req) ?? conn.remoteAddress;
          within = this.#countForwarded(conn) && within;
        }
        this.#admit(conn, within);
      });
    });
  }

  /** Whether an HTTP request came on a socket accepted over the limits (it gets a 429). */
  refusedSocket(socket: Duplex): boolean {
    return this.#refused.has(socket);
  }

  /** Count an accepted socket until it closes; false when it is over a limit. */
  #countSocket(socket: Socket, perAddress: boolean): boolean {
    this.#sockets++;
    const ip = socket.remoteAddress ?? 'unknown';
    const fromIp = perAddress ? this.#add(ip, 1) : 0;
    socket.once('close', () => {
      this.#sockets--;
      if (perAddress) this.#add(ip, -1);
    });
    return fromIp <= this.#options.maxConnectionsPerIp && this.#sockets <= this.#options.maxConnections;
  }

  /** Behind a proxy: count a WebSocket connection by its forwarded address until it is forgotten. */
  #countForwarded(conn: Connection): boolean {
    this.#forwarded.add(conn);
    return this.#add(conn.remoteAddress, 1) <= this.#options.maxConnectionsPerIp;
  }

  #add(ip: string, delta: number): number {
    const n = (this.#perIp.get(ip) ?? 0) + delta;
    if (n <= 0) this.#perIp.delete(ip);
    else this.#perIp.set(ip, n);
    return n;
  }

  /** Listen for raw TCP clients. Resolves with the bound port. */
  listenTcp(host: string, port: number): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => {
      if (this.#closing) {
        socket.destroy();
        return;
      }
      const within = this.#countSocket(socket, true);
      this.#admit(new TcpConnection(socket, this.#options, this.#sink), within);
    });
    this.#tcpServer = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  startHeartbeats(): void {
    if (this.#sweep) return;
    this.#sweep = setInterval(() => this.#heartbeat(), this.#options.heartbeatIntervalMs);
    this.#sweep.unref();
  }

  #admit(conn: Connection, within: boolean): void {
    this.#open.add(conn);
    conn.onSocketClosed = () => this.#open.delete(conn);
    this.#connections.add(conn);
    if (!within) {
      // Accept, then refuse with a typed code: a client learns why, instead of a bare reset.
      conn.close('TOO_MANY_CONNECTIONS');
      return;
    }
    this.#sink.onOpen(conn);
  }

  #forget(conn: Connection): void {
    if (!this.#connections.delete(conn)) return;
    if (this.#forwarded.delete(conn)) this.#add(conn.remoteAddress, -1);
  }

  #heartbeat(): void {
    const now = Date.now();
    const deadline = now - this.#options.heartbeatIntervalMs - this.#options.heartbeatTimeoutMs;
    const ping = OutboundFrame.of({ type: 'ping', ts: now });
    for (const conn of this.#connections) {
      if (conn.lastSeen < deadline) conn.close('HEARTBEAT_TIMEOUT');
      else conn.ping(ping);
    }
  }

  /**
   * Stop accepting, tell every client the server is going away, give sockets `shutdownGraceMs` to
   * drain, then destroy what is left. Resolves when every socket and listener is closed.
   */
  async close(code: ErrorCode = 'SERVER_SHUTTING_DOWN'): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#sweep) clearInterval(this.#sweep);
    const tcpClosed = new Promise<void>((resolve) => {
      if (!this.#tcpServer) return resolve();
      this.#tcpServer.close(() => resolve());
    });
    for (const conn of [...this.#connections]) conn.close(code);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#options.shutdownGraceMs);
    });
    await Promise.race([Promise.all([...this.#open].map((c) => c.socketClosed)), deadline]);
    clearTimeout(timer);
    for (const conn of [...this.#open]) conn.destroy();
    await Promise.all([...this.#open].map((c) => c.socketClosed));
    this.#wss.close();
    await tcpClosed;
  }
}

/**
 * The client address a reverse proxy forwarded: the last X-Forwarded-For entry (the one our proxy
 * added; earlier ones are whatever the client claimed), else X-Real-IP.
 */
function forwardedFor(req: IncomingMessage): string | undefined {
  const xff = req.headers['x-forwarded-for'];
  const list = (Array.isArray(xff) ? xff.join(',') : (xff ?? '')).split(',').map((s) => s.trim());
  const last = list.filter(Boolean).at(-1);
  if (last) return last;
  const real = req.headers['x-real-ip'];
  return typeof real === 'string' && real !== '' ? real : undefined;
}
