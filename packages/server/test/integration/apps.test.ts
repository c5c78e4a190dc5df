import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient } from '../../../../test/raw-client.js';
import {
  api,
  consent,
  exchange,
  openStream,
  pkce,
  registerAccount,
  registerApp,
  until,
  webhookReceiver,
  webhookUpdates,
  type Json,
  type WebhookReceiver,
} from '../../../../test/app-kit.js';

const GRACE_MS = 300;
const INTERVAL_MS = 250;

let srv: TestServer;
let hooks: WebhookReceiver;
/** Every body any app received, by webhook or stream: no real user id may be in any of them. */
const payloads: string[] = [];

before(async () => {
  hooks = await webhookReceiver();
  srv = await startTestServer({
    sessionGraceMs: GRACE_MS,
    presenceCoalesceMs: 20,
    presenceIdleMs: 60_000,
    appsWebhookIntervalMs: INTERVAL_MS,
    appsWebhookBatchSize: 50,
    appsAllowPrivateWebhooks: true,
    appsStreamHeartbeatMs: 300,
  });
});
after(async () => {
  await srv.close();
  await hooks.close();
});

async function online(token: string, name = 'Ann'): Promise<RawClient> {
  const c = await RawClient.ws(srv.wsUrl);
  await c.hello(name, { token });
  return c;
}

