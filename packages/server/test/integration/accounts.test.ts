// test-needs: postgres
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { createTestSchema, TEST_DATABASE_URL } from '../../../../test/postgres.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';
import { spawnServer } from '../../../../test/server-process.js';
import { TcpProxy } from '../../../../test/tcp-proxy.js';

interface Reply {
  status: number;
  body: Json;
  headers: Headers;
}

async function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; token?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(options.raw !== undefined
      ? { body: options.raw }
      : options.body !== undefined
        ? { body: JSON.stringify(options.body) }
        : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers };
}

/** Say hello with `token` on a fresh connection and return the welcome (connection closed). */
async function helloWith(srv: TestServer, token: string, name = 'Someone Else'): Promise<Json> {
  const c = await RawClient.tcp(srv.tcp.port);
  try {
    return await c.hello(name, { token });
  } finally {
    c.close();
  }
}

describe('local accounts', () => {
  let srv: TestServer;
  const post = (path: string, body?: unknown, token?: string): Promise<Reply> =>
    call(srv.httpUrl, 'POST', path, { body, ...(token !== undefined ? { token } : {}) });
  const me = (token: string): Promise<Reply> => call(srv.httpUrl, 'GET', '/api/me', { token });

  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.close();
  });

  test('register → login → hello as the account → logout → the token stops working', async () => {
    const reg = await post('/api/accounts', { username: 'Ann', password: 'correct horse', name: 'Ann A.' });
    assert.equal(reg.status, 201);
    assert.equal(reg.body['userId'], 'ann@localhost', 'usernames are lower-cased');
    assert.equal(reg.body['name'], 'Ann A.');
    assert.equal(typeof reg.body['token'], 'string');

    const login = await post('/api/login', { username: 'ANN', password: 'correct horse' });
    assert.equal(login.status, 200);
    assert.equal(login.body['userId'], 'ann@localhost');
    const token = login.body['token'] as string;

    const welcome = await helloWith(srv, token, 'Not Ann');
    assert.equal(welcome['userId'], 'ann@localhost');
    assert.equal(welcome['name'], 'Ann A.', 'the name comes from the account, not from hello');
    assert.equal(welcome['avatar'], '/avatars/ann%40localhost.svg');
    assert.equal(welcome['resumeError'], undefined);
    // The welcome's token is a session token of the account too.
    const again = await helloWith(srv, welcome['token'] as string);
    assert.equal(again['userId'], 'ann@localhost');
    assert.equal(again['resumeError'], undefined);

    assert.deepEqual((await me(token)).body, {
      userId: 'ann@localhost',
      name: 'Ann A.',
      avatar: '/avatars/ann%40localhost.svg',
      kind: 'local',
    });

    const out = await post('/api/logout', undefined, token);
    assert.equal(out.status, 204);
    const refused = await helloWith(srv, token, 'Guest Now');
    assert.deepEqual(refused['resumeError'], {
      code: 'UNAUTHORIZED',
      message: 'The session token is forged, expired or malformed.',
    });
    assert.match(refused['userId'] as string, /^~/);
    assert.equal(refused['name'], 'Guest Now');
    assert.equal((await me(token)).status, 401);
    assert.equal((await me(token)).body['code'], 'UNAUTHORIZED');
    assert.equal((await post('/api/logout', undefined, token)).status, 401);
    // Only that token: the one from registration still works.
    assert.equal((await me(reg.body['token'] as string)).status, 200);
  });

  test('changing the password invalidates every older token and returns a working one', async () => {
    await post('/api/accounts', { username: 'bea', password: 'first password', name: 'Bea' });
    const a = (await post('/api/login', { username: 'bea', password: 'first password' })).body[
      'token'
    ] as string;
    const b = (await post('/api/login', { username: 'bea', password: 'first password' })).body[
      'token'
    ] as string;
    const fromWelcome = (await helloWith(srv, b))['token'] as string;

    const wrong = await post(
      '/api/account/password',
      { oldPassword: 'not it!!', newPassword: 'second password' },
      a,
    );
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body['code'], 'INVALID_CREDENTIALS');

    const changed = await post(
      '/api/account/password',
      { oldPassword: 'first password', newPassword: 'second password' },
      a,
    );
    assert.equal(changed.status, 200);
    const fresh = changed.body['token'] as string;
    for (const old of [a, b, fromWelcome]) {
      assert.equal((await me(old)).status, 401);
      assert.equal((await helloWith(srv, old))['resumeError'] !== undefined, true);
    }
    assert.equal((await me(fresh)).body['userId'], 'bea@localhost');
    const welcome = await helloWith(srv, fresh);
    assert.equal(welcome['userId'], 'bea@localhost');
    assert.equal((await helloWith(srv, welcome['token'] as string))['userId'], 'bea@localhost');

    const oldLogin = await post('/api/login', { username: 'bea', password: 'first password' });
    assert.equal(oldLogin.status, 401);
    assert.equal(oldLogin.body['code'], 'INVALID_CREDENTIALS');
    assert.equal((await post('/api/login', { username: 'bea', password: 'second password' })).status, 200);
  });

  test('a taken username is 409 USERNAME_TAKEN, whatever its case', async () => {
    assert.equal(
      (await post('/api/accounts', { username: 'cy', password: 'password1', name: 'Cy' })).status,
      201,
    );
    for (const username of ['cy', 'CY', ' cy ', 'system']) {
      const dup = await post('/api/accounts', { username, password: 'password2', name: 'Other Cy' });
      assert.equal(dup.status, 409);
      assert.equal(dup.body['code'], 'USERNAME_TAKEN');
      assert.equal(typeof dup.body['message'], 'string');
    }
  });

  test('bad bodies are 400 INVALID_MESSAGE and name the field, never its value', async () => {
    const bad: unknown[] = [
      {},
      { username: 'ok-name', password: 'short', name: 'X' },
      { username: 'ok-name', password: 'x'.repeat(257), name: 'X' },
      { username: '-leading', password: 'long enough', name: 'X' },
      { username: 'a', password: 'long enough', name: 'X' },
      { username: 'has space', password: 'long enough', name: 'X' },
      { username: 'x'.repeat(33), password: 'long enough', name: 'X' },
      { username: 'ok-name', password: 'long enough', name: '' },
      { username: 'ok-name', password: 'long enough', name: 'n'.repeat(65) },
      { username: 'ok-name', password: 12345678, name: 'X' },
      [],
      'text',
    ];
    for (const body of bad) {
      const r = await post('/api/accounts', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body['code'], 'INVALID_MESSAGE');
      assert.ok(!(r.body['message'] as string).includes('long enough'));
    }
    const badJson = await call(srv.httpUrl, 'POST', '/api/login', { raw: '{"username":' });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.body['code'], 'INVALID_MESSAGE');
    assert.equal((await post('/api/login', { username: 'x' })).body['code'], 'INVALID_MESSAGE');
    const noToken = await post('/api/account/password', { oldPassword: 'a', newPassword: 'long enough' });
    assert.equal(noToken.status, 401);
    assert.equal(noToken.body['code'], 'UNAUTHORIZED');
    assert.equal((await me('not-a-token')).status, 401);
    assert.equal((await call(srv.httpUrl, 'GET', '/api/me')).status, 401);
  });

  test('an unknown username and a wrong password get the same answer', async () => {
    await post('/api/accounts', { username: 'dee', password: 'the password', name: 'Dee' });
    const unknown = await post('/api/login', { username: 'nobody-here', password: 'the password' });
    const wrong = await post('/api/login', { username: 'dee', password: 'not the password' });
    assert.equal(unknown.status, 401);
    assert.deepEqual(unknown.body, wrong.body);
    assert.deepEqual(wrong.body, { code: 'INVALID_CREDENTIALS', message: 'Wrong username or password.' });
  });

  test('guest tokens: /api/me names the guest; they cannot log out or change a password', async () => {
    const c = await RawClient.tcp(srv.tcp.port);
    const welcome = await c.hello('Gus');
    c.close();
    const token = welcome['token'] as string;
    const who = await me(token);
    assert.equal(who.status, 200);
    assert.equal(who.body['kind'], 'guest');
    assert.equal(who.body['userId'], welcome['userId']);
    assert.equal((await post('/api/logout', undefined, token)).status, 403);
    const pw = await post(
      '/api/account/password',
      { oldPassword: 'whatever', newPassword: 'long enough' },
      token,
    );
    assert.equal(pw.status, 403);
    assert.equal(pw.body['code'], 'FORBIDDEN');
  });
});

