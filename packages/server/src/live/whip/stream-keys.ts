import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { PresenceError, type StreamKeyView } from '@presence/protocol';
import { randomId } from '../../shared/random-id.js';
import type { Store } from '../../store/store.js';
import type { StoredStreamKey } from '../../store/stream-key-store.js';

/**
 * WHIP stream keys: bearer secrets that let an encoder (OBS) publish into one room as its source.
 * Shaped like service keys (`psk_`): 32 random bytes in base64url behind a recognisable prefix
 * (`pwk_`, for secret scanners), only the SHA-256 stored (a long random secret needs no stretching).
 */
export const STREAM_KEY_PREFIX = 'pwk_';
const KEY_SHAPE = /^pwk_[A-Za-z0-9_-]{43}$/;
/** Keys per room, revoked ones included (a bound on what a room's admins can pile up). */
export const MAX_STREAM_KEYS_PER_ROOM = 50;

export function hashStreamKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function newSecret(): string {
  return STREAM_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** The paths of a room's WHIP and WHEP endpoints (relative to the server's origin). */
export const whipPath = (roomId: string): string => `/whip/rooms/${encodeURIComponent(roomId)}`;
export const whepPath = (roomId: string): string => `/whep/rooms/${encodeURIComponent(roomId)}`;

export interface IssuedStreamKey {
  key: StreamKeyView;
  secret: string;
  whipPath: string;
}

/**
 * Create, list, rotate and revoke a room's stream keys (owners and admins of a persistent room),
 * and verify a presented key. `isLive` says whether a WHIP source uses a key now; `onCut` is told
 * when a key stops working, so the source using it is cut at once.
 */
export class StreamKeyService {
  readonly #store: Store;
  #isLive: (keyId: string) => boolean = () => false;
  #onCut: (keyId: string) => void = () => undefined;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Wire the WHIP sessions in (they are built after this service). */
  attach(hooks: { isLive: (keyId: string) => boolean; onCut: (keyId: string) => void }): void {
    this.#isLive = hooks.isLive;
    this.#onCut = hooks.onCut;
  }

  view(k: StoredStreamKey): StreamKeyView {
    return {
      id: k.id,
      name: k.displayName,
      createdAt: k.createdAt,
      createdBy: k.createdBy,
      revokedAt: k.revokedAt,
      live: this.#isLive(k.id),
    };
  }

  /** Owners and admins only (`userId` null = the operator: `presence admin` or the service API). */
  async #authorize(roomId: string, userId: string | null): Promise<void> {
    const room = await this.#store.getRoom(roomId);
    if (!room) throw new PresenceError('ROOM_NOT_FOUND', 'Stream keys need a persistent room.');
    if (userId === null) return;
    const member = await this.#store.getMember(roomId, userId);
    if (!member) throw new PresenceError('NOT_IN_ROOM');
    if (member.role !== 'owner' && member.role !== 'admin')
      throw new PresenceError('FORBIDDEN', 'Only owners and admins manage stream keys.');
  }

  async #owned(roomId: string, keyId: string): Promise<StoredStreamKey> {
    const key = await this.#store.streamKeys.getStreamKey(keyId);
    if (!key || key.roomId !== roomId) throw new PresenceError('STREAM_KEY_NOT_FOUND');
    return key;
  }

  async create(
    roomId: string,
    userId: string | null,
    name: string,
    now = Date.now(),
  ): Promise<IssuedStreamKey> {
    await this.#authorize(roomId, userId);
    const existing = await this.#store.streamKeys.listStreamKeys(roomId);
    if (existing.length >= MAX_STREAM_KEYS_PER_ROOM)
      throw new PresenceError(
        'LIMIT_EXCEEDED',
        `A room has at most ${MAX_STREAM_KEYS_PER_ROOM} stream keys.`,
      );
    const secret = newSecret();
    const record: StoredStreamKey = {
      id: `wk_${randomId(12)}`,
      roomId,
      displayName: name.trim().slice(0, 64),
      keyHash: hashStreamKey(secret),
      createdBy: userId ?? 'operator',
      createdAt: now,
      revokedAt: null,
    };
    await this.#store.streamKeys.createStreamKey(record);
    return { key: this.view(record), secret, whipPath: whipPath(roomId) };
  }

  async list(roomId: string, userId: string | null): Promise<StreamKeyView[]> {
    await this.#authorize(roomId, userId);
    return (await this.#store.streamKeys.listStreamKeys(roomId)).map((k) => this.view(k));
  }

  async rotate(roomId: string, userId: string | null, keyId: string): Promise<IssuedStreamKey> {
    await this.#authorize(roomId, userId);
    const key = await this.#owned(roomId, keyId);
    if (key.revokedAt !== null) throw new PresenceError('STREAM_KEY_NOT_FOUND', 'That key is revoked.');
    const secret = newSecret();
    const keyHash = hashStreamKey(secret);
    if (!(await this.#store.streamKeys.replaceStreamKeyHash(keyId, keyHash)))
      throw new PresenceError('STREAM_KEY_NOT_FOUND');
    this.#onCut(keyId);
    return { key: this.view({ ...key, keyHash }), secret, whipPath: whipPath(roomId) };
  }

  async revoke(
    roomId: string,
    userId: string | null,
    keyId: string,
    now = Date.now(),
  ): Promise<StreamKeyView> {
    await this.#authorize(roomId, userId);
    const key = await this.#owned(roomId, keyId);
    await this.#store.streamKeys.revokeStreamKey(keyId, now);
    this.#onCut(keyId);
    return this.view({ ...key, revokedAt: key.revokedAt ?? now });
  }

  /** The working key a presented secret is (of whichever room), or null (malformed, unknown, revoked). */
  async verify(presented: string): Promise<StoredStreamKey | null> {
    if (!KEY_SHAPE.test(presented)) return null;
    const hash = hashStreamKey(presented);
    const record = await this.#store.streamKeys.findStreamKeyByHash(hash);
    if (!record || record.revokedAt !== null) return null;
    const a = Buffer.from(record.keyHash, 'utf8');
    const b = Buffer.from(hash, 'utf8');
    if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
    return record;
  }

  /** Whether a key still works (for sessions checking theirs; cluster nodes revoke elsewhere). */
  async stillValid(keyId: string, keyHash: string): Promise<boolean> {
    const record = await this.#store.streamKeys.getStreamKey(keyId);
    return record !== undefined && record.revokedAt === null && record.keyHash === keyHash;
  }
}
