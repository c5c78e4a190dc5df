// Named rooms are bounded per user and per address over time, not only per session (issue 11,
// item 15), and guests' public rooms stay out of the directory unless an option lets them in.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

async function account(srv: TestServer, username: string): Promise<string> {
  const res = await fetch(`${srv.httpUrl}/api/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse', name: username }),
  });
  assert.equal(res.status, 201);
  return ((await res.json()) as { token: string }).token;
}

describe('room creation limits', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ roomCreatesPerUser: 3, roomCreatesPerAddress: 5 });
  });
  after(() => srv.close());

  test('a user may name only so many rooms per window, however often they leave', async () => {
    const c = await RawClient.ws(srv.wsUrl);
    await c.hello('Mallory');
    for (let i = 0; i < 3; i++) {
      const created = await c.ok('room.create', { name: `Room ${i}`, visibility: 'public' });
      // Leaving keeps the per-session count at zero: that limit alone never stopped this.
      await c.ok('room.leave', { room: (created['room'] as Json)['id'] });
    }
    const refused = await c.request('room.create', { name: 'Room 3' });
    assert.equal(refused['code'], 'RATE_LIMITED');
    assert.ok(Number(refused['retryAfterMs']) > 0, 'says when to try again');
    // Naming an unnamed room is creating a persistent one too.
    const plain = await c.ok('room.create');
    const rename = await c.request('room.update', { room: (plain['room'] as Json)['id'], name: 'Sneaky' });
    assert.equal(rename['code'], 'RATE_LIMITED');
    // The room refused a name is still an ordinary ephemeral room; and the session still works.
    assert.equal(((await c.ok('rooms.directory', {}))['rooms'] as Json[]).length, 0);
    c.close();
  });

  test('new guests from the same address share its allowance', async () => {
    const made: string[] = [];
    let refused: Json | undefined;
    // Mallory used 3 of this address's 5 above; fresh guests get 2 more between them.
    for (let i = 0; i < 3 && !refused; i++) {
      const c = await RawClient.ws(srv.wsUrl);
      await c.hello(`Guest ${i}`);
      const r = await c.request('room.create', { name: `Fresh ${i}` });
      if (r['type'] === 'ok') made.push(String((r['result'] as Json)['room']));
      else refused = r;
      c.close();
    }
    assert.equal(made.length, 2);
    assert.equal(refused?.['code'], 'RATE_LIMITED');
  });
});

describe("guests' public rooms and the directory", () => {
  for (const directoryGuestRooms of [false, true]) {
    test(`directoryGuestRooms: ${directoryGuestRooms}`, async () => {
      const srv = await startTestServer({ directoryGuestRooms });
      try {
        const guest = await RawClient.ws(srv.wsUrl);
        await guest.hello('Guest');
        await guest.ok('room.create', { name: 'Guest lounge', visibility: 'public' });
        const member = await RawClient.ws(srv.wsUrl);
        await member.hello('Acct', { token: await account(srv, 'acct') });
        await member.ok('room.create', { name: 'Account lounge', visibility: 'public' });

        const names = (r: Json) => (r['rooms'] as Json[]).map((x) => x['name']);
        const listed = names(await member.ok('rooms.directory', { query: 'lounge' }));
        const rest = (await (await fetch(`${srv.httpUrl}/api/rooms?q=lounge`)).json()) as Json;
        const expected = directoryGuestRooms ? ['Account lounge', 'Guest lounge'] : ['Account lounge'];
        assert.deepEqual(listed, expected);
        assert.deepEqual(names(rest), expected);
        guest.close();
        member.close();
      } finally {
        await srv.close();
      }
    });
  }
});
