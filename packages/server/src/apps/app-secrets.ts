import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The secrets of third-party apps and the pseudonymous ids they see. Only hashes of client
 * secrets and codes are stored; the webhook signing secret is kept (it is needed to sign).
 */

/** `app_` + 16 random characters: public, goes in URLs (client_id). */
export function newAppId(): string {
  return `app_${randomBytes(12).toString('base64url')}`;
}

/** `pas_<appId>.<random>`: the app id travels in the secret, so one lookup finds the app. */
export function newClientSecret(appId: string): string {
  return `pas_${appId}.${randomBytes(32).toString('base64url')}`;
}

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** A single-use authorization code. */
export function newCode(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** The app id a client secret names, or null when it is not shaped like one. */
export function appIdOfSecret(secret: string): string | null {
  const m = /^pas_(app_[A-Za-z0-9_-]{16})\.[A-Za-z0-9_-]{43}$/.exec(secret);
  return m?.[1] ?? null;
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function secretMatches(secret: string, hash: string): boolean {
  const a = Buffer.from(sha256(secret));
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The id an app knows a user by: HMAC-SHA256 of the server secret over the app id and the user
 * id, base64url. Stable for one (app, user), unlinkable across apps without the server secret, and
 * never the user id itself. The separator cannot occur in an app id, so pairs cannot collide.
 */
export function appUserId(serverSecret: Uint8Array, appId: string, userId: string): string {
  return createHmac('sha256', serverSecret)
    .update(`presence-app-user\n${appId}\n${userId}`)
    .digest('base64url');
}

/** PKCE S256 (RFC 7636): the challenge is base64url(sha256(verifier)). */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false;
  const a = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
