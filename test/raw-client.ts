import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';

export type Json = Record<string, unknown>;

/**
 * A deliberately dumb protocol client for tests: it speaks raw JSON over WebSocket or TCP, so the
 * server is tested as a client in another language would see it, without the SDK's help.
 */
export class RawClient {
  readonly received: Json[] = [];
  /** Each received message's size as it came: UTF-8 bytes of the WebSocket payload or TCP line. */
  readonly bytes = new WeakMap<Json, number>();
  closed = false;
  closeCode: number | undefined;
  #waiters: { match: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];
  #closeWaiters: (() => void)[] = [];
  #send: (text: string) => void;
  #end: () => void;
  #nextId = 1;

  private constructor(send: (text: string) => void, end: () => void) {
    this.#send = send;
    this.#end = end;
  }

  static async ws(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    const client = new RawClient(
      (t) => ws.send(t),
      () => ws.terminate(),
    );
    ws.on('message', (data) => client.#onText(data.toString()));
    ws.on('close', (code) => client.#onClose(code));
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  static async tcp(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket: Socket = connect(port, host);
    const client = new RawClient(
      (t) => socket.write(t + '\n'),
      () => socket.destroy(),
    );
    let rest = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf('\n')) !== -1) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        if (line) client.#onText(line);
      }
    });
    socket.on('close', () => client.#onClose(undefined));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  #onText(text: string): void {
    const message = JSON.parse(text) as Json;
    this.bytes.set(message, Buffer.byteLength(text));
    if (message['type'] === 'ping' && message['id'] === undefined) this.sendRaw('{"type":"pong"}');
    this.received.push(message);
    for (const w of [...this.#waiters]) {
      if (w.match(message)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(message);
        return;
      }
    }
  }

  #onClose(code: number | undefined): void {
    this.closed = true;
    this.closeCode = code;
    for (const w of this.#closeWaiters) w();
  }

  sendRaw(text: string): void {
    this.#send(text);
  }

  send(message: Json): void {
    this.#send(JSON.stringify(message));
  }

  /** Wait for a message matching `match` that has not been consumed by an earlier wait. */
  next(match: (m: Json) => boolean, timeoutMs = 3_000): Promise<Json> {
    const already = this.received.find(match);
    if (already) {
      this.received.splice(this.received.indexOf(already), 1);
      return Promise.resolve(already);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out waiting; received: ${JSON.stringify(this.received.slice(-5))}`));
      }, timeoutMs);
      const done = (m: Json): void => {
        clearTimeout(timer);
        const i = this.received.indexOf(m);
        if (i !== -1) this.received.splice(i, 1);
        resolve(m);
      };
      this.#waiters.push({ match, resolve: done });
    });
  }

  /** Send a request and wait for its reply (ok, error or welcome). */
  async request(type: string, params: Json = {}): Promise<Json> {
    const id = this.#nextId++;
    this.send({ type, id, ...params });
    return this.next((m) => m['id'] === id);
  }

  /** Like request, but throws unless the reply is ok; returns its result. */
  async ok(type: string, params: Json = {}): Promise<Json> {
    const reply = await this.request(type, params);
    if (reply['type'] !== 'ok') throw new Error(`${type} failed: ${JSON.stringify(reply)}`);
    return reply['result'] as Json;
  }

  async hello(name = 'Tester', extra: Json = {}): Promise<Json> {
    const reply = await this.request('hello', { v: 1, name, ...extra });
    if (reply['type'] !== 'welcome') throw new Error(`hello failed: ${JSON.stringify(reply)}`);
    return reply;
  }

  event(type: string, extra: (m: Json) => boolean = () => true, timeoutMs?: number): Promise<Json> {
    return this.next((m) => m['type'] === type && m['id'] === undefined && extra(m), timeoutMs);
  }

  waitClosed(timeoutMs = 3_000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connection did not close')), timeoutMs);
      this.#closeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.#end();
  }
}
