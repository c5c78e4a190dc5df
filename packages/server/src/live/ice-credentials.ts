import { createHmac } from 'node:crypto';
import type { IceConfig } from '@presence/protocol';

export interface IceOptions {
  stunUrls: string[];
  turnUrls: string[];
  /** coturn's `static-auth-secret`; empty = no TURN. */
  turnSecret: string;
  turnTtlSeconds: number;
}

/**
 * ICE servers for one user: the configured STUN servers plus TURN credentials minted with coturn's
 * shared-secret scheme ("TURN REST API"): username `<unix expiry>:<userId>`, password
 * base64(HMAC-SHA1(secret, username)). coturn checks the HMAC and the expiry itself, so nothing
 * is stored and any node can mint them.
 */
export function iceConfigFor(userId: string, options: IceOptions, now = Date.now()): IceConfig {
  const iceServers: IceConfig['iceServers'] = [];
  if (options.stunUrls.length > 0) iceServers.push({ urls: options.stunUrls });
  if (options.turnUrls.length === 0 || options.turnSecret === '') return { iceServers, expiresAt: null };
  const expiry = Math.floor(now / 1000) + options.turnTtlSeconds;
  const username = `${expiry}:${userId}`;
  const credential = createHmac('sha1', options.turnSecret).update(username).digest('base64');
  iceServers.push({ urls: options.turnUrls, username, credential });
  return { iceServers, expiresAt: expiry * 1000 };
}
