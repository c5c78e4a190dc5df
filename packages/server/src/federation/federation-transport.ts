import { FederationError, FEDERATION_ERRORS, type FederationErrorCode } from './federation-errors.js';
import type { PeerDirectory } from './peer-directory.js';
import { authorize } from './request-signing.js';
import type { ServerKeys } from './server-keys.js';

/** The server-to-server endpoints: POST /_federation/v1/<kind>. */
export type FederationKind = 'presence' | 'contact' | 'directory';
export const FEDERATION_KINDS: readonly FederationKind[] = ['presence', 'contact', 'directory'];
export const federationPath = (kind: FederationKind): string => `/_federation/v1/${kind}`;

/**
 * How this server reaches another one. The domain code only ever calls `send`; the HTTP
 * implementation signs and POSTs, a bench or unit test can count or loop back instead.
 */
export interface FederationTransport {
  /** One signed request to `destination`; resolves with its reply body, rejects with FederationError. */
  send(destination: string, kind: FederationKind, body: object): Promise<unknown>;
}

/** Counts what crossed, for metrics and the bench. */
export interface TransportCounter {
  sent(destination: string, kind: FederationKind, bytes: number): void;
}

/** Signed JSON over HTTP(S) to the peer's federation URL (static map or well-known discovery). */
export class HttpFederationTransport implements FederationTransport {
  readonly #origin: string;
  readonly #keys: ServerKeys;
  readonly #peers: PeerDirectory;
  readonly #timeoutMs: number;
  readonly #counter: TransportCounter | undefined;

  constructor(opts: {
    origin: string;
    keys: ServerKeys;
    peers: PeerDirectory;
    timeoutMs: number;
    counter?: TransportCounter;
  }) {
    this.#origin = opts.origin.toLowerCase();
    this.#keys = opts.keys;
    this.#peers = opts.peers;
    this.#timeoutMs = opts.timeoutMs;
    this.#counter = opts.counter;
  }

  async send(destination: string, kind: FederationKind, body: object): Promise<unknown> {
    const base = await this.#peers.urlOf(destination);
    const path = federationPath(kind);
    const json = JSON.stringify(body);
    const authorization = authorize(this.#keys, {
      method: 'POST',
      path,
      origin: this.#origin,
      destination,
      body: JSON.parse(json) as unknown,
    });
    this.#counter?.sent(destination, kind, Buffer.byteLength(json));
    let res: Response;
    try {
      res = await fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: json,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      // The peer's address may have changed (restart on another port): look it up again next time.
      this.#peers.forget(destination);
      throw new FederationError(
        'PEER_UNREACHABLE',
        `${destination}: ${(err as Error).message}`.slice(0, 300),
      );
    }
    const reply = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
    if (!res.ok) {
      const code =
        reply?.code && reply.code in FEDERATION_ERRORS
          ? (reply.code as FederationErrorCode)
          : 'PEER_UNREACHABLE';
      throw new FederationError(code, reply?.message ?? `HTTP ${res.status}`, res.status);
    }
    return reply;
  }
}
