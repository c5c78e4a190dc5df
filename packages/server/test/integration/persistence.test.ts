// test-needs: postgres
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Config } from '../../src/index.js';
import { startTestServer } from '../../../../test/harness.js';
import { createTestSchema, TEST_DATABASE_URL } from '../../../../test/postgres.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

/** These tests send quickly on purpose; rate limiting has its own test. */
// These guests' public rooms are looked up in the directory, which lists guests' rooms only on request.
const FAST = { rateLimitPerSecond: 5_000, rateLimitBurst: 5_000, directoryGuestRooms: true };

/** Each backend gives a config that survives a restart (same file, or same schema) and a cleanup. */
const backends: Record<string, () => Promise<{ config: Partial<Config>; cleanup(): Promise<void> }>> = {
  sqlite: async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'presence-persist-'));
    return { config: { dataDir, ...FAST }, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
  },
  postgres: async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'presence-persist-'));
    const { schema, drop } = await createTestSchema();
    return {
      config: { dataDir, databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, ...FAST },
      cleanup: async () => {
        await drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const roomOf = (r: Json): string => (r['room'] as Json)['id'] as string;

for (const [backend, make] of Object.entries(backends)) {
  describe(`persistent rooms (${backend})`, () => {
    test('naming keeps the log and members across a restart; history pages both ways', async () => {
      const { config, cleanup } = await make();
      try {
        let srv = await startTestServer(config);
        const a = await RawClient.ws(srv.wsUrl);
        const welcomeA = await a.hello('Ann');
        const b = await RawClient.tcp(srv.tcp.port);
        await b.hello('Bob');
        const room = roomOf(await a.ok('room.create'));
        await b.ok('room.join', { room });
        await a.ok('chat.send', { room, text: 'said before naming' });
        const named = await a.ok('room.update', {
          room,
          name: 'Team Room',
          topic: 'plans',
          visibility: 'public',
        });
        assert.equal((named['room'] as Json)['persistent'], true);
        const updated = await b.event('room.updated');
        assert.equal(updated['name'], 'Team Room');
        for (let i = 0; i < 120; i++) await b.ok('chat.send', { room, text: `n${i}` });
        a.close();
        b.close();
        await srv.close();

        srv = await startTestServer(config);
        const a2 = await RawClient.ws(srv.wsUrl);
        await a2.hello('Ann', { token: welcomeA['token'] });
        const joined = await a2.ok('room.join', { room });
        const info = joined['room'] as Json;
        assert.equal(info['name'], 'Team Room');
        assert.equal(info['topic'], 'plans');
        assert.equal(info['persistent'], true);
        assert.equal(joined['role'], 'owner', 'the owner is still the owner after a restart');
        assert.deepEqual((joined['members'] as Json[]).map((m) => m['name']).sort(), ['Ann', 'Bob']);
        const lastSeq = info['seq'] as number;

        // Page backwards from the end with the default size, then forwards from the start.
        const seen: number[] = [];
        let before: number | undefined;
        for (;;) {
          const page = await a2.ok('room.history', { room, ...(before ? { before } : {}) });
          const events = page['events'] as Json[];
          assert.ok(events.length <= 50);
          seen.unshift(...events.map((e) => e['seq'] as number));
          if (!page['more']) break;
          before = events[0]!['seq'] as number;
        }
        assert.deepEqual(
          seen,
          Array.from({ length: lastSeq }, (_, i) => i + 1),
        );
        const texts: string[] = [];
        let afterSeq = 0;
        for (;;) {
          const page = await a2.ok('room.history', { room, after: afterSeq, limit: 1000 });
          const events = page['events'] as Json[];
          assert.ok(events.length <= 100, 'a larger page is clamped to historyPageMax');
          texts.push(...events.filter((e) => e['type'] === 'message').map((e) => e['text'] as string));
          if (!page['more']) break;
          afterSeq = events.at(-1)!['seq'] as number;
        }
        assert.equal(texts[0], 'said before naming');
        assert.deepEqual(
          texts.slice(1),
          Array.from({ length: 120 }, (_, i) => `n${i}`),
        );

        // The directory finds it over REST and over the protocol, case-insensitively.
        const rest = (await (await fetch(`${srv.httpUrl}/api/rooms?q=team`)).json()) as { rooms: Json[] };
        assert.deepEqual(
          rest.rooms.map((r) => r['id']),
          [room],
        );
        const dir = await a2.ok('rooms.directory', { query: 'TEAM' });
        assert.deepEqual(
          (dir['rooms'] as Json[]).map((r) => r['id']),
          [room],
        );
        a2.close();
        await srv.close();
      } finally {
        await cleanup();
      }
    });

    test('edit and delete, roles, read markers and unread counts', async () => {
      const { config, cleanup } = await make();
      const srv = await startTestServer(config);
      try {
        const owner = await RawClient.ws(srv.wsUrl);
        await owner.hello('Owner');
        const bob = await RawClient.ws(srv.wsUrl);
        await bob.hello('Bob');
        const carol = await RawClient.tcp(srv.tcp.port);
        await carol.hello('Carol');
        const room = roomOf(await owner.ok('room.create', { name: 'Edits' }));
        await bob.ok('room.join', { room });
        await carol.ok('room.join', { room });

        const m1 = await bob.ok('chat.send', { room, text: 'tpyo' });
        const edit = await bob.ok('chat.edit', { room, seq: m1['seq'], text: 'typo *fixed*' });
        const edited = await carol.event('message.edited');
        assert.equal(edited['target'], m1['seq']);
        assert.equal(edited['html'], '<p>typo <em>fixed</em></p>');
        assert.equal(edit['seq'], edited['seq']);
        const forbidden = await carol.request('chat.edit', { room, seq: m1['seq'], text: 'hijack' });
        assert.equal(forbidden['code'], 'FORBIDDEN');
        const forbiddenDelete = await carol.request('chat.delete', { room, seq: m1['seq'] });
        assert.equal(forbiddenDelete['code'], 'FORBIDDEN');
        const notMessage = await bob.request('chat.edit', { room, seq: 1, text: 'x' });
        assert.equal(notMessage['code'], 'MESSAGE_NOT_FOUND');

        const m2 = await carol.ok('chat.send', { room, text: 'to be moderated' });
        await owner.ok('chat.delete', { room, seq: m2['seq'] }); // admins and owners may delete any
        const deleted = await bob.event('message.deleted');
        assert.equal(deleted['target'], m2['seq']);
        const again = await carol.request('chat.edit', { room, seq: m2['seq'], text: 'undelete?' });
        assert.equal(again['code'], 'MESSAGE_NOT_FOUND');

        const page = await bob.ok('room.history', { room, after: 0 });
        const byseq = new Map((page['events'] as Json[]).map((e) => [e['seq'], e]));
        assert.equal(byseq.get(m1['seq'])!['text'], 'typo *fixed*');
        assert.equal(typeof byseq.get(m1['seq'])!['edited'], 'number');
        assert.equal(byseq.get(m2['seq'])!['deleted'], true);
        assert.equal(byseq.get(m2['seq'])!['text'], '');

        // Only owners and admins change a named room.
        const rename = await bob.request('room.update', { room, name: 'Mine now' });
        assert.equal(rename['code'], 'FORBIDDEN');

        // Roles: a member cannot promote; the owner makes Bob admin; an admin cannot make admins
        // but moderates members; nobody touches the owner.
        const bobId = (await bob.ok('room.join', { room }))['members'] as Json[];
        const idOf = (name: string): string => bobId.find((m) => m['name'] === name)!['id'] as string;
        assert.equal(
          (await carol.request('room.role', { room, user: idOf('Bob'), role: 'admin' }))['code'],
          'FORBIDDEN',
        );
        const promoted = await owner.ok('room.role', { room, user: idOf('Bob'), role: 'admin' });
        assert.equal((promoted['member'] as Json)['role'], 'admin');
        const roleEvent = await carol.event('member.updated');
        assert.equal((roleEvent['user'] as Json)['role'], 'admin');
        assert.equal(
          (await bob.request('room.role', { room, user: idOf('Carol'), role: 'admin' }))['code'],
          'FORBIDDEN',
        );
        assert.equal(
          (await bob.request('room.role', { room, user: idOf('Owner'), role: 'guest' }))['code'],
          'FORBIDDEN',
        );
        const m3 = await carol.ok('chat.send', { room, text: 'an admin may delete this' });
        await bob.ok('chat.delete', { room, seq: m3['seq'] });
        const renamed = await bob.ok('room.update', { room, topic: 'admins may change settings' });
        assert.equal((renamed['room'] as Json)['topic'], 'admins may change settings');
        const members = await carol.ok('room.join', { room });
        assert.equal((members['members'] as Json[]).find((m) => m['name'] === 'Bob')!['role'], 'admin');

        // Unread: Carol has read nothing since joining; Bob's message and its edit count once.
        await owner.ok('chat.send', { room, text: 'one' });
        const last = await owner.ok('chat.send', { room, text: 'two' });
        const mine = await carol.ok('rooms.mine');
        const entry = (mine['rooms'] as Json[]).find((r) => r['id'] === room)!;
        assert.equal(entry['role'], 'guest', 'a guest (no account) joins a named room as guest');
        assert.equal(entry['unread'], 3, 'tpyo (edited), one, two; the deleted ones do not count');
        const read = await carol.ok('room.read', { room, seq: last['seq'] });
        assert.equal(read['unread'], 0);
        const back = await carol.ok('room.read', { room, seq: 1 });
        assert.equal(back['lastRead'], last['seq'], 'read markers never move backwards');
        for (const c of [owner, bob, carol]) c.close();
      } finally {
        await srv.close();
        await cleanup();
      }
    });
  });
}
