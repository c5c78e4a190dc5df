// test-needs: janus
/**
 * A streaming room's settings are the room's, not the process's: the service API turns streaming
 * on and names the streamers (GET/PATCH /api/service/rooms/:id/live, validated, typed errors), a
 * running call follows, and after a restart on the same SQLite file the first room.join already
 * says streaming with the same streamers (the settings are loaded from the store, not only kept
 * in memory once changed). Janus runs (streaming needs the SFU) but no media flows.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestServer, type TestServer } from '../harness.js';
import { RawClient, type Json } from '../raw-client.js';
import { createServiceKey } from '../../packages/server/src/identity/service-keys.js';

test('streaming settings over the service API, kept across a restart', { timeout: 120_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'presence-streamset-'));
  const config = {
    dataDir,
    janusBinary: '/usr/bin/janus',
    janusRtpPorts: '21600-21700',
    liveMeshMax: 1,
  };
  const open: RawClient[] = [];
  let srv: TestServer = await startTestServer(config, { keepDataDir: true });
  try {
    const { key } = await createServiceKey(srv.server.store.serviceKeys, 'automation');
    const api = async (method: string, path: string, body?: unknown, auth = true) => {
      const res = await fetch(`${srv.httpUrl}/api/service/rooms/${path}`, {
        method,
        headers: {
          ...(auth ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const connect = async (name: string, token?: string) => {
      const c = await RawClient.ws(srv.wsUrl);
      open.push(c);
      const welcome = await c.hello(name, token ? { token } : {});
      return { c, id: welcome['userId'] as string, token: welcome['token'] as string };
    };

    const owner = await connect('Olive');
    const room = ((await owner.c.ok('room.create', { name: 'Streams' }))['room'] as Json)['id'] as string;
    const bob = await connect('Bob');
    await bob.c.ok('room.join', { room });
    const live = `${encodeURIComponent(room)}/live`;

    const defaults = await api('GET', live);
    assert.equal(defaults.status, 200);
    assert.deepEqual(defaults.body, {
      settings: { mediaMode: 'auto', streaming: false, streamers: { users: [], role: 'owner' } },
      mode: 'mesh',
      participants: 0,
      stream: null,
    });
    assert.equal((await api('GET', live, undefined, false)).status, 401);
    assert.equal((await api('GET', 'no-such-room/live')).body['code'], 'ROOM_NOT_FOUND');
    for (const bad of [{}, { streamers: { users: [], role: 'boss' } }, { streaming: 'yes' }, { other: 1 }]) {
      const r = await api('PATCH', live, bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.body['code'], 'INVALID_MESSAGE');
    }

    const streamers = { users: [bob.id], role: null };
    const set = await api('PATCH', live, { streaming: true, streamers });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body['settings'], { mediaMode: 'auto', streaming: true, streamers });
    const heard = await bob.c.event('live.settings');
    assert.deepEqual((heard['settings'] as Json)['streamers'], streamers, 'the room hears the change');

    // A call runs: Bob (a streamer) is its source, Olive (owner, not in the group) watches.
    const bobJoin = await bob.c.ok('live.join', { room });
    assert.equal(bobJoin['mode'], 'sfu');
    assert.equal(
      ((bobJoin['stream'] as Json)['source'] as Json)['participant'],
      (bobJoin['you'] as Json)['id'],
    );
    const oliveJoin = await owner.c.ok('live.join', { room, media: { audio: true, video: true } });
    assert.deepEqual(
      (oliveJoin['you'] as Json)['media'],
      { audio: false, video: false, screen: false },
      'a viewer sends nothing',
    );
    const during = await api('GET', live);
    assert.equal(during.body['mode'], 'sfu');
    assert.equal(during.body['participants'], 2);
    assert.equal((during.body['stream'] as Json)['viewers'], 1);

    // Conflicts with the running call are 409: two participants cannot go back to a 1-person mesh.
    const conflict = await api('PATCH', live, { streaming: false, mediaMode: 'mesh' });
    assert.equal(conflict.status, 409, JSON.stringify(conflict.body));
    assert.equal(conflict.body['code'], 'LIVE_FULL');
    assert.equal(((await api('GET', live)).body['settings'] as Json)['streaming'], true, 'unchanged');

    // Bob leaves the streamer group while he is the source: the stream ends (no other streamer).
    const demoted = await api('PATCH', live, { streamers: { users: [], role: null } });
    assert.equal(demoted.status, 200);
    assert.equal((demoted.body['stream'] as Json)['state'], 'ended');
    assert.equal((demoted.body['stream'] as Json)['viewers'], 2, 'Bob watches now');
    await api('PATCH', live, { streamers });

    for (const c of open.splice(0)) c.close();
    await srv.close();
    srv = await startTestServer(config, { keepDataDir: true });

    const owner2 = await connect('Olive', owner.token);
    const joined = await owner2.c.ok('room.join', { room });
    assert.deepEqual(
      joined['liveSettings'],
      { mediaMode: 'auto', streaming: true, streamers },
      'the first join after the restart says streaming, with the same streamers',
    );
    const bob2 = await connect('Bob', bob.token);
    await bob2.c.ok('room.join', { room });
    const again = await bob2.c.ok('live.join', { room });
    assert.equal((again['stream'] as Json)['state'], 'live', 'Bob is the source again');
    assert.equal((await api('GET', live)).body['mode'], 'sfu');
  } finally {
    for (const c of open) c.close();
    await srv.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
