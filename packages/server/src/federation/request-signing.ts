import { randomBytes } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { ServerKeys } from './server-keys.js';

/** What a server-to-server request signs: the five fields, plus a time and a nonce. */
export interface SignedFields {
  method: string;
  path: string;
  origin: string;
  destination: string;
  body: unknown;
  /** Milliseconds since the epoch when signed (requests outside the skew window are refused). */
  ts: number;
  /** Random, once per request: a repeat within the window is a replay. */
  nonce: string;
}

export interface Authorization {
  origin: string;
  destination: string;
  key: string;
  ts: number;
  nonce: string;
  sig: string;
}

/** The exact bytes signed (canonical JSON of every signed field). */
export function signingInput(f: SignedFields): string {
  return canonicalJson({
    method: f.method.toUpperCase(),
    path: f.path,
    origin: f.origin,
    destination: f.destination,
    body: f.body ?? null,
    ts: f.ts,
    nonce: f.nonce,
  });
}

/**
 * Sign a request: the value of its `Authorization` header,
 * `X-Presence origin="a.test",destination="b.test",key="ed25519:…",ts="…",nonce="…",sig="…"`.
 */
export function authorize(
  keys: ServerKeys,
  req: { method: string; path: string; origin: string; destination: string; body: unknown },
  now = Date.now(),
): string {
  const fields: SignedFields = { ...req, ts: now, nonce: randomBytes(12).toString('base64url') };
  const sig = keys.sign(signingInput(fields));
  return (
    `X-Presence origin="${req.origin}",destination="${req.destination}",key="${keys.currentKeyId}",` +
    `ts="${fields.ts}",nonce="${fields.nonce}",sig="${sig}"`
  );
}

const PARAM = /([a-z]+)="([^"]{1,512})"/g;

/** Parse an `X-Presence …` header; null when it is not one (or a field is missing). */
export function parseAuthorization(header: string | undefined): Authorization | null {
  if (!header || header.length > 4096 || !header.startsWith('X-Presence ')) return null;
  const params = new Map<string, string>();
  for (const m of header.slice(11).matchAll(PARAM)) if (m[1] && m[2]) params.set(m[1], m[2]);
  const [origin, destination, key, ts, nonce, sig] = [
    'origin',
    'destination',
    'key',
    'ts',
    'nonce',
    'sig',
  ].map((k) => params.get(k));
  if (!origin || !destination || !key || !ts || !nonce || !sig || !/^\d{1,15}$/.test(ts)) return null;
  return {
    origin: origin.toLowerCase(),
    destination: destination.toLowerCase(),
    key,
    ts: Number(ts),
    nonce,
    sig,
  };
}
