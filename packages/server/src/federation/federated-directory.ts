import { directoryRoom, type DirectoryRoom, type FederatedRooms } from '@presence/protocol';
import { z } from 'zod';
import type { Logger } from '../ops/logger.js';
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
/** A list's JSON text at most (100 rooms of room info fit in well under this). */
const MAX_LIST_CHARS = 512 * 1024;
/** A search waits this long at most for stale lists to be fetched again, then answers from the cache. */
const SEARCH_WAIT_MS = 2_000;

/**
 * The reply to `POST /_federation/v1/directory`: the list as JSON text and a signature over
 * exactly those bytes. Checking the bytes received (not a re-serialization of what this server's
 * schema kept) lets a newer server add fields to its rooms without breaking older peers' checks.
 */
const signedDirectory = z.object({
  list: z.string().min(2).max(MAX_LIST_CHARS),
  key: z.string().min(1).max(64),
  sig: z.string().min(1).max(200),
});
type SignedDirectory = z.infer<typeof signedDirectory>;

/** What the signed text holds. */
const directoryList = z.object({
  server: z.string().min(1).max(253),
  url: z.string().max(2048),
  rooms: z.array(directoryRoom).max(MAX_ROOMS),
  generatedAt: z.number().int(),
});
type DirectoryList = z.infer<typeof directoryList>;

/** A room as shown to this server's clients: its live mark only while the list is fresh. */
function withoutLive({ live: _live, ...room }: DirectoryRoom): DirectoryRoom {
  return room;
}

/**
 * The public rooms of federated servers (FedWave's channels across servers), with the ones whose
 * call or stream is on marked live: each server answers `POST /_federation/v1/directory` with its
 * public rooms, signed with its key (so the list can be checked wherever it is cached); this server
 * asks its known peers every `federationDirectoryRefreshMs`, keeps the lists, and serves searches
 * from the cache. Live marks are only as good as the list is fresh: a list older than
 * `federationDirectoryFreshMs` is fetched again before a search, and until that succeeds its rooms
 * are listed without them (a stream that ended must not look live).
 */
