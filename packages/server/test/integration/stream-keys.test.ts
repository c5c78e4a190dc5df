/**
 * Stream keys without an SFU: the service API and `presence admin` create, list, rotate and revoke
 * them; only hashes are stored; a WHIP POST with a working key and no Janus is 503 + Retry-After
 * (a rotated or revoked key is 401 before that); WHEP without a source is 503 too; every route's
 * errors are typed JSON.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';
import { runAdmin } from '../../src/admin-cli.js';
import { createServiceKey } from '../../src/identity/service-keys.js';
import { hashStreamKey } from '../../src/live/whip/stream-keys.js';

let srv: TestServer;
let serviceKey = '';
let room = '';
let owner: RawClient;

before(async () => {
  srv = await startTestServer();
  ({ key: serviceKey } = await createServiceKey(srv.server.store.serviceKeys, 'test'));
  owner = await RawClient.ws(srv.wsUrl);
  await owner.hello('Olive');
  room = ((await owner.ok('room.create', { name: 'Public stage', visibility: 'public' }))['room'] as Json)[
    'id'
  ] as string;
});
after(async () => {
  owner?.close();
  await srv?.close();
});

async function api(method: string, path: string, body?: Json): Promise<{ status: number; body: Json }> {
  const res = await fetch(srv.httpUrl + path, {
    method,
    headers: {
      authorization: `Bearer ${serviceKey}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Json };
}

const whipPost = (key: string) =>
  fetch(`${srv.httpUrl}/whip/rooms/${room}`, {
    method: 'POST',
    headers: { 'content-type': 'application/sdp', authorization: `Bearer ${key}` },
    body: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n',
  });

test('service API: create (secret once, hashed at rest), list, rotate, revoke', async () => {
  const made = await api('POST', `/api/service/rooms/${room}/stream-keys`, { name: 'Studio A' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const secret = made.body['secret'] as string;
  const id = (made.body['key'] as Json)['id'] as string;
  const stored = await srv.server.store.streamKeys.listStreamKeys(room);
  assert.equal(stored.length, 1);
  assert.equal(stored[0]?.keyHash, hashStreamKey(secret), 'only the SHA-256 is stored');
  assert.equal(JSON.stringify(stored).includes(secret), false);

  const listed = await api('GET', `/api/service/rooms/${room}/stream-keys`);
  assert.equal(listed.status, 200);
  assert.deepEqual(
    (listed.body['keys'] as Json[]).map((k) => [k['id'], k['name'], k['revokedAt'], k['live']]),
    [[id, 'Studio A', null, false]],
  );

  // No Janus in this server: a working key gets as far as the SFU check.
  const noSfu = await whipPost(secret);
  assert.equal(noSfu.status, 503);
  assert.equal(noSfu.headers.get('retry-after'), '5');
  assert.equal(((await noSfu.json()) as Json)['code'], 'SFU_UNAVAILABLE');

  const rotated = await api('POST', `/api/service/rooms/${room}/stream-keys/${id}/rotate`);
  assert.equal(rotated.status, 200);
  const next = rotated.body['secret'] as string;
  assert.notEqual(next, secret);
  assert.equal((await whipPost(secret)).status, 401, 'the old secret stopped working');
  assert.equal((await whipPost(next)).status, 503, 'the new one works (up to the SFU)');

  const revoked = await api('DELETE', `/api/service/rooms/${room}/stream-keys/${id}`);
  assert.equal(revoked.status, 200);
  assert.equal(typeof (revoked.body['key'] as Json)['revokedAt'], 'number');
  assert.equal((await whipPost(next)).status, 401);
  assert.equal((await api('DELETE', `/api/service/rooms/${room}/stream-keys/wk_none`)).status, 404);
  assert.equal((await api('POST', `/api/service/rooms/no-room/stream-keys`, { name: 'x' })).status, 404);
  assert.equal((await api('POST', `/api/service/rooms/${room}/stream-keys`, { name: '' })).status, 400);
});

test('WHEP: a public room plays for anyone, but without a source (or SFU) it is 503', async () => {
  const res = await fetch(`${srv.httpUrl}/whep/rooms/${room}`, { method: 'POST' });
  assert.equal(res.status, 503);
  assert.ok(res.headers.get('retry-after'));
  const bad = await fetch(`${srv.httpUrl}/whep/rooms/${room}`, {
    method: 'POST',
    headers: { authorization: 'Bearer not-a-token' },
  });
  assert.equal(bad.status, 401);
  const pre = await fetch(`${srv.httpUrl}/whep/sessions/x`, {
    method: 'OPTIONS',
    headers: { origin: 'https://player.example', 'access-control-request-method': 'PATCH' },
  });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get('access-control-allow-methods') ?? '', /PATCH/);
});

test('protocol: rotate and revoke by the owner; an unnamed room has no stream keys', async () => {
  const made = await owner.ok('streamkey.create', { room, name: 'Phone' });
  const id = (made['key'] as Json)['id'] as string;
  const rotated = await owner.ok('streamkey.rotate', { room, key: id });
  assert.notEqual(rotated['secret'], made['secret']);
  const revoked = await owner.ok('streamkey.revoke', { room, key: id });
  assert.equal(typeof (revoked['key'] as Json)['revokedAt'], 'number');
  const again = await owner.request('streamkey.rotate', { room, key: id });
  assert.equal(again['code'], 'STREAM_KEY_NOT_FOUND', 'a revoked key cannot be rotated back to life');
  const unnamed = ((await owner.ok('room.create'))['room'] as Json)['id'] as string;
  const refused = await owner.request('streamkey.create', { room: unnamed, name: 'x' });
  assert.equal(refused['code'], 'ROOM_NOT_FOUND');
  const tooLong = await owner.request('streamkey.create', { room, name: 'x'.repeat(65) });
  assert.equal(tooLong['code'], 'INVALID_MESSAGE');
});

test('presence admin stream-keys create, list, rotate and revoke on the store', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'presence-streamkeys-'));
  try {
    const lines: string[] = [];
    const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t), env: {} };
    const flags = ['--data-dir', dir];
    assert.equal(
      await runAdmin(['rooms', 'create', '--name', 'Stage', '--json', ...flags], io),
      0,
      lines.join(),
    );
    const roomId = (JSON.parse(lines.pop() ?? '{}') as Json)['id'] as string;
    assert.ok(roomId, 'rooms create --json prints the room');
    assert.equal(
      await runAdmin(['stream-keys', 'create', '--room', roomId, '--name', 'OBS', ...flags], io),
      0,
    );
    const created = lines.pop() ?? '';
    assert.match(created, /^pwk_[A-Za-z0-9_-]{43}$/m, created);
    const id = /\b(wk_[a-z2-7]+)\b/.exec(created)?.[1] ?? '';
    assert.equal(await runAdmin(['stream-keys', 'list', '--room', roomId, ...flags], io), 0);
    assert.match(lines.pop() ?? '', new RegExp(`^${id}\\s+OBS\\s+\\S+Z\\s+-$`, 'm'));
    assert.equal(await runAdmin(['stream-keys', 'rotate', '--room', roomId, id, ...flags], io), 0);
    assert.match(lines.pop() ?? '', /^pwk_/m);
    assert.equal(await runAdmin(['stream-keys', 'revoke', '--room', roomId, id, ...flags], io), 0);
    assert.equal(await runAdmin(['stream-keys', 'revoke', '--room', roomId, 'wk_none', ...flags], io), 1);
    assert.equal(
      await runAdmin(['stream-keys', 'create', '--room', roomId, ...flags], io),
      2,
      'a missing --name',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
