// The bare-ws baseline as a target: every connection gets every message, no rooms, no auth.
import type WebSocket from 'ws';
import { here, nodeServer, open } from './bench-child.js';
import { parallel, type Target } from './target.js';

const url = (port: number): string => `ws://127.0.0.1:${port}/ws`;

/**
 * `pad` > 0: the baseline's event carries that many more bytes (a `pad` field), so a delivery costs
 * it as many bytes as one of Presence's: the server's cost and the protocol's are then seen apart.
 */
export const wsBaselineAt = (pad = 0): Target => ({
  name: pad > 0 ? 'ws-baseline (padded)' : 'ws-baseline',
  start: () => nodeServer(here('./ws-baseline-server.ts')),
  async room(server, members, deliver) {
    const publisher = await open(url(server.port));
    const receivers = await parallel(members - 1, 50, () => open(url(server.port)));
    receivers.forEach((ws, i) => ws.on('message', (data: Buffer) => deliver(i, data.toString())));
    return {
      receivers: receivers.length,
      publish: (text) => publisher.send(JSON.stringify(pad > 0 ? { text, pad } : { text })),
      close: () => [publisher, ...receivers].forEach((ws) => ws.terminate()),
    };
  },
  async idle(server, count) {
    const sockets: WebSocket[] = await parallel(count, 100, () => open(url(server.port)));
    return () => sockets.forEach((ws) => ws.terminate());
  },
});

export const wsBaseline = wsBaselineAt(0);
