// ROOM_NOT_FOUND or NOT_IN_ROOM, request by request, as docs/protocol.md tabulates it ("Which
// error for a room you are not in", issue 11 item 19): a third-party client needs to know which.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ rateLimitPerSecond: 1000, rateLimitBurst: 1000 });
});
after(() => srv.close());

const REQUESTS: Record<string, (room: string) => Json> = {
  'room.leave': (room) => ({ room }),
  'room.update': (room) => ({ room, topic: 'x' }),
  'room.role': (room) => ({ room, user: '~aaaaaaaaaa@localhost', role: 'member' }),
  'room.remove': (room) => ({ room, user: '~aaaaaaaaaa@localhost' }),
  'room.history': (room) => ({ room }),
  'room.read': (room) => ({ room, seq: 1 }),
  'chat.send': (room) => ({ room, text: 'hi' }),
  'chat.edit': (room) => ({ room, seq: 1, text: 'hi' }),
  'chat.delete': (room) => ({ room, seq: 1 }),
  'chat.typing': (room) => ({ room, typing: true }),
  'invite.create': (room) => ({ room, kind: 'single' }),
  'invite.list': (room) => ({ room }),
  'invite.revoke': (room) => ({ room, code: 'mXS1Ara2lB3GcD1TBBILrQ' }),
  'live.join': (room) => ({ room }),
  'live.leave': (room) => ({ room }),
  'live.media': (room) => ({ room, media: { audio: true } }),
  'live.signal': (room) => ({ room, to: 'x', signal: { kind: 'answer', sdp: 'v=0' } }),
  'live.ice': (room) => ({ room }),
};

/** The table in docs/protocol.md: request → [room does not exist, room exists but not joined]. */
function documented(): Map<string, [string, string]> {
  const doc = readFileSync(new URL('../../../../docs/protocol.md', import.meta.url), 'utf8');
  const start = doc.indexOf('### Which error for a room you are not in');
  assert.ok(start >= 0, 'the section exists');
  const rows = new Map<string, [string, string]>();
  for (const line of doc.slice(start).split('\n').slice(1)) {
    if (line.startsWith('#')) break;
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1]?.startsWith('`')) continue;
    const code = (c: string | undefined) => /`([A-Z_]+)`/.exec(c ?? '')?.[1] ?? '';
    for (const type of cells[1].matchAll(/`([a-z.]+)`/g))
      rows.set(type[1] ?? '', [code(cells[2]), code(cells[3])]);
  }
  return rows;
}

test('each room request answers the documented code for an unknown room and for a room not joined', async () => {
  const owner = await RawClient.ws(srv.wsUrl);
  await owner.hello('Owner');
  const room = ((await owner.ok('room.create', { name: 'Exists' }))['room'] as Json)['id'] as string;
  const stranger = await RawClient.ws(srv.wsUrl);
  await stranger.hello('Stranger');
  const table = documented();
  assert.deepEqual([...table.keys()].sort(), Object.keys(REQUESTS).sort(), 'every request is in the table');
  for (const [type, params] of Object.entries(REQUESTS)) {
    const missing = await stranger.request(type, params('nosuchroomzzzzzz'));
    const notJoined = await stranger.request(type, params(room));
    assert.deepEqual([missing['code'], notJoined['code']], table.get(type), type);
  }
  owner.close();
  stranger.close();
});
