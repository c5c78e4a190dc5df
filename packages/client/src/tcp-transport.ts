import { connect, type Socket } from 'node:net';
import { LineDecoder } from './line-decoder.js';
import type { ClientTransport, TransportFactory } from './transport.js';

/**
 * Where the Presence TCP listener is (port 7881 by default on the server).
 *
 * @example
 * const options: TcpTransportOptions = { host: '127.0.0.1', port: 7881 };
 */
export interface TcpTransportOptions {
  host: string;
  port: number;
  /** Longest accepted line from the server; longer ones close the connection. Default 16 Mi characters. */
  maxLineLength?: number;
}

/**
 * A Node transport over raw TCP: one JSON message per '\n'-terminated UTF-8 line.
 *
 * @example
 * import { PresenceClient, tcpTransport } from '@presence/client/node';
 * const client = new PresenceClient({ transport: tcpTransport({ host: '127.0.0.1', port: 7881 }) });
 */
export function tcpTransport(options: TcpTransportOptions): TransportFactory {
  return () => {
    let socket: Socket | undefined;
    const transport: ClientTransport = {
      open() {
        return new Promise<void>((resolve, reject) => {
          const decoder = new LineDecoder(options.maxLineLength);
          const s = connect({ host: options.host, port: options.port });
          socket = s;
          let opened = false;
          let failure: Error | undefined;
          s.setNoDelay(true);
          s.once('connect', () => {
            opened = true;
            resolve();
          });
          s.on('error', (error) => {
            failure = error;
            if (!opened) reject(error);
          });
          s.on('data', (chunk: Buffer) => {
            let lines: string[];
            try {
              lines = decoder.push(chunk);
            } catch (error) {
              s.destroy(error as Error);
              return;
            }
            for (const line of lines) {
              // A listener may close the transport while handling one line of a batch.
              if (s.destroyed) return;
              transport.onmessage?.(line);
            }
          });
          s.once('close', () => {
            if (!opened) {
              reject(failure ?? new Error('The TCP connection closed before it opened.'));
              return;
            }
            transport.onclose?.({ reason: failure ? failure.message : 'connection closed' });
          });
        });
      },
      send(text) {
        if (!socket || socket.destroyed || !socket.writable)
          throw new Error('The TCP connection is not open.');
        // JSON.stringify escapes newlines inside strings, so one message is always one line.
        socket.write(`${text}\n`);
      },
      close() {
        socket?.destroy();
      },
    };
    return transport;
  };
}
