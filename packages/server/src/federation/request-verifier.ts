import { FederationError } from './federation-errors.js';
import type { FederationGuard } from './federation-guard.js';
import type { PeerDirectory } from './peer-directory.js';
import { parseAuthorization, signingInput } from './request-signing.js';
import { verifyWith } from './server-keys.js';

/** Nonces remembered at most; past it the oldest go and requests older than them are refused. */
const MAX_NONCES = 200_000;

/**
 * Checks every incoming server-to-server request, in this order: a well-formed X-Presence header,
 * a permitted origin, addressed to this server, signed within the skew window, a nonce not seen
 * in that window, a key the origin publishes (and used before it was rotated out), and finally
 * the Ed25519 signature over the canonical request. Resolves with the origin domain.
 */
export class RequestVerifier {
  readonly #domain: string;
  readonly #guard: FederationGuard;
  readonly #peers: Pick<PeerDirectory, 'keyOf'>;
  readonly #maxSkewMs: number;
  readonly #now: () => number;
  /** nonce key → ts, in arrival order. */
  readonly #seen = new Map<string, number>();
  /** Requests signed before this are refused (the nonces that would catch their replay are gone). */
  #floor = 0;

  constructor(opts: {
    domain: string;
    guard: FederationGuard;
    peers: Pick<PeerDirectory, 'keyOf'>;
    maxSkewMs: number;
    now?: () => number;
  }) {
    this.#domain = opts.domain.toLowerCase();
    this.#guard = opts.guard;
    this.#peers = opts.peers;
    this.#maxSkewMs = opts.maxSkewMs;
    this.#now = opts.now ?? Date.now;
  }

  async verify(req: {
    method: string;
    path: string;
    authorization: string | undefined;
    body: unknown;
  }): Promise<string> {
    const auth = parseAuthorization(req.authorization);
    if (!auth) throw new FederationError('UNSIGNED');
    if (!this.#guard.allowed(auth.origin)) throw new FederationError('DOMAIN_REFUSED');
    if (auth.destination !== this.#domain) throw new FederationError('WRONG_DESTINATION');
    const now = this.#now();
    if (Math.abs(now - auth.ts) > this.#maxSkewMs || auth.ts < this.#floor) {
      throw new FederationError('STALE_REQUEST');
    }
    const nonceKey = `${auth.origin} ${auth.nonce}`;
    if (this.#seen.has(nonceKey)) throw new FederationError('REPLAYED');
    const key = await this.#peers.keyOf(auth.origin, auth.key);
    if (!key) throw new FederationError('UNKNOWN_KEY');
    // A rotated-out key still verifies what it signed before it stopped signing, nothing after.
    if (key.expiredAt !== null && auth.ts > key.expiredAt) throw new FederationError('UNKNOWN_KEY');
    const input = signingInput({
      method: req.method,
      path: req.path,
      origin: auth.origin,
      destination: auth.destination,
      body: req.body,
      ts: auth.ts,
      nonce: auth.nonce,
    });
    if (!verifyWith(key.key, input, auth.sig)) throw new FederationError('BAD_SIGNATURE');
    // Only a verified request spends a nonce: a forger cannot fill the table with valid-looking ones.
    if (this.#seen.has(nonceKey)) throw new FederationError('REPLAYED');
    this.#remember(nonceKey, auth.ts, now);
    return auth.origin;
  }

  #remember(key: string, ts: number, now: number): void {
    this.#seen.set(key, ts);
    if (this.#seen.size <= MAX_NONCES) return;
    for (const [k, t] of this.#seen) {
      if (this.#seen.size <= MAX_NONCES && now - t <= this.#maxSkewMs) break;
      this.#seen.delete(k);
      this.#floor = Math.max(this.#floor, t);
    }
  }
}
