import WebSocket from 'ws';
import type { ClientTransport, TransportFactory } from './transport.js';

/**
 * Options passed through to the `ws` client.
 *
 * @example
 * wsTransport('wss://chat.example.org/ws', { headers: { origin: 'https://chat.example.org' } });
 */
export interface WsTransportOptions {
  /** Extra HTTP headers for the upgrade request (e.g. Origin). */
  headers?: Record<string, string>;
  /** Largest accepted message in bytes. Default 16 MiB. */
  maxPayload?: number;
}

/**
 * A Node transport over WebSocket using the `ws` package (which also answers the server's
 * protocol-level pings).
 *
 * @example
 * import { PresenceClient, wsTransport } from '@presence/client/node';
 * const client = new PresenceClient({ transport: wsTransport('ws://127.0.0.1:7880/ws') });
 */
export function wsTransport(url: string | URL, options: WsTransportOptions = {}): TransportFactory {
  return () => {
    let socket: WebSocket | undefined;
    const transport: ClientTransport = {
      open() {
        return new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(url, {
            maxPayload: options.maxPayload ?? 16 * 1024 * 1024,
            perMessageDeflate: false,
            ...(options.headers && { headers: options.headers }),
          });
          socket = ws;
          let opened = false;
          let failure: Error | undefined;
          ws.once('open', () => {
            opened = true;
            resolve();
          });
          // Always listened to: an 'error' without a listener would crash the process.
          ws.on('error', (error) => {
            failure = error;
            if (!opened) reject(error);
          });
          ws.on('message', (data, isBinary) => {
            if (isBinary) return;
            const text = Buffer.isBuffer(data)
              ? data.toString('utf8')
              : Array.isArray(data)
                ? Buffer.concat(data).toString('utf8')
                : Buffer.from(data).toString('utf8');
            transport.onmessage?.(text);
          });
          ws.once('close', (code, reason) => {
            if (!opened) {
              reject(failure ?? new Error(`WebSocket closed before it opened (code ${code}).`));
              return;
            }
            const text = reason.toString('utf8') || failure?.message;
            transport.onclose?.({ code, ...(text && { reason: text }) });
          });
        });
      },
      send(text) {
        if (!socket || socket.readyState !== WebSocket.OPEN) throw new Error('The WebSocket is not open.');
        socket.send(text);
      },
      close() {
        if (!socket) return;
        // A socket still connecting cannot be closed cleanly; terminate is what ends it.
        if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
        else socket.close(1000);
      },
    };
    return transport;
  };
}
