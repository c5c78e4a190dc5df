import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Helpers for third-party app tests: a real webhook receiver on loopback, the OAuth consent flow
 * driven over REST (what the consent page does), PKCE, and a stream reader.
 */

export type Json = Record<string, unknown>;

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Status codes to answer with, in order; 200 once they run out. */
  answers: number[];
  close(): Promise<void>;
}

export async function webhookReceiver(path = '/hook'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const answers: number[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      received.push({ headers, body, at: Date.now() });
      res.statusCode = answers.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function api(
  base: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

export async function registerAccount(base: string, name: string): Promise<{ id: string; token: string }> {
  const username = `${name.toLowerCase()}${randomBytes(3).toString('hex')}`;
  const r = await api(base, 'POST', '/api/accounts', null, {
    username,
    password: 'correct horse battery',
    name,
  });
  if (r.status !== 201) throw new Error(`register: ${JSON.stringify(r.body)}`);
  return { id: r.body['userId'] as string, token: r.body['token'] as string };
}

export interface RegisteredApp {
  id: string;
  clientSecret: string;
  signingSecret: string;
  redirectUri: string;
}

export async function registerApp(
  base: string,
  token: string,
  settings: { name: string; webhookUrl?: string | null; redirectUri?: string },
): Promise<RegisteredApp> {
  const redirectUri = settings.redirectUri ?? 'https://app.example/callback';
  const r = await api(base, 'POST', '/api/apps', token, {
    name: settings.name,
    redirectUris: [redirectUri],
    webhookUrl: settings.webhookUrl ?? null,
  });
  if (r.status !== 201) throw new Error(`register app: ${r.status} ${JSON.stringify(r.body)}`);
  return {
    id: (r.body['app'] as Json)['id'] as string,
    clientSecret: r.body['clientSecret'] as string,
    signingSecret: r.body['signingSecret'] as string,
    redirectUri,
  };
}

/** The whole consent flow as a browser and an app backend do it; resolves with the app user id. */
export async function consent(
  base: string,
  app: RegisteredApp,
  userToken: string,
  options: { shareStatus?: boolean } = {},
): Promise<string> {
  const { verifier, challenge } = pkce();
  const state = randomBytes(8).toString('hex');
  const q = {
    response_type: 'code',
    client_id: app.id,
    redirect_uri: app.redirectUri,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  const decided = await api(base, 'POST', '/api/oauth/authorize', userToken, {
    ...q,
    allow: true,
    shareStatus: options.shareStatus ?? false,
  });
  if (decided.status !== 200) throw new Error(`decide: ${decided.status} ${JSON.stringify(decided.body)}`);
  const back = new URL(decided.body['redirect'] as string);
  if (back.searchParams.get('state') !== state) throw new Error('state not returned');
  return exchange(base, app, back.searchParams.get('code') ?? '', verifier);
}

export async function exchange(
  base: string,
  app: RegisteredApp,
  code: string,
  verifier: string,
): Promise<string> {
  const res = await fetch(`${base}/api/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: app.redirectUri,
      client_id: app.id,
      client_secret: app.clientSecret,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await res.json()) as Json;
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  return body['app_user_id'] as string;
}

/** Every update in the webhooks received so far, in order: `[appUserId, state, since, status?]`. */
export function webhookUpdates(r: WebhookReceiver): unknown[][] {
  return r.received.flatMap((w) => JSON.parse(w.body) as unknown[][]);
}

export async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface StreamReader {
  status: number;
  headers: Headers;
  /** Parsed NDJSON lines, or SSE events as {id, event, data}. */
  items: Json[];
  raw(): string;
  ended: Promise<void>;
  close(): void;
}

/** Open the app's stream and collect what comes. */
export async function openStream(
  base: string,
  secret: string,
  options: { cursor?: string; sse?: boolean; lastEventId?: string } = {},
): Promise<StreamReader> {
  const controller = new AbortController();
  const url = `${base}/api/apps/stream${options.cursor !== undefined ? `?cursor=${options.cursor}` : ''}`;
  const res = await fetch(url, {
    headers: {
      authorization: `Bearer ${secret}`,
      ...(options.sse ? { accept: 'text/event-stream' } : {}),
      ...(options.lastEventId !== undefined ? { 'last-event-id': options.lastEventId } : {}),
    },
    signal: controller.signal,
  });
  const items: Json[] = [];
  let text = '';
  let buffer = '';
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const s = decoder.decode(value, { stream: true });
        text += s;
        buffer += s;
        if (options.sse) {
          let i: number;
          while ((i = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            const ev: Json = {};
            for (const l of block.split('\n')) {
              if (l.startsWith(':')) ev['comment'] = l.slice(1).trim();
              const m = /^(id|event|data|retry): ?(.*)$/.exec(l);
              if (m?.[1]) ev[m[1]] = m[1] === 'data' ? JSON.parse(m[2] ?? 'null') : m[2];
            }
            items.push(ev);
          }
        } else {
          let i: number;
          while ((i = buffer.indexOf('\n')) >= 0) {
            const l = buffer.slice(0, i);
            buffer = buffer.slice(i + 1);
            if (l.trim()) items.push(JSON.parse(l) as Json);
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    items,
    raw: () => text,
    ended,
    close: () => controller.abort(),
  };
}
