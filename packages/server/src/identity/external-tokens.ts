import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';

/**
 * How the host's account system signs its tokens, and where to find who they name. The names are
 * the configuration's (ops/config-options.ts), so the Config itself can be passed.
 */
export interface ExternalTokenOptions {
  /** HS256 secret shared with the host; empty = not accepted. */
  authSharedSecret: string;
  /** JWKS URL for RS256 / ES256 / EdDSA keys; empty = not accepted. */
  authJwksUrl: string;
  /** Required `iss`; empty = not checked. */
  authIssuer: string;
  /** Required `aud` (one of, when the token lists several); empty = not checked. */
  authAudience: string;
  authClaimUserId: string;
  authClaimName: string;
  /** Empty = ignore avatars from tokens. */
  authClaimAvatar: string;
}

/** Who an external token vouches for. */
export interface ExternalIdentity {
  subject: string;
  name: string | null;
  avatarUrl: string | null;
}

const ASYMMETRIC = ['RS256', 'ES256', 'EdDSA', 'Ed25519'];
const MAX_SUBJECT = 200;
const MAX_AVATAR_URL = 2048;

/**
 * Verifies JWTs issued by the host site's own account system (not by Presence): HS256 with a
 * shared secret and/or asymmetric keys published as a JWKS. Expiry is required, issuer and
 * audience are checked when configured, and the claims are read under configurable names.
 */
export class ExternalTokens {
  /** Where the user id, name and avatar are in a token's payload. */
  readonly #claims: { userId: string; name: string; avatar: string };
  readonly #verify: JWTVerifyOptions;
  readonly #key: JWTVerifyGetKey;
  readonly #warn: (err: unknown) => void;

  constructor(options: ExternalTokenOptions, warn: (err: unknown) => void) {
    this.#claims = {
      userId: options.authClaimUserId,
      name: options.authClaimName,
      avatar: options.authClaimAvatar,
    };
    this.#warn = warn;
    const secret = options.authSharedSecret ? new TextEncoder().encode(options.authSharedSecret) : null;
    const jwks = options.authJwksUrl ? createRemoteJWKSet(new URL(options.authJwksUrl)) : null;
    const algorithms = [...(secret ? ['HS256'] : []), ...(jwks ? ASYMMETRIC : [])];
    this.#verify = {
      algorithms,
      requiredClaims: ['exp'],
      ...(options.authIssuer ? { issuer: options.authIssuer } : {}),
      ...(options.authAudience ? { audience: options.authAudience } : {}),
    };
    // `algorithms` has already refused anything not configured; pick the key by the header's alg.
    this.#key = async (header, token) => {
      if (header.alg === 'HS256' && secret) return secret;
      if (jwks) return jwks(header, token);
      throw new joseErrors.JOSEAlgNotAllowed('no key for this algorithm');
    };
  }

  /** True when at least one way of verifying is configured. */
  static enabled(options: Pick<ExternalTokenOptions, 'authSharedSecret' | 'authJwksUrl'>): boolean {
    return options.authSharedSecret !== '' || options.authJwksUrl !== '';
  }

  /** The identity in a valid token, or null for anything else (forged, expired, foreign, malformed). */
  async verify(token: string): Promise<ExternalIdentity | null> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#key, this.#verify));
    } catch (err) {
      // A JWKS endpoint that is unreachable or answers garbage is the operator's problem and worth
      // a log line; a token that simply fails verification is the client's, and is not.
      if (isKeySourceFailure(err)) this.#warn(err);
      return null;
    }
    const subject = claimText(payload[this.#claims.userId]);
    if (subject === null || subject.length > MAX_SUBJECT) return null;
    return {
      subject,
      name: cleanName(payload[this.#claims.name]),
      avatarUrl: this.#claims.avatar ? cleanAvatar(payload[this.#claims.avatar]) : null,
    };
  }
}

function isKeySourceFailure(err: unknown): boolean {
  if (!(err instanceof joseErrors.JOSEError)) return true;
  // jose reports a non-200 or non-JSON JWKS response as a plain JOSEError.
  return (
    err instanceof joseErrors.JWKSTimeout ||
    err instanceof joseErrors.JWKSInvalid ||
    err.constructor === joseErrors.JOSEError
  );
}

function claimText(v: unknown): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return typeof v === 'string' && v !== '' ? v : null;
}

/** A display name as the protocol allows it: no control characters, at most 64 characters. */
function cleanName(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const name = [...v.replace(/\p{Cc}/gu, ' ').trim()].slice(0, 64).join('').trim();
  return name === '' ? null : name;
}

/** Only http(s) URLs: the avatar ends up in an <img src>, and javascript: or data: must not. */
function cleanAvatar(v: unknown): string | null {
  if (typeof v !== 'string' || v.length > MAX_AVATAR_URL) return null;
  try {
    const url = new URL(v);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}

/**
 * The local part of an external user's id: letters, digits, `.`, `_` and `-` stay, everything else
 * is percent-encoded (UTF-8), so distinct subjects never share an id and the id has exactly one
 * `@` and never starts with the guests' `~`.
 */
export function externalLocalPart(subject: string): string {
  return Array.from(new TextEncoder().encode(subject), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9._-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}
