import { setTimeout as delay } from 'node:timers/promises';
// test-needs: postgres
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { createTestSchema, TEST_DATABASE_URL } from '../../../../test/postgres.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

const FAST = {
  rateLimitPerSecond: 5_000,
  rateLimitBurst: 5_000,
  sessionGraceMs: 5_000,
  maxUploadBytes: 200_000,
};

/** A 3×2 PNG's first bytes: signature and IHDR are all the sniffer reads. */
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
  Buffer.from('IHDR'),
  Buffer.from([0, 0, 0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0]),
  Buffer.alloc(64, 7),
]);

async function until(cond: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Pair {
  a: RawClient;
  b: RawClient;
  aWelcome: Json;
  bWelcome: Json;
  room: { id: string; epoch: string };
}

const backends: [string, () => Promise<{ overrides: object; drop(): Promise<void> }>][] = [
  ['sqlite', () => Promise.resolve({ overrides: {}, drop: () => Promise.resolve() })],
  [
    'postgres',
    async () => {
      const { schema, drop } = await createTestSchema('presence_chatfx');
      return { overrides: { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema }, drop };
    },
  ],
];

for (const [kind, backend] of backends) {
  describe(`chat features on ${kind}`, () => {
    let srv: TestServer;
    let drop: () => Promise<void>;
    before(async () => {
      const b = await backend();
      drop = b.drop;
      srv = await startTestServer({ ...FAST, ...b.overrides });
    });
    after(async () => {
      await srv.close();
      await drop();
    });

    async function pair(name: string | null = 'Team'): Promise<Pair> {
      const a = await RawClient.ws(srv.wsUrl);
      const b = await RawClient.ws(srv.wsUrl);
      const aWelcome = await a.hello('Ann');
      const bWelcome = await b.hello('Bob');
      const created = await a.ok('room.create', name === null ? {} : { name });
      const info = created['room'] as Json;
      const room = { id: info['id'] as string, epoch: info['epoch'] as string };
      await b.ok('room.join', { room: room.id });
      return { a, b, aWelcome, bWelcome, room };
    }

    async function upload(token: unknown, room: string, body: Buffer, name = 'pic.png'): Promise<Response> {
      return fetch(`${srv.httpUrl}/api/rooms/${room}/files?name=${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${String(token)}`, 'content-type': 'application/octet-stream' },
        body: new Uint8Array(body),
      });
    }

    for (const named of [true, false]) {
      test(`replies quote the message; reactions toggle, count, and history carries them (${named ? 'named' : 'unnamed'} room)`, async () => {
        const { a, b, aWelcome, bWelcome, room } = await pair(named ? 'Team' : null);
        const first = await a.ok('chat.send', { room: room.id, text: 'lunch at **noon**?' });
        const reply = await b.ok('chat.send', { room: room.id, text: 'yes!', replyTo: first['seq'] });
        const got = await a.event('message', (m) => m['seq'] === reply['seq']);
        assert.deepEqual(got['reply'], {
          seq: first['seq'],
          from: aWelcome['userId'],
          name: 'Ann',
          text: 'lunch at **noon**?',
        });
        const missing = await b.request('chat.send', { room: room.id, text: 'x', replyTo: 999 });
        assert.equal(missing['code'], 'MESSAGE_NOT_FOUND');

        const on = await b.ok('chat.react', { room: room.id, seq: first['seq'], emoji: '👍', on: true });
        assert.equal(on['changed'], true);
        const again = await b.ok('chat.react', { room: room.id, seq: first['seq'], emoji: '👍', on: true });
        assert.equal(again['changed'], false);
        await a.ok('chat.react', { room: room.id, seq: first['seq'], emoji: '👍', on: true });
        await a.ok('chat.react', { room: room.id, seq: first['seq'], emoji: '🎉', on: true });
        await a.ok('chat.react', { room: room.id, seq: first['seq'], emoji: '🎉', on: false });
        const reaction = await a.event('reaction', (m) => m['seq'] === on['seq']);
        assert.equal(reaction['target'], first['seq']);
        assert.equal((reaction['by'] as Json)['id'], bWelcome['userId']);
        assert.equal(reaction['on'], true);
        const bad = await b.request('chat.react', {
          room: room.id,
          seq: first['seq'],
          emoji: 'a b',
          on: true,
        });
        assert.equal(bad['code'], 'INVALID_MESSAGE');
        const gone = await b.request('chat.react', { room: room.id, seq: 9999, emoji: '👍', on: true });
        assert.equal(gone['code'], 'MESSAGE_NOT_FOUND');

        const history = await b.ok('room.history', { room: room.id });
        const events = history['events'] as Json[];
        if (named) {
          // Named rooms: the message comes in its current state.
          const stored = events.find((e) => e['seq'] === first['seq']);
          assert.deepEqual(stored?.['reactions'], { '👍': [bWelcome['userId'], aWelcome['userId']] });
        } else {
          // Unnamed rooms: events as they happened, reactions among them.
          assert.equal(events.filter((e) => e['type'] === 'reaction').length, 4);
        }
        a.close();
        b.close();
      });
    }

    test('a reaction made while a member was away is replayed when it reconnects', async () => {
      const { a, b, aWelcome, room } = await pair();
      const sent = await b.ok('chat.send', { room: room.id, text: 'react to me' });
      await until(() => a.received.some((m) => m['seq'] === sent['seq']), 'message');
      a.close();
      await b.ok('chat.react', { room: room.id, seq: sent['seq'], emoji: '❤️', on: true });
      const a2 = await RawClient.tcp(srv.tcp.port);
      const w = await a2.hello('Ann', {
        token: aWelcome['token'],
        rooms: [{ room: room.id, epoch: room.epoch, seq: sent['seq'] }],
      });
      assert.equal((w['rooms'] as Json[])[0]?.['recovered'], true);
      const replayed = await a2.event('reaction');
      assert.equal(replayed['emoji'], '❤️');
      assert.equal(replayed['target'], sent['seq']);
      a2.close();
      b.close();
    });

    test('only members react; a stranger gets NOT_IN_ROOM', async () => {
      const { a, b, room } = await pair();
      const sent = await a.ok('chat.send', { room: room.id, text: 'mine' });
      const c = await RawClient.ws(srv.wsUrl);
      await c.hello('Eve');
      const refused = await c.request('chat.react', {
        room: room.id,
        seq: sent['seq'],
        emoji: '👍',
        on: true,
      });
      assert.equal(refused['code'], 'NOT_IN_ROOM');
      a.close();
      b.close();
      c.close();
    });

    test('mentions are stored as member ids and counted apart from unread', async () => {
      const { a, b, aWelcome, bWelcome, room } = await pair();
      const m = await a.ok('chat.send', {
        room: room.id,
        text: '@Bob look',
        mentions: [bWelcome['userId'], '~nobody@localhost', aWelcome['userId']],
      });
      await a.ok('chat.send', { room: room.id, text: 'and this' });
      const ev = await b.event('message', (e) => e['seq'] === m['seq']);
      assert.deepEqual(ev['mentions'], [bWelcome['userId']]);
      const mine = ((await b.ok('rooms.mine'))['rooms'] as Json[]).find((r) => r['id'] === room.id);
      assert.equal(mine?.['unread'], 2);
      assert.equal(mine?.['mentions'], 1);
      assert.equal(mine?.['notify'], 'all');
      await b.ok('room.read', { room: room.id, seq: m['seq'] });
      const after = ((await b.ok('rooms.mine'))['rooms'] as Json[]).find((r) => r['id'] === room.id);
      assert.equal(after?.['mentions'], 0);
      assert.equal(after?.['unread'], 1);

      assert.deepEqual(await b.ok('room.notify', { room: room.id, level: 'mentions' }), {
        level: 'mentions',
      });
      const muted = ((await b.ok('rooms.mine'))['rooms'] as Json[]).find((r) => r['id'] === room.id);
      assert.equal(muted?.['notify'], 'mentions');
      const wrong = await b.request('room.notify', { room: room.id, level: 'loud' });
      assert.equal(wrong['code'], 'INVALID_MESSAGE');
      a.close();
      b.close();
    });

    test('files: members upload and read, sniffed type, safe headers, attached once, deleted with the message', async () => {
      const { a, b, aWelcome, bWelcome, room } = await pair();
      const res = await upload(aWelcome['token'], room.id, PNG, 'cat.txt');
      assert.equal(res.status, 201);
      const file = ((await res.json()) as Json)['file'] as Json;
      assert.equal(file['type'], 'image/png');
      assert.equal(file['w'], 3);
      assert.equal(file['h'], 2);
      assert.equal(file['name'], 'cat.txt');

      const sent = await a.ok('chat.send', { room: room.id, text: 'cat.txt', file: file['id'] });
      const ev = await b.event('message', (m) => m['seq'] === sent['seq']);
      assert.deepEqual(ev['file'], file);
      const twice = await a.request('chat.send', { room: room.id, text: 'again', file: file['id'] });
      assert.equal(twice['code'], 'FILE_NOT_FOUND');
      const notHis = await b.request('chat.send', { room: room.id, text: 'mine?', file: file['id'] });
      assert.equal(notHis['code'], 'FILE_NOT_FOUND');

      const got = await fetch(`${srv.httpUrl}/api/files/${String(file['id'])}`, {
        headers: { authorization: `Bearer ${String(bWelcome['token'])}` },
      });
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), 'image/png');
      assert.match(got.headers.get('content-disposition') ?? '', /^attachment; filename="cat\.txt"/);
      assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
      assert.match(got.headers.get('content-security-policy') ?? '', /sandbox/);
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), PNG);

      // HTML is never served as HTML.
      const html = await upload(
        aWelcome['token'],
        room.id,
        Buffer.from('<html><script>alert(1)</script>'),
        'x.html',
      );
      const htmlFile = ((await html.json()) as Json)['file'] as Json;
      assert.equal(htmlFile['type'], 'application/octet-stream');
      const htmlGot = await fetch(`${srv.httpUrl}/api/files/${String(htmlFile['id'])}`, {
        headers: { authorization: `Bearer ${String(aWelcome['token'])}` },
      });
      assert.equal(htmlGot.headers.get('content-type'), 'application/octet-stream');

      const eve = await RawClient.ws(srv.wsUrl);
      const eveWelcome = await eve.hello('Eve');
      const stranger = await fetch(`${srv.httpUrl}/api/files/${String(file['id'])}`, {
        headers: { authorization: `Bearer ${String(eveWelcome['token'])}` },
      });
      assert.equal(stranger.status, 404);
      assert.equal(((await stranger.json()) as Json)['code'], 'FILE_NOT_FOUND');
      const strangerUp = await upload(eveWelcome['token'], room.id, PNG);
      assert.equal(strangerUp.status, 404);
      assert.equal(((await strangerUp.json()) as Json)['code'], 'NOT_IN_ROOM');
      const anonymous = await fetch(`${srv.httpUrl}/api/files/${String(file['id'])}`);
      assert.equal(anonymous.status, 401);
      const big = await upload(aWelcome['token'], room.id, Buffer.alloc(FAST.maxUploadBytes + 1, 1));
      assert.equal(big.status, 413);
      assert.equal(((await big.json()) as Json)['code'], 'FILE_TOO_LARGE');

      await a.ok('chat.delete', { room: room.id, seq: sent['seq'] });
      const afterDelete = await fetch(`${srv.httpUrl}/api/files/${String(file['id'])}`, {
        headers: { authorization: `Bearer ${String(aWelcome['token'])}` },
      });
      assert.equal(afterDelete.status, 404);
      a.close();
      b.close();
      eve.close();
    });

    test('orphans: an upload never attached goes after the grace period; a purged unnamed room takes its files', async () => {
      // A server of its own with a short grace (swept every second).
      const b2 = await backend();
      const quick = await startTestServer({ ...FAST, ...b2.overrides, orphanUploadGraceMs: 1_000 });
      try {
        const a = await RawClient.ws(quick.wsUrl);
        const aWelcome = await a.hello('Ann');
        const named = ((await a.ok('room.create', { name: 'Files' }))['room'] as Json)['id'] as string;
        const up = async (room: string): Promise<string> => {
          const res = await fetch(`${quick.httpUrl}/api/rooms/${room}/files?name=p.png`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${String(aWelcome['token'])}`,
              'content-type': 'application/octet-stream',
            },
            body: new Uint8Array(PNG),
          });
          assert.equal(res.status, 201);
          return (((await res.json()) as Json)['file'] as Json)['id'] as string;
        };
        const kept = await up(named);
        await a.ok('chat.send', { room: named, text: 'a picture', file: kept });
        const orphan = await up(named);
        const chat = quick.server.store.chat;
        for (let i = 0; i < 100 && (await chat.getFile(orphan)) !== undefined; i++) await delay(100);
        assert.equal(await chat.getFile(orphan), undefined, 'the unattached upload was swept');
        assert.notEqual(await chat.getFile(kept), undefined, 'the attached one stays');

        const unnamed = ((await a.ok('room.create', {}))['room'] as Json)['id'] as string;
        const inUnnamed = await up(unnamed);
        await a.ok('chat.send', { room: unnamed, text: 'here', file: inUnnamed });
        await a.ok('room.leave', { room: unnamed });
        for (let i = 0; i < 100 && (await chat.getFile(inUnnamed)) !== undefined; i++) await delay(100);
        assert.equal(await chat.getFile(inUnnamed), undefined, 'gone with the purged room');
        a.close();
      } finally {
        await quick.close();
        await b2.drop();
      }
    });

    test('search: one room or all mine, paged, edits followed, deleted and foreign messages never found', async () => {
      const { a, b, room } = await pair('Search one');
      const other = ((await a.ok('room.create', { name: 'Search two' }))['room'] as Json)['id'] as string;
      const theirs = await RawClient.ws(srv.wsUrl);
      await theirs.hello('Eve');
      const secret = ((await theirs.ok('room.create', { name: 'Secret' }))['room'] as Json)['id'] as string;
      await theirs.ok('chat.send', { room: secret, text: 'the pineapple plan' });

      await a.ok('chat.send', { room: room.id, text: 'Pineapple pizza is great' });
      for (let i = 0; i < 5; i++) await a.ok('chat.send', { room: other, text: `pineapples number ${i}` });
      const edited = await b.ok('chat.send', { room: room.id, text: 'nothing here' });
      await b.ok('chat.edit', { room: room.id, seq: edited['seq'], text: 'now with PINEAPPLE' });
      const deleted = await a.ok('chat.send', { room: room.id, text: 'pineapple to delete' });
      await a.ok('chat.delete', { room: room.id, seq: deleted['seq'] });

      const inRoom = await b.ok('chat.search', { query: 'pineapple', room: room.id });
      const texts = (inRoom['messages'] as Json[]).map((m) => m['text']);
      assert.deepEqual(texts, ['now with PINEAPPLE', 'Pineapple pizza is great']);

      const all = await a.ok('chat.search', { query: 'pineap', limit: 4 });
      assert.equal((all['messages'] as Json[]).length, 4);
      assert.equal(all['next'], 4);
      const page2 = await a.ok('chat.search', { query: 'pineap', limit: 4, offset: 4 });
      assert.equal((page2['messages'] as Json[]).length, 3);
      assert.equal(page2['next'], undefined);
      const everything = [...(all['messages'] as Json[]), ...(page2['messages'] as Json[])];
      assert.ok(everything.every((m) => m['room'] !== secret));
      assert.ok(everything.every((m) => m['text'] !== 'pineapple to delete'));

      // Bob is not in "Search two" and never sees it; Eve's room is hers only.
      const bobs = await b.ok('chat.search', { query: 'pineapples' });
      assert.deepEqual(bobs['messages'], []);
      const peek = await b.ok('chat.search', { query: 'pineapple', room: secret });
      assert.deepEqual(peek['messages'], []);
      // Operators and quotes are words, not syntax.
      const tricky = await b.ok('chat.search', { query: '"pizza" OR NEAR(* -' });
      assert.ok(Array.isArray(tricky['messages']));
      // After leaving, a room is not searched.
      await b.ok('room.leave', { room: room.id });
      const left = await b.ok('chat.search', { query: 'pineapple' });
      assert.deepEqual(left['messages'], []);
      a.close();
      b.close();
      theirs.close();
    });

    test('the owner deletes a room: members are told, history, files and search go with it', async () => {
      const { a, b, aWelcome, room } = await pair('Doomed');
      await a.ok('chat.send', { room: room.id, text: 'doomed words' });
      const res = await upload(aWelcome['token'], room.id, PNG);
      const file = ((await res.json()) as Json)['file'] as Json;
      const notOwner = await b.request('room.delete', { room: room.id });
      assert.equal(notOwner['code'], 'FORBIDDEN');
      await a.ok('room.delete', { room: room.id });
      const told = await b.event('room.deleted');
      assert.equal(told['room'], room.id);
      const mine = (await b.ok('rooms.mine'))['rooms'] as Json[];
      assert.ok(!mine.some((r) => r['id'] === room.id));
      const rejoin = await b.request('room.join', { room: room.id });
      assert.equal(rejoin['code'], 'ROOM_NOT_FOUND');
      const found = await a.ok('chat.search', { query: 'doomed' });
      assert.deepEqual(found['messages'], []);
      const fileGone = await fetch(`${srv.httpUrl}/api/files/${String(file['id'])}`, {
        headers: { authorization: `Bearer ${String(aWelcome['token'])}` },
      });
      assert.equal(fileGone.status, 404);
      // The session is out of the room: sending there is refused.
      const send = await b.request('chat.send', { room: room.id, text: 'hello?' });
      assert.equal(send['code'], 'ROOM_NOT_FOUND');
      a.close();
      b.close();
    });
  });
}
