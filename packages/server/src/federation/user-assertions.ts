import { randomBytes } from 'node:crypto';
import { PresenceError, userRef, type UserRef } from '@presence/protocol';
import { z } from 'zod';
import type { RemoteIdentities } from '../identity/identity-service.js';
import { canonicalJson } from './canonical-json.js';
import { domainOf, type FederationGuard } from './federation-guard.js';
import type { PeerDirectory } from './peer-directory.js';
import { verifyWith, type ServerKeys } from './server-keys.js';

/** How long an assertion may be used: long enough to connect, too short to be worth stealing. */
export const ASSERTION_TTL_MS = 60_000;
const PREFIX = 'fed1.';
/** Signed with this in front, so an assertion can never pass for a signed request or vice versa. */
const CONTEXT = 'presence-user-assertion\n';
const MAX_SEEN = 100_000;

const claimsSchema = z.object({
  iss: z.string().min(1).max(253),
  aud: z.string().min(1).max(253),
  sub: z.string().min(3).max(320),
  name: userRef.shape.name,
  avatar: userRef.shape.avatar,
  exp: z.number().int(),
  jti: z.string().min(8).max(64),
  key: z.string().min(1).max(64),
});

/**
 * Vouching for users on other servers: the home server signs a short-lived assertion (issuer,
 * audience, user id, name, avatar, expiry, a one-time id) with its federation key; the room's
 * server verifies it with the issuer's published key and opens a session as that user. Each
 * assertion is accepted once, for the audience it names, before it expires.
 */
export class UserAssertions implements RemoteIdentities {
  readonly #domain: string;
  readonly #keys: ServerKeys;
  readonly #peers: Pick<PeerDirectory, 'keyOf'>;
  readonly #guard: FederationGuard;
  readonly #now: () => number;
  readonly #seen = new Map<string, number>();

  constructor(opts: {
    domain: string;
    keys: ServerKeys;
    peers: Pick<PeerDirectory, 'keyOf'>;
    guard: FederationGuard;
    now?: () => number;
  }) {
    this.#domain = opts.domain.toLowerCase();
    this.#keys = opts.keys;
    this.#peers = opts.peers;
    this.#guard = opts.guard;
    this.#now = opts.now ?? Date.now;
  }

  isRemote(userId: string): boolean {
    const d = domainOf(userId);
    return d !== '' && d !== this.#domain;
  }

  /** An assertion that `user` (ours) is who they are, for `audience`. */
  issue(user: UserRef, audience: string): { assertion: string; expiresAt: number } {
    const aud = audience.toLowerCase();
    if (this.isRemote(user.id) || user.id.startsWith('~')) {
      throw new PresenceError('FORBIDDEN', 'Only users with an account here can be vouched for.');
    }
    if (aud === this.#domain || !this.#guard.allowed(aud)) throw new PresenceError('SERVER_UNAVAILABLE');
    const exp = this.#now() + ASSERTION_TTL_MS;
    const claims = {
      iss: this.#domain,
      aud,
      sub: user.id,
      name: user.name,
      avatar: user.avatar,
      exp,
      jti: randomBytes(12).toString('base64url'),
      key: this.#keys.currentKeyId,
    };
    const json = canonicalJson(claims);
    const sig = this.#keys.sign(CONTEXT + json);
    return { assertion: `${PREFIX}${Buffer.from(json).toString('base64url')}.${sig}`, expiresAt: exp };
  }

  looksLike(token: string): boolean {
    return token.startsWith(PREFIX);
  }

  /** The user an assertion vouches for, or null (forged, expired, replayed, not for us, denied). */
  async verify(token: string): Promise<UserRef | null> {
    const [body, sig, ...rest] = token.slice(PREFIX.length).split('.');
    if (!body || !sig || rest.length > 0) return null;
    let claims: z.infer<typeof claimsSchema>;
    try {
      claims = claimsSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    } catch {
      return null;
    }
    const now = this.#now();
    if (claims.aud.toLowerCase() !== this.#domain) return null;
    if (!this.#guard.allowed(claims.iss) || domainOf(claims.sub) !== claims.iss.toLowerCase()) return null;
    if (claims.exp <= now || claims.exp - now > ASSERTION_TTL_MS) return null;
    const seenKey = `${claims.iss} ${claims.jti}`;
    if (this.#seen.has(seenKey)) return null;
    const key = await this.#peers.keyOf(claims.iss.toLowerCase(), claims.key).catch(() => undefined);
    if (!key || (key.expiredAt !== null && claims.exp - ASSERTION_TTL_MS > key.expiredAt)) return null;
    if (!verifyWith(key.key, CONTEXT + canonicalJson(claims), sig)) return null;
    if (this.#seen.has(seenKey)) return null;
    this.#remember(seenKey, claims.exp, now);
    return { id: claims.sub, name: claims.name, avatar: claims.avatar };
  }

  #remember(key: string, exp: number, now: number): void {
    this.#seen.set(key, exp);
    if (this.#seen.size <= MAX_SEEN) return;
    for (const [k, e] of this.#seen) {
      if (e > now && this.#seen.size <= MAX_SEEN) break;
      this.#seen.delete(k);
    }
  }
}
