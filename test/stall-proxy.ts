import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy whose connections can go silently dead, as a link does when a laptop leaves
 * the Wi-Fi: after `stall()` open connections stay open but nothing from the server reaches the
 * client any more (what the client sends still arrives), and new connections are refused.
 * `restore()` resets the stalled connections and accepts new ones again.
 */
export class StallProxy {
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<{ client: Socket; upstream: Socket; stalled: boolean }>();
  #server: Server | undefined;
  #refusing = false;
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async start(): Promise<number> {
    const server = createServer((client) => {
      if (this.#refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(this.#target.port, this.#target.host);
      const pair = { client, upstream, stalled: false };
      this.#pairs.add(pair);
      for (const s of [client, upstream]) {
        s.on('error', () => undefined);
        s.on('close', () => {
          this.#pairs.delete(pair);
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (chunk) => upstream.write(chunk));
      upstream.on('data', (chunk) => {
        if (!pair.stalled) client.write(chunk);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  stall(): void {
    this.#refusing = true;
    for (const pair of this.#pairs) pair.stalled = true;
  }

  restore(): void {
    this.#refusing = false;
    for (const pair of [...this.#pairs]) {
      if (!pair.stalled) continue;
      pair.client.destroy();
      pair.upstream.destroy();
    }
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