export class FederatedDirectory {
  readonly #domain: string;
  readonly #keys: ServerKeys;
  readonly #peers: Pick<PeerDirectory, 'keyOf' | 'document'>;
  readonly #transport: FederationTransport;
  readonly #guard: FederationGuard;
  readonly #listLocal: () => Promise<DirectoryRoom[]>;
  readonly #known: () => string[];
  readonly #refreshMs: number;
  readonly #freshMs: number;
  readonly #log: Logger | undefined;
  readonly #now: () => number;
  readonly #cache = new Map<string, FederatedRooms>();
  /** Per peer: the fetch in flight, and when the last one was tried (a dead peer is not hammered). */
  readonly #fetching = new Map<string, Promise<void>>();
  readonly #triedAt = new Map<string, number>();
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
    /** This server's public rooms, `live` set on those whose call or stream is on. */
    listLocal: () => Promise<DirectoryRoom[]>;
    /** The domains to ask (the static map's, the allow list's). */
    known: () => string[];
    refreshMs: number;
    /** Live marks of a list older than this are not shown. */
    freshMs: number;
    log?: Logger;
    now?: () => number;
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
    this.#freshMs = deps.freshMs;
    this.#log = deps.log;
    this.#now = deps.now ?? Date.now;
    this.#timer = setInterval(() => void this.refresh(), this.#refreshMs);
    this.#timer.unref();
  }

  /** This server's public rooms, signed (the reply to a peer's request). */
  async publish(): Promise<SignedDirectory> {
    const rooms = (await this.#listLocal()).slice(0, MAX_ROOMS);
    const doc: DirectoryList = {
      server: this.#domain,
      url: this.#publicUrl,
      rooms,
      generatedAt: this.#now(),
    };
    const list = JSON.stringify(doc);
    return { list, key: this.#keys.currentKeyId, sig: this.#keys.sign(CONTEXT + list) };
  }

  /**
   * Rooms of the federated servers matching `query` (by name or topic): lists older than the
   * freshness window are fetched again first (waiting at most 2 s); live rooms come first.
   */
  async list(query: string): Promise<FederatedRooms[]> {
    if (this.#refreshedAt === 0) await this.refresh();
    else await this.#refreshStale();
    const q = query.trim().toLowerCase();
    const now = this.#now();
    const out: FederatedRooms[] = [];
    for (const entry of this.#cache.values()) {
      const fresh = now - entry.fetchedAt <= this.#freshMs;
      const rooms = (
        q
          ? entry.rooms.filter(
              (r) => (r.name ?? '').toLowerCase().includes(q) || r.topic.toLowerCase().includes(q),
            )
          : entry.rooms
      ).map((r) => (fresh ? r : withoutLive(r)));
      // Live rooms first, each list's order otherwise kept.
      rooms.sort((x, y) => Number(y.live !== undefined) - Number(x.live !== undefined));
      if (rooms.length > 0) out.push({ ...entry, rooms });
    }
    return out.sort((a, b) => (a.server < b.server ? -1 : 1));
  }

  /** Ask every known peer for its list now (one refresh at a time). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refreshAll().finally(() => {
      this.#refreshing = undefined;
      this.#refreshedAt = this.#now();
    });
    return this.#refreshing;
  }

  #domains(): string[] {
    return [...new Set(this.#known().map((d) => d.toLowerCase()))].filter(
      (d) => d !== this.#domain && this.#guard.allowed(d),
    );
  }

  async #refreshAll(): Promise<void> {
    await Promise.all(this.#domains().map((d) => this.#fetchOnce(d)));
    const now = this.#now();
    for (const [d, entry] of this.#cache) {
      if (now - entry.fetchedAt > STALE_AFTER_PERIODS * this.#refreshMs) this.#cache.delete(d);
    }
  }

  /** Fetch the lists past the freshness window (not tried within it), waiting a bounded time. */
  async #refreshStale(): Promise<void> {
    const now = this.#now();
    const stale = this.#domains().filter((d) => {
      const entry = this.#cache.get(d);
      if (entry && now - entry.fetchedAt <= this.#freshMs) return false;
      return now - (this.#triedAt.get(d) ?? 0) > this.#freshMs || this.#fetching.has(d);
    });
    if (stale.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const wait = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SEARCH_WAIT_MS);
      timer.unref();
    });
    await Promise.race([Promise.all(stale.map((d) => this.#fetchOnce(d))), wait]);
    clearTimeout(timer);
  }

  /** One fetch per peer at a time. */
  #fetchOnce(domain: string): Promise<void> {
    let fetching = this.#fetching.get(domain);
    if (!fetching) {
      this.#triedAt.set(domain, this.#now());
      fetching = this.#fetch(domain).finally(() => this.#fetching.delete(domain));
      this.#fetching.set(domain, fetching);
    }
    return fetching;
  }

  async #fetch(domain: string): Promise<void> {
    try {
      const signed = signedDirectory.parse(await this.#transport.send(domain, 'directory', {}));
      const key = await this.#peers.keyOf(domain, signed.key);
      if (!key || key.expiredAt !== null || !verifyWith(key.key, CONTEXT + signed.list, signed.sig)) {
        throw new Error('directory signature does not verify');
      }
      const doc = directoryList.parse(JSON.parse(signed.list));
      if (doc.server.toLowerCase() !== domain) throw new Error(`list signed as ${doc.server}`);
      // The web app's address: what the list says, else the peer's federation URL.
      const url = doc.url || (await this.#peers.document(domain)).federationUrl;
      this.#cache.set(domain, {
        server: domain,
        url: url.replace(/\/+$/, ''),
        rooms: doc.rooms,
        fetchedAt: this.#now(),
      });
    } catch (err) {
      // The last good list stays until it is stale (and shows no live marks once not fresh).
      this.#log?.debug({ err, peer: domain }, 'federated directory not refreshed');
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
