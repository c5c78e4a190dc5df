/**
 * One connection to a Presence server carrying JSON text messages in both directions. The client
 * creates a fresh transport (through a {@link TransportFactory}) for every connection attempt.
 *
 * Contract: `open()` resolves once messages can be sent and rejects if the connection cannot be
 * made; `onclose` is called once when an opened connection ends; `close()` is idempotent and the
 * client does not rely on `onclose` after it called `close()` itself.
 *
 * @example
 * const loopback: TransportFactory = () => {
 *   const transport: ClientTransport = {
 *     open: async () => {},
 *     send: (text) => console.log('sent', text),
 *     close: () => transport.onclose?.({ reason: 'closed' }),
 *   };
 *   return transport;
 * };
 */
export interface ClientTransport {
  open(): Promise<void>;
  send(text: string): void;
  close(): void;
  onmessage?: (text: string) => void;
  onclose?: (info: { code?: number; reason?: string }) => void;
}

/**
 * Creates a new, unopened transport for each connection attempt.
 *
 * @example
 * const client = new PresenceClient({ transport: webSocketTransport('wss://chat.example.org/ws') });
 */
export type TransportFactory = () => ClientTransport;