test('consent: exact redirect URI, state back, PKCE S256, a code works once; the app user id is per app', async () => {
  const dev = await registerAccount(srv.httpUrl, 'Dev');
  const ann = await registerAccount(srv.httpUrl, 'Ann');
  const app = await registerApp(srv.httpUrl, dev.token, { name: 'Calendar' });
  const { verifier, challenge } = pkce();
  const q = {
    response_type: 'code',
    client_id: app.id,
    redirect_uri: app.redirectUri,
    state: 'xyz',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  const info = await api(srv.httpUrl, 'GET', `/api/oauth/authorize?${new URLSearchParams(q)}`, ann.token);
  assert.equal(info.status, 200);
  assert.deepEqual(info.body['app'], { id: app.id, name: 'Calendar' });
  // Not exactly the registered URI: refused, never redirected to.
  for (const redirect_uri of [
    `${app.redirectUri}/`,
    `${app.redirectUri}?x=1`,
    'https://evil.example/callback',
  ]) {
    const bad = await api(
      srv.httpUrl,
      'GET',
      `/api/oauth/authorize?${new URLSearchParams({ ...q, redirect_uri })}`,
      ann.token,
    );
    assert.equal(bad.status, 400, redirect_uri);
  }
  const plain = await api(srv.httpUrl, 'POST', '/api/oauth/authorize', ann.token, {
    ...q,
    code_challenge_method: 'plain',
    allow: true,
  });
  assert.equal(plain.status, 400);
  const denied = await api(srv.httpUrl, 'POST', '/api/oauth/authorize', ann.token, { ...q, allow: false });
  const deniedUrl = new URL(denied.body['redirect'] as string);
  assert.equal(deniedUrl.searchParams.get('error'), 'access_denied');
  assert.equal(deniedUrl.searchParams.get('state'), 'xyz');
  assert.equal(deniedUrl.searchParams.get('code'), null);

  const allowed = await api(srv.httpUrl, 'POST', '/api/oauth/authorize', ann.token, { ...q, allow: true });
  const back = new URL(allowed.body['redirect'] as string);
  assert.equal(back.origin + back.pathname, app.redirectUri);
  assert.equal(back.searchParams.get('state'), 'xyz');
  const code = back.searchParams.get('code') ?? '';
  await assert.rejects(exchange(srv.httpUrl, app, code, pkce().verifier), /invalid_grant/);
  // The wrong verifier spent the code: even the right one fails now (single use).
  await assert.rejects(exchange(srv.httpUrl, app, code, verifier), /invalid_grant/);

  const id1 = await consent(srv.httpUrl, app, ann.token);
  const id2 = await consent(srv.httpUrl, app, ann.token);
  assert.equal(id1, id2, 'stable for one app and user');
  assert.match(id1, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(!id1.includes(ann.id) && !ann.id.includes(id1));
  const other = await registerApp(srv.httpUrl, dev.token, { name: 'Other' });
  assert.notEqual(await consent(srv.httpUrl, other, ann.token), id1, 'another app sees another id');

  const wrongSecret = { ...app, clientSecret: `${app.clientSecret.slice(0, -2)}AA` };
  const { challenge: c2 } = pkce();
  const again = await api(srv.httpUrl, 'POST', '/api/oauth/authorize', ann.token, {
    ...q,
    code_challenge: c2,
    allow: true,
  });
  await assert.rejects(
    exchange(
      srv.httpUrl,
      wrongSecret,
      new URL(again.body['redirect'] as string).searchParams.get('code') ?? '',
      verifier,
    ),
    /invalid_client/,
  );
});

test('guests cannot consent unless the server allows it', async () => {
  const dev = await registerAccount(srv.httpUrl, 'Dev');
  const app = await registerApp(srv.httpUrl, dev.token, { name: 'G' });
  const c = await RawClient.ws(srv.wsUrl);
  const w = await c.hello('Guest');
  const { challenge } = pkce();
  const r = await api(srv.httpUrl, 'POST', '/api/oauth/authorize', w['token'] as string, {
    response_type: 'code',
    client_id: app.id,
    redirect_uri: app.redirectUri,
    state: 's',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    allow: true,
  });
  assert.equal(r.status, 403);
  const reg = await api(srv.httpUrl, 'POST', '/api/apps', w['token'] as string, {
    name: 'x',
    redirectUris: ['https://a.example/cb'],
  });
  assert.equal(reg.status, 403, 'guests cannot register apps either');
  c.close();
});

test('webhooks: batched, signed (verified by standardwebhooks), online → away → offline, one id per batch', async () => {
  const dev = await registerAccount(srv.httpUrl, 'Dev');
  const ann = await registerAccount(srv.httpUrl, 'Ann');
  hooks.received.length = 0;
  const app = await registerApp(srv.httpUrl, dev.token, { name: 'Hooked', webhookUrl: hooks.url });
  const appUser = await consent(srv.httpUrl, app, ann.token, { shareStatus: true });
  const c = await online(ann.token);
  await until('online arrives', () =>
    webhookUpdates(hooks).some((u) => u[0] === appUser && u[1] === 'online'),
  );
  await c.ok('presence.set', { state: 'away', status: 'lunch' });
  await until('away arrives', () => webhookUpdates(hooks).some((u) => u[1] === 'away'));
  c.close();
  await until('offline arrives', () => webhookUpdates(hooks).at(-1)?.[1] === 'offline', 5_000);

  const verifier = new Webhook(app.signingSecret);
  const ids = new Set<string>();
  for (const w of hooks.received) {
    payloads.push(w.body);
    assert.doesNotThrow(() => verifier.verify(w.body, w.headers), 'signature verifies');
    ids.add(w.headers['webhook-id'] ?? '');
  }
  assert.equal(ids.size, hooks.received.length, 'one webhook-id per batch');
  const states = webhookUpdates(hooks).map((u) => u[1]);
  // The grant tells the state at that moment (offline), then every transition once.
  assert.deepEqual(states, ['offline', 'online', 'away', 'offline']);
  const away = webhookUpdates(hooks).find((u) => u[1] === 'away');
  assert.equal(away?.[3], 'lunch', 'status text shared when the user allowed it');
  // A tampered body does not verify.
  const first = hooks.received[0];
  assert.ok(first);
  assert.throws(() => verifier.verify(`${first.body} `, first.headers));
});

test('the batching interval holds updates back; a full batch goes at once', async () => {
  const dev = await registerAccount(srv.httpUrl, 'Dev');
  const local = await webhookReceiver();
  const app = await registerApp(srv.httpUrl, dev.token, { name: 'Batch', webhookUrl: local.url });
  const users = await Promise.all([0, 1, 2].map((i) => registerAccount(srv.httpUrl, `U${i}`)));
  for (const u of users) await consent(srv.httpUrl, app, u.token);
  const start = Date.now();
  await until('first batch', () => local.received.length > 0);
  const firstBatch = JSON.parse(local.received[0]?.body ?? '[]') as unknown[];
  assert.equal(firstBatch.length, 3, 'the three grants arrive in one batch');
  assert.ok(Date.now() - start >= INTERVAL_MS * 0.5, 'not before the interval');
  await local.close();
});

test('retries after 500s under the same webhook-id; failures are visible to the developer; 410 disables', async () => {
  const dev = await registerAccount(srv.httpUrl, 'Dev');
  const ann = await registerAccount(srv.httpUrl, 'Ann');
  const local = await webhookReceiver();
  local.answers.push(500, 503);
  const app = await registerApp(srv.httpUrl, dev.token, { name: 'Flaky', webhookUrl: local.url });
  await consent(srv.httpUrl, app, ann.token);
  await until('delivered after two failures', () => local.received.length >= 3, 8_000);
  const ids = local.received.slice(0, 3).map((w) => w.headers['webhook-id']);
  assert.equal(new Set(ids).size, 1, 'a retry carries the same webhook-id');
  const d = await api(srv.httpUrl, 'GET', `/api/apps/${app.id}/deliveries`, dev.token);
  const list = d.body['deliveries'] as Json[];
  assert.deepEqual(
    list
      .slice(0, 3)
      .map((x) => x['status'])
      .reverse(),
    [500, 503, 200],
  );
  assert.deepEqual(
    list
      .slice(0, 3)
      .map((x) => x['attempt'])
      .reverse(),
    [1, 2, 3],
  );
  // Someone else cannot see them.
  const stranger = await registerAccount(srv.httpUrl, 'Eve');
  assert.equal((await api(srv.httpUrl, 'GET', `/api/apps/${app.id}/deliveries`, stranger.token)).status, 404);

  local.answers.push(410);
  const c = await online(ann.token);
  await until('410 disables', async () => {
    const r = await api(srv.httpUrl, 'GET', `/api/apps/${app.id}/deliveries`, dev.token);
    return (r.body['webhook'] as Json)['disabledAt'] !== null;
  });
  const seen = local.received.length;
  c.close();
  await new Promise((r) => setTimeout(r, GRACE_MS + INTERVAL_MS * 3));
  assert.equal(local.received.length, seen, 'nothing after 410');
  await local.close();
});

test('stream: NDJSON with cursors, resume replays exactly once in order, SSE with Last-Event-ID, a second stream replaces the first', async () => {
  const dev = await registerAccount(srv.httpUrl, 'Dev');
  const ann = await registerAccount(srv.httpUrl, 'Ann');
  const app = await registerApp(srv.httpUrl, dev.token, { name: 'Streamer' });
  const first = await openStream(srv.httpUrl, app.clientSecret);
  assert.equal(first.status, 200);
  assert.match(first.headers.get('content-type') ?? '', /ndjson/);
  const appUser = await consent(srv.httpUrl, app, ann.token);
  const c = await online(ann.token);
  const presence = (s: { items: Json[] }) => s.items.filter((i) => i['type'] === 'presence');
  await until('online on the stream', () => presence(first).some((i) => i['state'] === 'online'));
  await c.ok('presence.set', { state: 'away' });
  await until('away on the stream', () => presence(first).some((i) => i['state'] === 'away'));
  const seenSoFar = presence(first);
  assert.ok(seenSoFar.every((i) => i['user'] === appUser));
  const cursorAfterFirst = seenSoFar[0]?.['cursor'] as string;

  // A second stream (resuming after the first update) replaces the first.
  const second = await openStream(srv.httpUrl, app.clientSecret, { cursor: cursorAfterFirst });
  await first.ended;
  assert.ok(first.items.some((i) => i['type'] === 'replaced'));
  await until('replayed', () => presence(second).length >= seenSoFar.length - 1);
  assert.deepEqual(
    presence(second)
      .slice(0, seenSoFar.length - 1)
      .map((i) => i['cursor']),
    seenSoFar.slice(1).map((i) => i['cursor']),
    'exactly what followed the cursor, in order',
  );
  c.close();
  await until('offline on the stream', () => presence(second).some((i) => i['state'] === 'offline'), 5_000);
  const all = presence(second).map((i) => Number(i['cursor']));
  assert.deepEqual(
    all,
    [...new Set(all)].sort((a, b) => a - b),
    'no duplicates, increasing',
  );
  await until('a heartbeat', () => second.items.some((i) => i['type'] === 'heartbeat'), 3_000);
  second.close();

  const sse = await openStream(srv.httpUrl, app.clientSecret, { sse: true, lastEventId: cursorAfterFirst });
  assert.match(sse.headers.get('content-type') ?? '', /text\/event-stream/);
  await until('SSE replay', () => sse.items.filter((e) => e['event'] === 'presence').length >= all.length);
  const events = sse.items.filter((e) => e['event'] === 'presence');
  assert.deepEqual(
    events.map((e) => Number(e['id'])),
    all,
  );
  assert.deepEqual(
    events.map((e) => (e['data'] as Json)['cursor']),
    all.map(String),
  );
  payloads.push(first.raw(), second.raw(), sse.raw());
  sse.close();

  const expired = await fetch(`${srv.httpUrl}/api/apps/stream?cursor=1`, {
    headers: { authorization: `Bearer ${app.clientSecret}` },
  });
  assert.equal(expired.status, 410, 'a cursor older than what is kept');
  assert.equal(((await expired.json()) as Json)['code'], 'CURSOR_EXPIRED');
  const unauth = await fetch(`${srv.httpUrl}/api/apps/stream`, {
    headers: { authorization: 'Bearer pas_nope' },
  });
  assert.equal(unauth.status, 401);
});

test('pause stops delivery and unpausing sends the current state; revoke stops it for good', async () => {
  const dev = await registerAccount(srv.httpUrl, 'Dev');
  const ann = await registerAccount(srv.httpUrl, 'Ann');
  const app = await registerApp(srv.httpUrl, dev.token, { name: 'Pausable' });
  const appUser = await consent(srv.httpUrl, app, ann.token);
  const s = await openStream(srv.httpUrl, app.clientSecret, { cursor: '0' });
  const presence = () => s.items.filter((i) => i['type'] === 'presence');
  await until('the grant state', () => presence().length === 1);
  const grants = await api(srv.httpUrl, 'GET', '/api/me/apps', ann.token);
  assert.deepEqual(
    (grants.body['grants'] as Json[]).map((g) => (g['app'] as Json)['name']),
    ['Pausable'],
  );
  assert.equal(
    (await api(srv.httpUrl, 'PUT', `/api/me/apps/${app.id}`, ann.token, { paused: true })).status,
    204,
  );
  const c = await online(ann.token);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(presence().length, 1, 'nothing while paused');
  const notify = await api(srv.httpUrl, 'POST', '/api/apps/notify', app.clientSecret, {
    user: appUser,
    text: 'hi',
  });
  assert.equal(notify.status, 403, 'no notifications while paused');
  await api(srv.httpUrl, 'PUT', `/api/me/apps/${app.id}`, ann.token, { paused: false });
  await until('current state after unpause', () => presence().length === 2);
  assert.equal(presence()[1]?.['state'], 'online');

  assert.equal((await api(srv.httpUrl, 'DELETE', `/api/me/apps/${app.id}`, ann.token)).status, 204);
  await c.ok('presence.set', { state: 'away' });
  c.close();
  await new Promise((r) => setTimeout(r, GRACE_MS + 300));
  assert.equal(presence().length, 2, 'nothing after revoke');
  const revoked = await api(srv.httpUrl, 'POST', '/api/apps/notify', app.clientSecret, {
    user: appUser,
    text: 'hi',
  });
  assert.equal(revoked.status, 403);
  payloads.push(s.raw());
  s.close();
});

test('live notifications reach every online device of the user, naming the app; rate-limited', async () => {
  const dev = await registerAccount(srv.httpUrl, 'Dev');
  const ann = await registerAccount(srv.httpUrl, 'Ann');
  const app = await registerApp(srv.httpUrl, dev.token, { name: 'Pinger' });
  const appUser = await consent(srv.httpUrl, app, ann.token);
  const phone = await online(ann.token);
  const laptop = await online(ann.token);
  const events = Promise.all([phone.event('app.notification'), laptop.event('app.notification')]);
  const r = await api(srv.httpUrl, 'POST', '/api/apps/notify', app.clientSecret, {
    user: appUser,
    text: 'Meeting in 5',
  });
  assert.equal(r.status, 200);
  assert.equal(r.body['delivered'], 2);
  for (const e of await events) {
    assert.equal(e['text'], 'Meeting in 5');
    assert.deepEqual(e['app'], { id: app.id, name: 'Pinger' });
  }
  let limited = 0;
  for (let i = 0; i < 8; i++) {
    const x = await api(srv.httpUrl, 'POST', '/api/apps/notify', app.clientSecret, {
      user: appUser,
      text: `n${i}`,
    });
    if (x.status === 429) limited++;
  }
  assert.ok(limited >= 3, `rate limited (${limited})`);
  const unknown = await api(srv.httpUrl, 'POST', '/api/apps/notify', app.clientSecret, {
    user: 'nobody',
    text: 'x',
  });
  assert.equal(unknown.status, 403);
  const tooLong = await api(srv.httpUrl, 'POST', '/api/apps/notify', app.clientSecret, {
    user: appUser,
    text: 'x'.repeat(281),
  });
  assert.equal(tooLong.status, 400);
  phone.close();
  laptop.close();
});

test('developers rotate secrets (the old ones stop working) and manage only their own apps', async () => {
  const dev = await registerAccount(srv.httpUrl, 'Dev');
  const eve = await registerAccount(srv.httpUrl, 'Eve');
  const app = await registerApp(srv.httpUrl, dev.token, { name: 'Rotor' });
  const rotated = await api(srv.httpUrl, 'POST', `/api/apps/${app.id}/secret`, dev.token);
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.body['clientSecret'], app.clientSecret);
  const old = await fetch(`${srv.httpUrl}/api/apps/stream`, {
    headers: { authorization: `Bearer ${app.clientSecret}` },
  });
  assert.equal(old.status, 401);
  assert.equal((await api(srv.httpUrl, 'POST', `/api/apps/${app.id}/secret`, eve.token)).status, 404);
  assert.equal((await api(srv.httpUrl, 'DELETE', `/api/apps/${app.id}`, eve.token)).status, 404);
  const listed = await api(srv.httpUrl, 'GET', '/api/apps', dev.token);
  assert.ok((listed.body['apps'] as Json[]).some((a) => a['id'] === app.id));
  assert.ok(!JSON.stringify(listed.body).includes('whsec_'), 'secrets are never listed');
  const updated = await api(srv.httpUrl, 'PUT', `/api/apps/${app.id}`, dev.token, { name: 'Rotor 2' });
  assert.equal((updated.body['app'] as Json)['name'], 'Rotor 2');
  const badUri = await api(srv.httpUrl, 'PUT', `/api/apps/${app.id}`, dev.token, {
    redirectUris: ['https://a.example/cb#frag'],
  });
  assert.equal(badUri.status, 400);
});

test('no payload an app received names a real user id', async () => {
  assert.ok(payloads.length > 3);
  const text = payloads.join('\n');
  // Every account these tests made is name + hex @ the domain; any of them in a payload is a leak.
  assert.doesNotMatch(text, /@[a-z0-9.-]*localhost|@presence\.|[a-z]+[0-9a-f]{6}@/i);
  assert.ok(!text.includes(srv.server.config.domain), 'the server domain never appears');
});
