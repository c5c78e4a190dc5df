import type { ClientTransport, TransportFactory } from './transport.js';

/**
 * A transport over the global `WebSocket` (browsers, Deno, Node ≥ 22). In Node 20 use
 * `wsTransport` from `@presence/client/node` instead.
 *
 * @example
 * const client = new PresenceClient({ transport: webSocketTransport('wss://chat.example.org/ws') });
 */
export function webSocketTransport(url: string | URL): TransportFactory {
  return () => {
    let socket: WebSocket | undefined;
    const transport: ClientTransport = {
      open() {
        const WebSocketClass = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
        if (typeof WebSocketClass !== 'function') {
          return Promise.reject(
            new Error('No global WebSocket here; in Node use wsTransport from @presence/client/node.'),
          );
        }
        return new Promise<void>((resolve, reject) => {
          const ws = new WebSocketClass(url);
          socket = ws;
          let opened = false;
          ws.onopen = () => {
            opened = true;
            resolve();
          };
          // Browsers hide the reason of a failed connection; the close that follows rejects.
          ws.onerror = () => {};
          ws.onclose = (event) => {
            if (!opened) {
              reject(new Error(`WebSocket connection to ${String(url)} failed (code ${event.code}).`));
              return;
            }
            transport.onclose?.({ code: event.code, reason: event.reason });
          };
          ws.onmessage = (event) => {
            // The server only sends text frames; anything else is not part of the protocol.
            if (typeof event.data === 'string') transport.onmessage?.(event.data);
          };
        });
      },
      send(text) {
        if (!socket || socket.readyState !== socket.OPEN) throw new Error('The WebSocket is not open.');
        socket.send(text);
      },
      close() {
        socket?.close(1000);
      },
    };
    return transport;
  };
}
