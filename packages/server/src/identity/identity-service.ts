import type { UserRef } from '@presence/protocol';
import type { AccountStore, StoredUser } from '../store/identity-store.js';
import { externalLocalPart, type ExternalIdentity, type ExternalTokens } from './external-tokens.js';
import { avatarUrl } from './guests.js';
import type { SessionTokens, VerifiedSessionToken } from './session-tokens.js';

/** Who a token names, as far as a hello or a REST call needs to know. */
export interface Identity {
  /** Name and avatar: from the token for guests, from the store for everyone else. */
  user: UserRef;
  /** `remote`: a user of another server, vouched for by it (federation). */
  kind: 'guest' | 'remote' | StoredUser['kind'];
  /** The session a Presence token was issued for; null for an external token. */
  sessionId: string | null;
  /** The stored user's token_version, carried by the tokens issued to them; null for guests. */
  tokenVersion: number | null;
  /** The presented session token's id and expiry, for logout; absent for guests and external tokens. */
  revocable?: { jti: string; expiresAt: number };
}

/** An external subject encodes to at most this many characters (ids are at most 320 in all). */
const MAX_LOCAL_PART = 200;

export function isGuestId(userId: string): boolean {
  return userId.startsWith('~');
}

/** The user as the protocol shows it: a set avatar URL replaces the generated one. */
export function userRefOf(user: StoredUser): UserRef {
  return { id: user.id, name: user.name, avatar: user.avatarUrl ?? avatarUrl(user.id) };
}

/**
 * Users of other servers (federation): an assertion their home server signed opens a session here;
 * the session tokens this server then issues them are its own, and resume like a guest's.
 */
export interface RemoteIdentities {
  isRemote(userId: string): boolean;
  looksLike(token: string): boolean;
  verify(token: string): Promise<UserRef | null>;
}

/**
 * Turns a token from a client into an identity: a Presence session token (guests are taken at
 * their word; stored users must still exist, have the token's version and not have logged it
 * out) or, failing that, a token from the host's account system (the user is created or refreshed
 * from its claims). Null means UNAUTHORIZED. Store failures propagate (STORE_UNAVAILABLE).
 */
export class IdentityService {
  readonly #tokens: SessionTokens;
  readonly #accounts: AccountStore;
  readonly #external: ExternalTokens | null;
  readonly #domain: string;
  readonly #remote: RemoteIdentities | undefined;

  constructor(deps: {
    tokens: SessionTokens;
    accounts: AccountStore;
    external: ExternalTokens | null;
    domain: string;
    remote?: RemoteIdentities | undefined;
  }) {
    this.#remote = deps.remote;
    this.#tokens = deps.tokens;
    this.#accounts = deps.accounts;
    this.#external = deps.external;
    this.#domain = deps.domain;
  }

  async authenticate(token: string): Promise<Identity | null> {
    if (this.#remote?.looksLike(token)) {
      const user = await this.#remote.verify(token);
      return user ? { user, kind: 'remote', sessionId: null, tokenVersion: null } : null;
    }
    const claims = await this.#tokens.verify(token);
    if (claims) return this.#fromSessionToken(claims);
    const external = this.#external ? await this.#external.verify(token) : null;
    return external ? this.#fromExternal(external) : null;
  }

  /** A Presence session token for `user` in session `sessionId`. */
  issue(user: UserRef, sessionId: string, tokenVersion: number | null): Promise<string> {
    return this.#tokens.sign({
      userId: user.id,
      sessionId,
      name: user.name,
      ...(tokenVersion !== null ? { tokenVersion } : {}),
    });
  }

  async #fromSessionToken(claims: VerifiedSessionToken): Promise<Identity | null> {
    if (isGuestId(claims.userId)) {
      const user: UserRef = { id: claims.userId, name: claims.name, avatar: avatarUrl(claims.userId) };
      return { user, kind: 'guest', sessionId: claims.sessionId, tokenVersion: null };
    }
    if (this.#remote?.isRemote(claims.userId)) {
      // Only this server signs its session tokens: it issued this one after verifying an assertion.
      const user: UserRef = { id: claims.userId, name: claims.name, avatar: avatarUrl(claims.userId) };
      return { user, kind: 'remote', sessionId: claims.sessionId, tokenVersion: null };
    }
    const { jti, tokenVersion } = claims;
    if (jti === undefined || tokenVersion === undefined) return null;
    const [user, revoked] = await Promise.all([
      this.#accounts.getUser(claims.userId),
      this.#accounts.isTokenRevoked(jti),
    ]);
    if (!user || revoked || user.tokenVersion !== tokenVersion) return null;
    return {
      user: userRefOf(user),
      kind: user.kind,
      sessionId: claims.sessionId,
      tokenVersion,
      revocable: { jti, expiresAt: claims.expiresAt },
    };
  }

  async #fromExternal(external: ExternalIdentity): Promise<Identity | null> {
    const local = externalLocalPart(external.subject);
    if (local.length > MAX_LOCAL_PART) return null;
    const id = `${local}@${this.#domain}`;
    const user = await this.#accounts.upsertExternalUser({
      id,
      name: external.name ?? local.slice(0, 64),
      avatarUrl: external.avatarUrl,
      now: Date.now(),
    });
    // A local or service user already has this id: the host cannot vouch for them.
    if (user.kind !== 'external') return null;
    return { user: userRefOf(user), kind: 'external', sessionId: null, tokenVersion: user.tokenVersion };
  }
}
