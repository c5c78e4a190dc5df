// Put a FakeServer behind real sockets on 127.0.0.1, so the Node transports are tested end to end.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { LineDecoder } from '../../src/line-decoder.js';
import type { FakeServer } from './fake-server.js';

export interface Listening {
  port: number;
  close(): Promise<void>;
}

export async function serveTcp(fake: FakeServer): Promise<Listening> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const decoder = new LineDecoder();
    const connection = fake.accept({
      send: (text) => socket.write(`${text}\n`),
      close: () => socket.destroy(),
    });
    socket.on('data', (chunk) => {
      for (const line of decoder.push(chunk)) connection.receive(line);
    });
    socket.on('close', () => {
      sockets.delete(socket);
      connection.clientClosed();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function serveWs(fake: FakeServer): Promise<Listening> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    const connection = fake.accept({
      send: (text) => ws.send(text),
      // An abrupt drop, like a crashed server or a lost network.
      close: () => ws.terminate(),
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) connection.receive(String(data));
    });
    ws.on('close', () => connection.clientClosed());
  });
  return {
    port: (wss.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