test('with localRegistration off, POST /api/accounts is 403 FORBIDDEN', async () => {
  const srv = await startTestServer({ localRegistration: false });
  try {
    const r = await call(srv.httpUrl, 'POST', '/api/accounts', {
      body: { username: 'jon', password: 'jon password', name: 'Jon' },
    });
    assert.equal(r.status, 403);
    assert.equal(r.body['code'], 'FORBIDDEN');
  } finally {
    await srv.close();
  }
});

describe('login rate limits', () => {
  test('5 failures lock the account for 15 minutes; a success resets the count', async () => {
    const srv = await startTestServer();
    try {
      const post = (path: string, body: unknown): Promise<Reply> => call(srv.httpUrl, 'POST', path, { body });
      await post('/api/accounts', { username: 'eve', password: 'eve password', name: 'Eve' });
      await post('/api/accounts', { username: 'fay', password: 'fay password', name: 'Fay' });

      // Fay: four failures, a success, four more failures: never locked.
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 4; i++)
          assert.equal((await post('/api/login', { username: 'fay', password: 'nope nope' })).status, 401);
        if (round === 0)
          assert.equal((await post('/api/login', { username: 'fay', password: 'fay password' })).status, 200);
      }

      for (let i = 0; i < 5; i++) {
        const r = await post('/api/login', { username: 'eve', password: `guess ${i}` });
        assert.equal(r.body['code'], 'INVALID_CREDENTIALS');
      }
      const locked = await post('/api/login', { username: 'eve', password: 'eve password' });
      assert.equal(locked.status, 429);
      assert.equal(locked.body['code'], 'RATE_LIMITED');
      const retryAfterMs = locked.body['retryAfterMs'] as number;
      assert.ok(retryAfterMs > 14 * 60_000 && retryAfterMs <= 15 * 60_000, String(retryAfterMs));
      assert.equal(locked.headers.get('retry-after'), String(Math.ceil(retryAfterMs / 1000)));
      // Other accounts are not affected.
      assert.equal((await post('/api/login', { username: 'fay', password: 'fay password' })).status, 200);
    } finally {
      await srv.close();
    }
  });

  test('20 failures from one address lock that address, whatever the usernames', async () => {
    const srv = await startTestServer();
    try {
      const post = (path: string, body: unknown): Promise<Reply> => call(srv.httpUrl, 'POST', path, { body });
      await post('/api/accounts', { username: 'gil', password: 'gil password', name: 'Gil' });
      for (let i = 0; i < 20; i++) {
        const r = await post('/api/login', { username: `user${i % 5}`, password: 'wrong password' });
        assert.equal(r.status, 401, `attempt ${i + 1}`);
      }
      const locked = await post('/api/login', { username: 'gil', password: 'gil password' });
      assert.equal(locked.status, 429);
      assert.equal(locked.body['code'], 'RATE_LIMITED');
    } finally {
      await srv.close();
    }
  });
});

