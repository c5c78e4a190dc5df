// Socket.io 4 as a target: socket.io-client over WebSocket only, one Manager per connection.
import { io, type Socket } from 'socket.io-client';
import { here, nodeServer } from './bench-child.js';
import { parallel, type Target } from './target.js';

const IDLE_ROOM = 10;

async function member(port: number, room: string): Promise<Socket> {
  // forceNew: without it the client multiplexes every socket over one connection.
  const socket = io(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  await socket.emitWithAck('join', room);
  return socket;
}

export const socketIo: Target = {
  name: 'socket.io',
  start: () => nodeServer(here('./socketio-server.ts')),
  async room(server, members, deliver) {
    const room = 'bench';
    const publisher = await member(server.port, room);
    const receivers = await parallel(members - 1, 50, () => member(server.port, room));
    receivers.forEach((s, i) => s.on('message', (m: { text: string }) => deliver(i, m.text)));
    return {
      receivers: receivers.length,
      publish: (text) => publisher.emit('chat', { room, text }),
      close: () => [publisher, ...receivers].forEach((s) => s.disconnect()),
    };
  },
  async idle(server, count) {
    const sockets = await parallel(count, 100, (i) => member(server.port, `r${Math.floor(i / IDLE_ROOM)}`));
    return () => sockets.forEach((s) => s.disconnect());
  },
};
