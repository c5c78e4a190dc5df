import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

/** What a session token vouches for. */
export interface SessionClaims {
  userId: string;
  sessionId: string;
  name: string;
  /**
   * Users with a row in the store (accounts, external and service users), never guests: the
   * user's token_version at issue. Such tokens also get a random `jti` so logout can revoke them.
   */
  tokenVersion?: number;
}

/** A verified token: its claims plus what revocation needs. */
export interface VerifiedSessionToken extends SessionClaims {
  /** Present when tokenVersion is. */
  jti?: string;
  /** Expiry in milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * Session tokens: compact JWTs signed with the server secret (HS256). They let a client resume a
 * session, or at least keep its user id, on any connection and (later) any node of the cluster.
 */
export class SessionTokens {
  readonly #key: Uint8Array;
  readonly #issuer: string;
  readonly #ttlSeconds: number;

  constructor(secret: Uint8Array, issuer: string, ttlSeconds: number) {
    this.#key = secret;
    this.#issuer = issuer;
    this.#ttlSeconds = ttlSeconds;
  }

  sign(claims: SessionClaims): Promise<string> {
    const stored = claims.tokenVersion !== undefined;
    const jwt = new SignJWT({
      sid: claims.sessionId,
      name: claims.name,
      typ: 'session',
      ...(stored ? { tv: claims.tokenVersion } : {}),
    });
    if (stored) jwt.setJti(randomUUID());
    return jwt
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setIssuer(this.#issuer)
      .setIssuedAt()
      .setExpirationTime(`${this.#ttlSeconds}s`)
      .sign(this.#key);
  }

  /** The claims of a valid token, or null for a forged, expired, foreign or malformed one. */
  async verify(token: string): Promise<VerifiedSessionToken | null> {
    try {
      const { payload } = await jwtVerify(token, this.#key, { issuer: this.#issuer, algorithms: ['HS256'] });
      const { sub, sid, name, typ, tv, jti, exp } = payload;
      if (
        typeof sub !== 'string' ||
        typeof sid !== 'string' ||
        typeof name !== 'string' ||
        typ !== 'session' ||
        typeof exp !== 'number' ||
        (tv !== undefined && !Number.isSafeInteger(tv)) ||
        (jti !== undefined && typeof jti !== 'string')
      ) {
        return null;
      }
      return {
        userId: sub,
        sessionId: sid,
        name,
        expiresAt: exp * 1000,
        ...(typeof tv === 'number' ? { tokenVersion: tv } : {}),
        ...(jti !== undefined ? { jti } : {}),
      };
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return null;
      throw err;
    }
  }
}
