import { FederationError } from './federation-errors.js';
import type { FederationInbox } from './federation-inbox.js';
import {
  federationPath,
  type FederationKind,
  type FederationTransport,
  type TransportCounter,
} from './federation-transport.js';
import type { RequestVerifier } from './request-verifier.js';
import { authorize } from './request-signing.js';
import type { ServerKeys } from './server-keys.js';

/** A server as the loopback transport reaches it: its verifier and its inbox, no socket. */
export interface LoopbackPeer {
  verifier: RequestVerifier;
  inbox: FederationInbox;
}

/**
 * Signed requests handed straight to another server object in the same process: the same signing,
 * verification and JSON round trip as over HTTP, without sockets. The bench uses it to count what
 * crosses; the transport contract test holds it to the same behaviour as the HTTP one.
 */
export class LoopbackFederationTransport implements FederationTransport {
  readonly #origin: string;
  readonly #keys: ServerKeys;
  readonly #peers: Map<string, LoopbackPeer>;
  readonly #counter: TransportCounter | undefined;

  constructor(opts: {
    origin: string;
    keys: ServerKeys;
    peers: Map<string, LoopbackPeer>;
    counter?: TransportCounter;
  }) {
    this.#origin = opts.origin.toLowerCase();
    this.#keys = opts.keys;
    this.#peers = opts.peers;
    this.#counter = opts.counter;
  }

  async send(destination: string, kind: FederationKind, body: object): Promise<unknown> {
    const peer = this.#peers.get(destination);
    if (!peer) throw new FederationError('PEER_UNREACHABLE', `${destination}: not connected`);
    const json = JSON.stringify(body);
    this.#counter?.sent(destination, kind, Buffer.byteLength(json));
    const parsed = JSON.parse(json) as unknown;
    const path = federationPath(kind);
    const authorization = authorize(this.#keys, {
      method: 'POST',
      path,
      origin: this.#origin,
      destination,
      body: parsed,
    });
    const origin = await peer.verifier.verify({ method: 'POST', path, authorization, body: parsed });
    const reply = await peer.inbox.handle(origin, kind, parsed);
    return JSON.parse(JSON.stringify(reply)) as unknown;
  }
}
