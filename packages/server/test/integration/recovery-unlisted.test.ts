import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

/**
 * `recovered: true` promises "you now have everything". For a room the client did not list in
 * hello.rooms the server only knows what it wrote, not what arrived (frames written to a broken
 * connection are lost), so it must not promise it.
 */

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ rateLimitPerSecond: 5_000, rateLimitBurst: 5_000, sessionGraceMs: 5_000 });
});
after(async () => {
  await srv.close();
});

const roomOf = (r: Json): { id: string; epoch: string; seq: number } => {
  const info = r['room'] as Json;
  return { id: info['id'] as string, epoch: info['epoch'] as string, seq: info['seq'] as number };
};

for (const named of [false, true]) {
  test(`a resume without the ${named ? 'named' : 'unnamed'} room's position is not claimed recovered; the listed one is`, async () => {
    const ann = await RawClient.ws(srv.wsUrl);
    const welcome = await ann.hello('Ann');
    const bob = await RawClient.tcp(srv.tcp.port);
    await bob.hello('Bob');
    const room = roomOf(await ann.ok('room.create', named ? { name: `unlisted ${Date.now()}` } : {}));
    const other = roomOf(await ann.ok('room.create'));
    await bob.ok('room.join', { room: room.id });
    await bob.ok('room.join', { room: other.id });
    await bob.ok('chat.send', { room: room.id, text: 'seen' });
    await ann.next((m) => m['type'] === 'message' && m['text'] === 'seen');
    const otherSeq = roomOf(await ann.ok('room.join', { room: other.id })).seq;

    // Ann's socket dies; Bob goes on writing to both rooms.
    ann.close();
    await ann.waitClosed();
    const sent: number[] = [];
    for (const text of ['missed 1', 'missed 2']) {
      sent.push((await bob.ok('chat.send', { room: room.id, text }))['seq'] as number);
    }
    await bob.ok('chat.send', { room: other.id, text: 'missed in other' });

    // Ann resumes listing only the other room.
    const again = await RawClient.tcp(srv.tcp.port);
    const resumed = await again.hello('Ann', {
      token: welcome['token'],
      rooms: [{ room: other.id, epoch: other.epoch, seq: otherSeq }],
    });
    assert.equal(resumed['resumed'], true);
    const rooms = resumed['rooms'] as Json[];
    const unlisted = rooms.find((r) => r['room'] === room.id);
    assert.deepEqual(unlisted, { room: room.id, recovered: false, epoch: room.epoch, seq: sent.at(-1) });
    const listed = rooms.find((r) => r['room'] === other.id);
    assert.equal(listed?.['recovered'], true);
    // The listed room's missed message is replayed; then a live one in the unlisted room arrives
    // (the session is still in it) — and nothing of it was replayed before.
    await again.next((m) => m['type'] === 'message' && m['text'] === 'missed in other');
    await bob.ok('chat.send', { room: room.id, text: 'live' });
    await again.next((m) => m['type'] === 'message' && m['text'] === 'live');
    const replayed = again.received.filter((m) => m['room'] === room.id && m['type'] === 'message');
    assert.deepEqual(replayed, [], 'no partial replay for the unlisted room');
    // Reloading the room (what recovered:false asks for) shows what was missed.
    const reload = await again.ok('room.join', { room: room.id });
    const texts = (reload['recent'] as Json[]).flatMap((e) => (e['type'] === 'message' ? [e['text']] : []));
    assert.deepEqual(texts.slice(-4), ['seen', 'missed 1', 'missed 2', 'live']);
    again.close();
    bob.close();
  });
}
