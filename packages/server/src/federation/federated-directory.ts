import { roomInfo, type FederatedRooms, type RoomInfo } from '@presence/protocol';
import { z } from 'zod';
import type { Logger } from '../ops/logger.js';
import { canonicalJson } from './canonical-json.js';
import type { FederationGuard } from './federation-guard.js';
import type { FederationTransport } from './federation-transport.js';
import type { PeerDirectory } from './peer-directory.js';
import { verifyWith, type ServerKeys } from './server-keys.js';

/** Signed with this in front, so a directory can never pass for another signed thing. */
const CONTEXT = 'presence-directory\n';
/** Rooms one server lists at most. */
const MAX_ROOMS = 100;
/** A list not refreshed for this many refresh periods is dropped (its server is gone). */
const STALE_AFTER_PERIODS = 6;

const signedDirectory = z.object({
  server: z.string().min(1).max(253),
  url: z.string().max(2048),
  rooms: z.array(roomInfo).max(MAX_ROOMS),
  generatedAt: z.number().int(),
  key: z.string().min(1).max(64),
  sig: z.string().min(1).max(200),
});
type SignedDirectory = z.infer<typeof signedDirectory>;

/**
 * The public rooms of federated servers (FedWave's channels across servers): each server answers
 * `POST /_federation/v1/directory` with its public rooms, signed with its key (so the list can be
 * checked wherever it is cached); this server asks its known peers every
 * `federationDirectoryRefreshMs`, keeps the lists, and serves searches from the cache.
 */
export class FederatedDirectory {
  readonly #domain: string;
  readonly #keys: ServerKeys;
  readonly #peers: Pick<PeerDirectory, 'keyOf' | 'document'>;
  readonly #transport: FederationTransport;
  readonly #guard: FederationGuard;
  readonly #listLocal: () => Promise<RoomInfo[]>;
  readonly #known: () => string[];
  readonly #refreshMs: number;
  readonly #log: Logger | undefined;
  readonly #cache = new Map<string, FederatedRooms>();
  readonly #timer: NodeJS.Timeout;
  #refreshing: Promise<void> | undefined;
  #refreshedAt = 0;
  readonly #publicUrl: string;

  constructor(deps: {
    domain: string;
    publicUrl: string;
    keys: ServerKeys;
    peers: Pick<PeerDirectory, 'keyOf' | 'document'>;
    transport: FederationTransport;
    guard: FederationGuard;
    listLocal: () => Promise<RoomInfo[]>;
    /** The domains to ask (the static map's, the allow list's). */
    known: () => string[];
    refreshMs: number;
    log?: Logger;
  }) {
    this.#domain = deps.domain.toLowerCase();
    this.#publicUrl = deps.publicUrl;
    this.#keys = deps.keys;
    this.#peers = deps.peers;
    this.#transport = deps.transport;
    this.#guard = deps.guard;
    this.#listLocal = deps.listLocal;
    this.#known = deps.known;
    this.#refreshMs = deps.refreshMs;
    this.#log = deps.log;
    this.#timer = setInterval(() => void this.refresh(), this.#refreshMs);
    this.#timer.unref();
  }

  /** This server's public rooms, signed (the reply to a peer's request). */
  async publish(): Promise<SignedDirectory> {
    const rooms = (await this.#listLocal()).slice(0, MAX_ROOMS);
    const doc = {
      server: this.#domain,
      url: this.#publicUrl,
      rooms,
      generatedAt: Date.now(),
      key: this.#keys.currentKeyId,
    };
    return { ...doc, sig: this.#keys.sign(CONTEXT + canonicalJson(doc)) };
  }

  /** Rooms of the federated servers matching `query` (by name or topic), fetched first if never yet. */
  async list(query: string): Promise<FederatedRooms[]> {
    if (this.#refreshedAt === 0) await this.refresh();
    const q = query.trim().toLowerCase();
    const out: FederatedRooms[] = [];
    for (const entry of this.#cache.values()) {
      const rooms = q
        ? entry.rooms.filter(
            (r) => (r.name ?? '').toLowerCase().includes(q) || r.topic.toLowerCase().includes(q),
          )
        : entry.rooms;
      if (rooms.length > 0) out.push({ ...entry, rooms });
    }
    return out.sort((a, b) => (a.server < b.server ? -1 : 1));
  }

  /** Ask every known peer for its list now (one refresh at a time). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refreshAll().finally(() => {
      this.#refreshing = undefined;
      this.#refreshedAt = Date.now();
    });
    return this.#refreshing;
  }

  async #refreshAll(): Promise<void> {
    const domains = [...new Set(this.#known().map((d) => d.toLowerCase()))].filter(
      (d) => d !== this.#domain && this.#guard.allowed(d),
    );
    await Promise.all(domains.map((d) => this.#fetch(d)));
    const now = Date.now();
    for (const [d, entry] of this.#cache) {
      if (now - entry.fetchedAt > STALE_AFTER_PERIODS * this.#refreshMs) this.#cache.delete(d);
    }
  }

  async #fetch(domain: string): Promise<void> {
    try {
      const doc = signedDirectory.parse(await this.#transport.send(domain, 'directory', {}));
      if (doc.server.toLowerCase() !== domain) throw new Error(`list signed as ${doc.server}`);
      const key = await this.#peers.keyOf(domain, doc.key);
      const { sig, ...signed } = doc;
      if (!key || key.expiredAt !== null || !verifyWith(key.key, CONTEXT + canonicalJson(signed), sig)) {
        throw new Error('directory signature does not verify');
      }
      // The web app's address: what the list says, else the peer's federation URL.
      const url = doc.url || (await this.#peers.document(domain)).federationUrl;
      this.#cache.set(domain, {
        server: domain,
        url: url.replace(/\/+$/, ''),
        rooms: doc.rooms,
        fetchedAt: Date.now(),
      });
    } catch (err) {
      // The last good list stays until it is stale.
      this.#log?.debug({ err, peer: domain }, 'federated directory not refreshed');
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
