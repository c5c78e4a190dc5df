// Baseline: the practical limit for Node on this box. A bare `ws` broadcast server that serializes
// once, builds the WebSocket frame once for all recipients and corks each socket per tick.
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { OutboundFrame } from '../packages/server/src/transport/outbound-frame.js';
import { serveBenchIpc } from './cpu-child.js';

const http = createServer();
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const sockets = new Set<Socket>();
let padding = '';
/** `n` - 9 x's: with `,"pad":""` around them, exactly n more bytes. */
const pads = (n: number): string =>
  padding.length === Math.max(0, n - 9) ? padding : (padding = 'x'.repeat(Math.max(0, n - 9)));
http.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    const raw = socket as Socket;
    sockets.add(raw);
    ws.on('close', () => sockets.delete(raw));
    ws.on('message', (data) => {
      // Same event shape work as a chat server would do: parse, wrap, serialize once.
      const body = JSON.parse(data.toString()) as { text: string; pad?: number };
      // `pad` (the padded baseline): that many more bytes per event, as a field of x's.
      const event =
        body.pad === undefined
          ? { type: 'message', text: body.text, ts: Date.now() }
          : { type: 'message', text: body.text, pad: pads(body.pad), ts: Date.now() };
      const frame = OutboundFrame.of(event).wsBytes();
      for (const s of sockets) {
        if (!s.writableCorked) {
          s.cork();
          process.nextTick(() => s.uncork());
        }
        s.write(frame);
      }
    });
  });
});
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  serveBenchIpc(typeof address === 'object' && address ? address.port : 0);
});
