// Baseline: Socket.io 4, what most Node chat apps are built on. Rooms via socket.join(room) and
// broadcast with io.to(room).emit(...); WebSocket transport only, no compression.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { serveBenchIpc } from './cpu-child.js';

const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
  maxHttpBufferSize: 1e6,
});
io.on('connection', (socket) => {
  socket.on('join', (room: string, ack: () => void) => {
    void socket.join(room);
    ack();
  });
  socket.on('chat', (m: { room: string; text: string }) => {
    // The same event shape work as the other servers: wrap, stamp, broadcast to the room.
    io.to(m.room).emit('message', { type: 'message', text: m.text, ts: Date.now() });
  });
});
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  serveBenchIpc(typeof address === 'object' && address ? address.port : 0, {}, async () => {
    await io.close();
  });
});