test('PostgreSQL down: account calls answer 503 STORE_UNAVAILABLE, hello with an account token too', async () => {
  const { schema, drop } = await createTestSchema('presence_accounts');
  const target = new URL(TEST_DATABASE_URL);
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  await proxy.start();
  const viaProxy = new URL(TEST_DATABASE_URL);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  const srv = await startTestServer({ databaseUrl: viaProxy.toString(), databaseSchema: schema });
  try {
    const post = (path: string, body: unknown): Promise<Reply> => call(srv.httpUrl, 'POST', path, { body });
    const reg = await post('/api/accounts', { username: 'hal', password: 'hal password', name: 'Hal' });
    assert.equal(reg.status, 201);
    await proxy.cut();
    const login = await post('/api/login', { username: 'hal', password: 'hal password' });
    assert.equal(login.status, 503);
    assert.equal(login.body['code'], 'STORE_UNAVAILABLE');
    const c = await RawClient.tcp(srv.tcp.port);
    const reply = await c.request('hello', { v: 1, token: reg.body['token'] });
    assert.equal(reply['code'], 'STORE_UNAVAILABLE');
    c.close();
    await proxy.restore();
    // Store failures did not count as failed logins.
    let ok: Reply | undefined;
    for (let i = 0; i < 50 && ok?.status !== 200; i++) {
      ok = await post('/api/login', { username: 'hal', password: 'hal password' });
      if (ok.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ok?.status, 200);
  } finally {
    await srv.close();
    await proxy.cut();
    await drop();
  }
});

test('passwords and tokens never reach the log, even at trace level', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'presence-accounts-log-'));
  const proc = await spawnServer(['--data-dir', dataDir, '--log-level', 'trace']);
  try {
    const base = `http://127.0.0.1:${proc.httpPort}`;
    const post = (path: string, body: unknown, token?: string): Promise<Reply> =>
      call(base, 'POST', path, { body, ...(token !== undefined ? { token } : {}) });
    const reg = await post('/api/accounts', { username: 'ivy', password: 'PW-first-1234', name: 'Ivy' });
    assert.equal(reg.status, 201);
    await post('/api/login', { username: 'ivy', password: 'PW-wrong-5678' });
    const token = reg.body['token'] as string;
    await post(
      '/api/account/password',
      { oldPassword: 'PW-first-1234', newPassword: 'PW-second-9012' },
      token,
    );
    await post('/api/accounts', { username: 'ivy', password: 'PW-dup-3456', name: 'Ivy' });
    const out = proc.output();
    for (const secret of ['PW-first-1234', 'PW-wrong-5678', 'PW-second-9012', 'PW-dup-3456', token]) {
      assert.ok(!out.includes(secret), `the log contains ${secret.slice(0, 12)}…`);
    }
  } finally {
    proc.child.kill('SIGTERM');
    await proc.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
});
