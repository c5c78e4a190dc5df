// Presence as a target: hello, room.create / room.join, chat.send; deliveries are `message` events.
import type WebSocket from 'ws';
import { here, nodeServer, open, rpc } from './bench-child.js';
import { parallel, type Target } from './target.js';

const url = (port: number): string => `ws://127.0.0.1:${port}/ws`;
const IDLE_ROOM = 10;

async function member(
  port: number,
  name: string,
  room?: unknown,
  v = 2,
): Promise<{ ws: WebSocket; room: unknown }> {
  const ws = await open(url(port));
  await rpc(ws, { type: 'hello', id: 1, v, name });
  if (room !== undefined) {
    await rpc(ws, { type: 'room.join', id: 2, room });
    return { ws, room };
  }
  const created = await rpc(ws, { type: 'room.create', id: 2 });
  if (!created['result']) throw new Error(JSON.stringify(created));
  return {
    ws,
    room: ((created['result'] as Record<string, unknown>)['room'] as Record<string, unknown>)['id'],
  };
}

/** Presence with clients of protocol `v` (2: lean live messages; 1: the full shape). */
const presenceAt = (v: 1 | 2): Target => ({
  name: v === 2 ? 'presence' : 'presence v1',
  start: () => nodeServer(here('./presence-server.ts')),
  async room(server, members, deliver) {
    const { ws: publisher, room } = await member(server.port, 'pub', undefined, v);
    const receivers = await parallel(
      members - 1,
      50,
      async (i) => (await member(server.port, `s${i}`, room, v)).ws,
    );
    receivers.forEach((ws, i) =>
      ws.on('message', (data: Buffer) => {
        // A cheap test keeps the load generator light: only chat deliveries carry "message".
        if (data.includes('"type":"message"')) deliver(i, data.toString());
      }),
    );
    let id = 10;
    return {
      receivers: receivers.length,
      publish: (text) => publisher.send(JSON.stringify({ type: 'chat.send', id: id++, room, text })),
      close: () => [publisher, ...receivers].forEach((ws) => ws.terminate()),
    };
  },
  async idle(server, count) {
    // Rooms of 10: the first of each group creates the room, the others join it.
    const groups = Math.ceil(count / IDLE_ROOM);
    const sockets = await parallel(groups, 20, async (g) => {
      const size = Math.min(IDLE_ROOM, count - g * IDLE_ROOM);
      const first = await member(server.port, `i${g}-0`);
      const rest = await parallel(
        size - 1,
        10,
        async (i) => (await member(server.port, `i${g}-${i + 1}`, first.room)).ws,
      );
      return [first.ws, ...rest];
    });
    return () => sockets.flat().forEach((ws) => ws.terminate());
  },
});

export const presence = presenceAt(2);
/** The same server and clients on protocol v1 (the full message shape), for the same run. */
export const presenceV1 = presenceAt(1);
