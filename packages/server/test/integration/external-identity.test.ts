import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

/**
 * Tokens signed by a host site's own account system, presented in hello.token: HS256 with a shared
 * secret, and RS256 / EdDSA with keys published as a JWKS (served here from 127.0.0.1).
 */

const SECRET = 'host-and-presence-share-this-secret-0123456789';
const ISSUER = 'https://host.example';
const AUDIENCE = 'presence';

async function hs256(claims: JWTPayload, options: { secret?: string; exp?: string | number | null } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  const exp = options.exp === undefined ? '5m' : options.exp;
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

const standard = (over: JWTPayload = {}): JWTPayload => ({ iss: ISSUER, aud: AUDIENCE, ...over });

async function hello(srv: TestServer, token: string, name = 'From Hello'): Promise<Json> {
  const c = await RawClient.ws(srv.wsUrl);
  try {
    return await c.hello(name, { token });
  } finally {
    c.close();
  }
}

function assertRefused(welcome: Json, what: string): void {
  assert.equal((welcome['resumeError'] as Json | undefined)?.['code'], 'UNAUTHORIZED', what);
  assert.match(welcome['userId'] as string, /^~/, `${what}: a fresh guest`);
}

describe('external identity: HS256 with a shared secret', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ authSharedSecret: SECRET, authIssuer: ISSUER, authAudience: AUDIENCE });
  });
  after(async () => {
    await srv.close();
  });

  test('a host token logs the user in under the host id, name and avatar', async () => {
    const token = await hs256(
      standard({ sub: 'user-42', name: 'Zed Host', picture: 'https://cdn.example/z.png' }),
    );
    const welcome = await hello(srv, token);
    assert.equal(welcome['resumeError'], undefined);
    assert.equal(welcome['userId'], 'user-42@localhost');
    assert.equal(welcome['name'], 'Zed Host');
    assert.equal(welcome['avatar'], 'https://cdn.example/z.png');
    assert.notEqual(welcome['token'], token, 'the welcome carries a Presence session token');

    // Later resumes use the Presence token.
    const resumed = await hello(srv, welcome['token'] as string);
    assert.equal(resumed['userId'], 'user-42@localhost');
    assert.equal(resumed['name'], 'Zed Host');
    assert.equal(resumed['resumeError'], undefined);

    const me = await fetch(`${srv.httpUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(await me.json(), {
      userId: 'user-42@localhost',
      name: 'Zed Host',
      avatar: 'https://cdn.example/z.png',
      kind: 'external',
    });

    // Name and avatar follow the host on every login.
    const renamed = await hello(srv, await hs256(standard({ sub: 'user-42', name: 'Zed Renamed' })));
    assert.equal(renamed['userId'], 'user-42@localhost');
    assert.equal(renamed['name'], 'Zed Renamed');
    assert.equal(renamed['avatar'], '/avatars/user-42%40localhost.svg');
  });

  test('subjects are made safe for ids; bad names and avatar URLs are cleaned', async () => {
    const welcome = await hello(
      srv,
      await hs256(
        standard({ sub: 'auth0|Abc@x.org', name: '  Tab\there  ', picture: 'javascript:alert(1)' }),
      ),
    );
    assert.equal(welcome['userId'], 'auth0%7CAbc%40x.org@localhost');
    assert.equal(welcome['name'], 'Tab here');
    assert.equal(welcome['avatar'], `/avatars/${encodeURIComponent('auth0%7CAbc%40x.org@localhost')}.svg`);
    // No name claim: the id's local part stands in.
    const nameless = await hello(srv, await hs256(standard({ sub: '~sneaky' })));
    assert.equal(nameless['userId'], '%7Esneaky@localhost', 'never a guest id');
    assert.equal(nameless['name'], '%7Esneaky');
  });

  test('wrong secret, issuer, audience, expired, no expiry or no subject → UNAUTHORIZED and a guest', async () => {
    const cases: [string, string][] = [
      [
        'wrong secret',
        await hs256(standard({ sub: 'u1' }), { secret: 'another-secret-that-is-long-enough-000' }),
      ],
      ['wrong issuer', await hs256(standard({ sub: 'u1', iss: 'https://evil.example' }))],
      ['no issuer', await hs256({ sub: 'u1', aud: AUDIENCE })],
      ['wrong audience', await hs256(standard({ sub: 'u1', aud: 'someone-else' }))],
      ['expired', await hs256(standard({ sub: 'u1' }), { exp: Math.floor(Date.now() / 1000) - 120 })],
      ['no expiry', await hs256(standard({ sub: 'u1' }), { exp: null })],
      ['no subject', await hs256(standard({ name: 'Nobody' }))],
      ['garbage', 'not.a.jwt'],
    ];
    for (const [what, token] of cases) assertRefused(await hello(srv, token), what);
  });

  test('a host token cannot take over a local account with the same id', async () => {
    const reg = await fetch(`${srv.httpUrl}/api/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'localann', password: 'local password', name: 'Local Ann' }),
    });
    assert.equal(reg.status, 201);
    assertRefused(
      await hello(srv, await hs256(standard({ sub: 'localann', name: 'Host Ann' }))),
      'collision',
    );
  });
});

