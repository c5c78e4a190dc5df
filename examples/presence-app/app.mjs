#!/usr/bin/env node
// A small third-party app for Presence (docs/apps.md), with nothing but Node and `standardwebhooks`:
// it registers itself, sends people through Presence's consent page, and prints the presence of
// those who allowed it, as it arrives by webhook and by stream. One JSON object per output line.
//
//   PRESENCE_URL=http://127.0.0.1:7880 PRESENCE_TOKEN=<a session token or service key> node app.mjs
//   then open http://127.0.0.1:<port>/login (printed on start) in a browser.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const PRESENCE = process.env.PRESENCE_URL ?? 'http://127.0.0.1:7880';
const TOKEN = process.env.PRESENCE_TOKEN ?? '';
const PORT = Number(process.env.PORT ?? 0);

const say = (what) => process.stdout.write(`${JSON.stringify(what)}\n`);
const b64url = (buf) => buf.toString('base64url');

/** Pending logins: state → PKCE verifier (a real app keeps these in the user's session). */
const pending = new Map();
/** App user id → what we last heard. */
const people = new Map();
let app; // { id, clientSecret, signingSecret }
let base = '';

async function presence(method, path, body, auth = `Bearer ${TOKEN}`) {
  const res = await fetch(`${PRESENCE}${path}`, {
    method,
    headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function heard(via, appUserId, state, since, status) {
  people.set(appUserId, { state, since, status });
  say({ event: via, user: appUserId, state, since, ...(status ? { status } : {}) });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', base);
  try {
    if (req.method === 'GET' && url.pathname === '/login') {
      // 1. Send the browser to the consent page with PKCE (S256) and a state.
      const verifier = b64url(randomBytes(32));
      const state = b64url(randomBytes(16));
      pending.set(state, verifier);
      const to = new URL('/oauth/authorize', PRESENCE);
      to.search = new URLSearchParams({
        response_type: 'code',
        client_id: app.id,
        redirect_uri: `${base}/callback`,
        state,
        code_challenge: b64url(createHash('sha256').update(verifier).digest()),
        code_challenge_method: 'S256',
      }).toString();
      res.writeHead(302, { location: to.toString() }).end();
    } else if (req.method === 'GET' && url.pathname === '/callback') {
      // 2. Back from the consent page: check the state, exchange the code (once) for the app user id.
      const verifier = pending.get(url.searchParams.get('state') ?? '');
      pending.delete(url.searchParams.get('state') ?? '');
      if (!verifier || url.searchParams.get('error')) {
        res
          .writeHead(400, { 'content-type': 'text/plain' })
          .end(`Not connected: ${url.searchParams.get('error') ?? 'bad state'}`);
        return;
      }
      const token = await fetch(`${PRESENCE}/api/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: url.searchParams.get('code') ?? '',
          redirect_uri: `${base}/callback`,
          client_id: app.id,
          client_secret: app.clientSecret,
          code_verifier: verifier,
        }),
      }).then((r) => r.json());
      say({ event: 'connected', user: token.app_user_id });
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>Connected</title><h1>Connected to Presence</h1>');
    } else if (req.method === 'POST' && url.pathname === '/webhook') {
      // 3a. Webhooks: verify the Standard Webhooks signature, then read the batch.
      let body = '';
      for await (const chunk of req) body += chunk;
      try {
        new Webhook(app.signingSecret).verify(body, req.headers);
      } catch {
        res.writeHead(401).end();
        return;
      }
      for (const [user, state, since, status] of JSON.parse(body))
        heard('webhook', user, state, since, status);
      res.writeHead(204).end();
    } else if (req.method === 'GET' && url.pathname === '/people') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(Object.fromEntries(people)));
    } else res.writeHead(404).end();
  } catch (err) {
    say({ event: 'error', message: String(err) });
    res.writeHead(500).end();
  }
});

/** 3b. The stream: NDJSON, resumed from the last cursor after any disconnect. */
async function follow() {
  let cursor = null;
  for (;;) {
    try {
      const res = await fetch(`${PRESENCE}/api/apps/stream${cursor ? `?cursor=${cursor}` : '?cursor=0'}`, {
        headers: { authorization: `Bearer ${app.clientSecret}` },
      });
      if (res.status === 410) cursor = null; // older than the server keeps: start over
      if (!res.ok || !res.body) throw new Error(`stream: ${res.status}`);
      let buffer = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = JSON.parse(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
          if (line.type === 'presence') {
            cursor = line.cursor;
            heard('stream', line.user, line.state, line.since, line.status);
          } else if (line.type === 'replaced') return;
        }
      }
    } catch (err) {
      say({ event: 'stream-retry', message: String(err) });
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

server.listen(PORT, '127.0.0.1', async () => {
  base = `http://127.0.0.1:${server.address().port}`;
  // Register (a real app does this once, by hand or with `presence admin apps create`).
  const made = await presence('POST', '/api/apps', {
    name: process.env.APP_NAME ?? 'Example presence app',
    redirectUris: [`${base}/callback`],
    webhookUrl: `${base}/webhook`,
  });
  app = { id: made.app.id, clientSecret: made.clientSecret, signingSecret: made.signingSecret };
  say({ event: 'ready', login: `${base}/login`, app: app.id });
  void follow();
});
