import { z } from 'zod';
import { FederationError } from './federation-errors.js';
import type { PublishedKey } from './server-keys.js';

/** What `/.well-known/presence/server` says: who the server is, where to reach it, its keys. */
export const serverDocument = z.object({
  server: z.string().min(1).max(253),
  federationUrl: z.string().url().max(2048),
  keys: z.record(
    z.string().min(1).max(64),
    z.object({ key: z.string().min(40).max(64), expiredAt: z.number().int().nullable() }),
  ),
});
export type ServerDocument = z.infer<typeof serverDocument>;

export const WELL_KNOWN_PATH = '/.well-known/presence/server';
/** A peer's document is refetched after this (keys rotate; an URL may move). */
const DOC_TTL_MS = 10 * 60_000;
/** An unknown key id triggers a refetch, at most this often per peer (a forger cannot make us poll). */
const REFETCH_MIN_MS = 30_000;
const MAX_PEERS = 10_000;

interface Cached {
  doc: ServerDocument;
  fetchedAt: number;
}

/**
 * Where peers are and which keys they sign with. A static `domain=url` map (tests, private
 * deployments) names the base URL; any other domain is looked up over HTTPS at
 * `https://DOMAIN/.well-known/presence/server`. Documents are cached; concurrent lookups of one
 * domain share one fetch.
 */
export class PeerDirectory {
  readonly #static = new Map<string, string>();
  readonly #cache = new Map<string, Cached>();
  readonly #inFlight = new Map<string, Promise<ServerDocument>>();
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(opts: { peers: readonly string[]; timeoutMs: number; now?: () => number }) {
    for (const entry of opts.peers) {
      const eq = entry.indexOf('=');
      this.#static.set(entry.slice(0, eq).toLowerCase(), entry.slice(eq + 1).replace(/\/+$/, ''));
    }
    this.#timeoutMs = opts.timeoutMs;
    this.#now = opts.now ?? Date.now;
  }

  /** The base URL of `domain`'s federation endpoint. */
  async urlOf(domain: string): Promise<string> {
    return (await this.document(domain)).federationUrl.replace(/\/+$/, '');
  }

  /** The verify key `keyId` of `domain`, refetching once if it is not (yet) known. */
  async keyOf(domain: string, keyId: string): Promise<PublishedKey | undefined> {
    const cached = this.#cache.get(domain);
    const known = (await this.document(domain)).keys[keyId];
    if (known) return known;
    if (cached && this.#now() - cached.fetchedAt < REFETCH_MIN_MS) return undefined;
    return (await this.document(domain, true)).keys[keyId];
  }

  async document(domain: string, refresh = false): Promise<ServerDocument> {
    const cached = this.#cache.get(domain);
    if (cached && !refresh && this.#now() - cached.fetchedAt < DOC_TTL_MS) return cached.doc;
    const inFlight = this.#inFlight.get(domain);
    if (inFlight) return inFlight;
    const fetching = this.#fetch(domain).finally(() => this.#inFlight.delete(domain));
    this.#inFlight.set(domain, fetching);
    return fetching;
  }

  /** Forget what is cached about `domain` (its server restarted with another address, a test). */
  forget(domain: string): void {
    this.#cache.delete(domain);
  }

  async #fetch(domain: string): Promise<ServerDocument> {
    const base = this.#static.get(domain) ?? `https://${domain}`;
    let doc: ServerDocument;
    try {
      const res = await fetch(base + WELL_KNOWN_PATH, { signal: AbortSignal.timeout(this.#timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      doc = serverDocument.parse(await res.json());
    } catch (err) {
      throw new FederationError('PEER_UNREACHABLE', `${domain}: ${(err as Error).message}`.slice(0, 300));
    }
    if (doc.server.toLowerCase() !== domain) {
      throw new FederationError('PEER_UNREACHABLE', `${base} says it is ${doc.server}, not ${domain}`);
    }
    // A static entry is configuration: it wins over what the document says about its address.
    const fixed = this.#static.get(domain);
    if (fixed) doc = { ...doc, federationUrl: fixed };
    if (this.#cache.size >= MAX_PEERS && !this.#cache.has(domain)) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(domain, { doc, fetchedAt: this.#now() });
    return doc;
  }
}