test('claim names are configurable', async () => {
  const srv = await startTestServer({
    authSharedSecret: SECRET,
    authClaimUserId: 'uid',
    authClaimName: 'display',
    authClaimAvatar: 'img',
  });
  try {
    const token = await hs256({
      sub: 'ignored',
      uid: 777,
      display: 'Custom Claims',
      img: 'https://i.example/c.png',
    });
    const welcome = await hello(srv, token);
    assert.equal(welcome['userId'], '777@localhost');
    assert.equal(welcome['name'], 'Custom Claims');
    assert.equal(welcome['avatar'], 'https://i.example/c.png');
    // Without issuer/audience configured they are not checked, but expiry still is.
    assertRefused(
      await hello(srv, await hs256({ uid: 'x' }, { exp: Math.floor(Date.now() / 1000) - 120 })),
      'expired',
    );
  } finally {
    await srv.close();
  }
});

test('without external identity configured, a host token is just an invalid token', async () => {
  const srv = await startTestServer();
  try {
    assertRefused(await hello(srv, await hs256(standard({ sub: 'user-42' }))), 'not configured');
  } finally {
    await srv.close();
  }
});

describe('external identity: JWKS (RS256, EdDSA)', () => {
  let jwks: Server;
  let srv: TestServer;
  let rsa: CryptoKey;
  let ed: CryptoKey;
  let fetches = 0;

  async function signed(alg: string, key: CryptoKey, kid: string, claims: JWTPayload): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg, kid })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
  }

  before(async () => {
    const r = await generateKeyPair('RS256');
    const e = await generateKeyPair('EdDSA');
    rsa = r.privateKey;
    ed = e.privateKey;
    const keys = [
      { ...(await exportJWK(r.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(e.publicKey)), kid: 'ed-1', alg: 'EdDSA', use: 'sig' },
    ];
    jwks = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    srv = await startTestServer({ authJwksUrl: url, authIssuer: ISSUER, authAudience: AUDIENCE });
  });
  after(async () => {
    await srv.close();
    await new Promise((resolve) => jwks.close(resolve));
  });

  test('RS256 and EdDSA tokens signed by the published keys are accepted', async () => {
    const a = await hello(
      srv,
      await signed('RS256', rsa, 'rsa-1', standard({ sub: 'rsa-user', name: 'Rosa' })),
    );
    assert.equal(a['resumeError'], undefined);
    assert.equal(a['userId'], 'rsa-user@localhost');
    assert.equal(a['name'], 'Rosa');
    const b = await hello(
      srv,
      await signed('EdDSA', ed, 'ed-1', standard({ sub: 'ed-user', name: 'Eddie' })),
    );
    assert.equal(b['resumeError'], undefined);
    assert.equal(b['userId'], 'ed-user@localhost');
    assert.ok(fetches >= 1, 'the JWKS was fetched');
  });

  test('a token signed by another key, or with a secret, is refused', async () => {
    const other = (await generateKeyPair('RS256')).privateKey;
    const otherEd = (await generateKeyPair('EdDSA')).privateKey;
    assertRefused(
      await hello(srv, await signed('RS256', other, 'rsa-1', standard({ sub: 'x' }))),
      'same kid',
    );
    assertRefused(
      await hello(srv, await signed('RS256', other, 'rsa-9', standard({ sub: 'x' }))),
      'unknown kid',
    );
    assertRefused(
      await hello(srv, await signed('EdDSA', otherEd, 'ed-1', standard({ sub: 'x' }))),
      'other ed key',
    );
    assertRefused(await hello(srv, await hs256(standard({ sub: 'x' }))), 'HS256 without a shared secret');
    assertRefused(
      await hello(srv, await signed('RS256', rsa, 'rsa-1', standard({ sub: 'x', aud: 'someone-else' }))),
      'wrong audience',
    );
  });
});
