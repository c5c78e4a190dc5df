import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';
import { createServiceKey } from '../../src/identity/service-keys.js';

/**
 * User ids may be 320 characters (issue 11, item 14): every HTTP route that carries one in its
 * path (minting a session, setting a member, avatars) takes it, percent-encoded as clients send it.
 */

const SECRET = 'host-and-presence-share-this-secret-0123456789';
// An external user whose id is exactly 320 characters: the longest local part external subjects
// get (200: 23 letters and 59 '#', each '#' becoming %23), '@', and a 119-character domain.
const SUBJECT = 'x'.repeat(23) + '#'.repeat(59);
const DOMAIN = `${'d'.repeat(57)}.${'e'.repeat(61)}`;

let srv: TestServer;
let key: string;
let userId: string;
before(async () => {
  srv = await startTestServer({ authSharedSecret: SECRET, domain: DOMAIN });
  ({ key } = await createServiceKey(srv.server.store.serviceKeys, 'long ids'));
  const token = await new SignJWT({ sub: SUBJECT, name: 'Long' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));
  const c = await RawClient.ws(srv.wsUrl);
  userId = (await c.hello('Long', { token }))['userId'] as string;
  c.close();
});
after(async () => {
  await srv.close();
});

async function call(method: string, path: string, body?: Json): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${srv.httpUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

test('a 320-character user id works in every HTTP path that carries one', async () => {
  assert.equal(userId.length, 320);
  const encoded = encodeURIComponent(userId);
  assert.ok(encoded.length > 400, 'percent-encoded, the path parameter is far longer than 100');

  const session = await call('POST', `/api/service/users/${encoded}/sessions`);
  assert.equal(session.status, 201, JSON.stringify(session.body));
  const c = await RawClient.tcp(srv.tcp.port);
  assert.equal((await c.request('hello', { v: 1, token: session.body['token'] }))['userId'], userId);
  c.close();

  const room = await call('POST', '/api/service/rooms', { name: 'Long ids' });
  assert.equal(room.status, 201, JSON.stringify(room.body));
  const roomId = (room.body['room'] as Json)['id'] as string;
  const member = await call('PUT', `/api/service/rooms/${roomId}/members/${encoded}`, { role: 'member' });
  assert.equal(member.status, 201, JSON.stringify(member.body));
  const removed = await call('DELETE', `/api/service/rooms/${roomId}/members/${encoded}`);
  assert.ok(removed.status < 300, JSON.stringify(removed.body));

  for (const format of ['svg', 'png']) {
    const avatar = await fetch(`${srv.httpUrl}/avatars/${encoded}.${format}`);
    assert.equal(avatar.status, 200, `${format} avatar`);
  }
  // Past the bound an id is simply not found, not a failure.
  const tooLong = await fetch(`${srv.httpUrl}/avatars/${'a'.repeat(321)}.svg`);
  assert.equal(tooLong.status, 404);
});
