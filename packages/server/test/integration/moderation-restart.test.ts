import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

/**
 * Mutes, waiting knocks and lobby passes are in the store: a restart of the server (the room's
 * home) keeps every one of them. (moderation-cluster.test.ts shows the same across nodes.)
 */
test('a restart keeps chat and call mutes, waiting knocks and lobby passes', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'presence-modrestart-'));
  const open: RawClient[] = [];
  const config = { dataDir, rateLimitPerSecond: 1_000, rateLimitBurst: 1_000 };
  let server: TestServer = await startTestServer(config, { keepDataDir: true });
  const connect = async (name: string, extra: Json = {}) => {
    const c = await RawClient.ws(server.wsUrl);
    open.push(c);
    const welcome = await c.hello(name, extra);
    return { c, id: welcome['userId'] as string, token: welcome['token'] as string };
  };
  const codeOf = async (c: RawClient, type: string, params: Json) => {
    const reply = await c.request(type, params);
    return reply['type'] === 'ok' ? 'ok' : String(reply['code']);
  };
  try {
    const owner = await connect('Owner');
    const room = ((await owner.c.ok('room.create', { name: 'Restarted' }))['room'] as Json)['id'] as string;
    const bob = await connect('Bob');
    await bob.c.ok('room.join', { room });
    await owner.c.ok('mod.mute', { room, user: bob.id, chat: true, audio: true });
    await owner.c.ok('mod.settings', { room, lobby: true });
    const dave = await connect('Dave');
    const daveKnock = (await dave.c.ok('lobby.knock', { room }))['knock'] as string;
    const eve = await connect('Eve');
    const eveKnock = (await eve.c.ok('lobby.knock', { room }))['knock'] as string;
    await owner.c.ok('lobby.answer', { room, knock: eveKnock, admit: true });
    assert.equal((await eve.c.event('lobby.outcome'))['admitted'], true);

    for (const c of open.splice(0)) c.close();
    await server.close();
    server = await startTestServer(config, { keepDataDir: true });

    const owner2 = await connect('Owner', { token: owner.token });
    const joined = await owner2.c.ok('room.join', { room });
    assert.deepEqual((joined['moderation'] as Json)['mutes'], [
      { user: bob.id, chatUntil: 253_402_300_799_000, audio: true, video: false },
    ]);
    const bob2 = await connect('Bob', { token: bob.token });
    await bob2.c.ok('room.join', { room });
    assert.equal(await codeOf(bob2.c, 'chat.send', { room, text: 'am I still muted?' }), 'MUTED');
    const call = await bob2.c.ok('live.join', { room, media: { audio: true } });
    assert.equal(((call['you'] as Json)['media'] as Json)['audio'], false);
    assert.equal(await codeOf(bob2.c, 'live.media', { room, audio: true }), 'MUTED');

    // Eve's pass still lets her in; Dave's knock is still waiting and can be answered.
    const eve2 = await connect('Eve', { token: eve.token });
    assert.equal(await codeOf(eve2.c, 'room.join', { room }), 'ok');
    const knocks = (await owner2.c.ok('lobby.list', { room }))['knocks'] as Json[];
    assert.deepEqual(
      knocks.map((k) => [k['id'], (k['user'] as Json)['id']]),
      [[daveKnock, dave.id]],
    );
    const dave2 = await connect('Dave', { token: dave.token });
    assert.equal(await codeOf(dave2.c, 'room.join', { room }), 'LOBBY_REQUIRED');
    await owner2.c.ok('lobby.answer', { room, knock: daveKnock, admit: true });
    assert.equal(await codeOf(dave2.c, 'room.join', { room }), 'ok');
    assert.deepEqual((await owner2.c.ok('lobby.list', { room }))['knocks'], []);

    // Unmuting is kept too.
    await owner2.c.ok('mod.mute', { room, user: bob.id, chat: false, audio: false });
    for (const c of open.splice(0)) c.close();
    await server.close();
    server = await startTestServer(config, { keepDataDir: true });
    const bob3 = await connect('Bob', { token: bob.token });
    await bob3.c.ok('room.join', { room });
    assert.equal(await codeOf(bob3.c, 'chat.send', { room, text: 'free again' }), 'ok');
  } finally {
    for (const c of open) c.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
