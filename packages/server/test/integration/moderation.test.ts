import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';
import { createServiceKey } from '../../src/identity/service-keys.js';
import { runAdmin } from '../../src/admin-cli.js';

/**
 * Moderation over real sockets on one server (SQLite): what each action does, beyond who may do
 * it (authorization.test.ts checks that cell by cell).
 */

let server: TestServer;
const open: RawClient[] = [];

before(async () => {
  server = await startTestServer({ rateLimitPerSecond: 1_000, rateLimitBurst: 1_000 });
});

after(async () => {
  for (const c of open) c.close();
  await server.close();
});

async function connect(name: string, extra: Json = {}): Promise<{ c: RawClient; id: string; token: string }> {
  const c = await RawClient.ws(server.wsUrl);
  open.push(c);
  const welcome = await c.hello(name, extra);
  return { c, id: welcome['userId'] as string, token: welcome['token'] as string };
}

/** A named link room owned by a fresh owner, with one member (`bob`) in it. */
async function roomWithMember(guestKey = randomKey()) {
  const owner = await connect('Owner');
  const room = ((await owner.c.ok('room.create', { name: 'Moderated' }))['room'] as Json)['id'] as string;
  const bob = await connect('Bob');
  await bob.c.ok('room.join', { room, guestKey });
  await owner.c.ok('room.role', { room, user: bob.id, role: 'member' });
  return { owner, room, bob, guestKey };
}

function randomKey(): string {
  return `key-${Math.random().toString(36).slice(2)}-${Date.now()}`;
}

async function codeOf(c: RawClient, type: string, params: Json): Promise<string> {
  const reply = await c.request(type, params);
  return reply['type'] === 'ok' ? 'ok' : String(reply['code']);
}

test('kick: out at once, told why, and may come back', async () => {
  const { owner, room, bob } = await roomWithMember();
  await owner.c.ok('mod.kick', { room, user: bob.id, reason: 'cool off' });
  const why = await bob.c.event('mod.removed', (e) => e['room'] === room);
  assert.equal(why['action'], 'kick');
  assert.equal(why['reason'], 'cool off');
  assert.equal(await codeOf(bob.c, 'chat.send', { room, text: 'still here?' }), 'NOT_IN_ROOM');
  assert.equal(await codeOf(bob.c, 'room.join', { room }), 'ok');
});

test('ban by user id: refused on join, with an invite, and after a resume; unban lets them in', async () => {
  const { owner, room, bob } = await roomWithMember();
  const banned = await owner.c.ok('mod.ban', { room, user: bob.id, reason: 'spam' });
  const ban = banned['ban'] as Json;
  assert.equal((ban['user'] as Json)['id'], bob.id);
  assert.equal((await bob.c.event('mod.removed'))['action'], 'ban');
  assert.equal(await codeOf(bob.c, 'room.join', { room }), 'BANNED');
  const invite = ((await owner.c.ok('invite.create', { room, kind: 'single' }))['invite'] as Json)['code'];
  assert.equal(await codeOf(bob.c, 'room.join', { invite }), 'BANNED');
  // The invite was not used up by the refused join.
  const invites = (await owner.c.ok('invite.list', { room }))['invites'] as Json[];
  assert.equal(invites.find((i) => i['code'] === invite)?.['uses'], 0);
  // Same user on a new connection (resumed token): still banned.
  const again = await RawClient.ws(server.wsUrl);
  open.push(again);
  await again.hello('Bob', { token: bob.token });
  assert.equal(await codeOf(again, 'room.join', { room }), 'BANNED');

  const list = (await owner.c.ok('mod.bans', { room }))['bans'] as Json[];
  assert.deepEqual(
    list.map((b) => b['id']),
    [ban['id']],
  );
  await owner.c.ok('mod.unban', { room, ban: ban['id'] as string });
  assert.equal(await codeOf(again, 'room.join', { room }), 'ok');
});

test('a ban with a duration expires', async () => {
  const { owner, room, bob } = await roomWithMember();
  const ban = (await owner.c.ok('mod.ban', { room, user: bob.id, durationSeconds: 1 }))['ban'] as Json;
  assert.ok(typeof ban['expiresAt'] === 'number');
  assert.equal(await codeOf(bob.c, 'room.join', { room }), 'BANNED');
  const wait = (ban['expiresAt'] as number) - Date.now() + 50;
  await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  assert.equal(await codeOf(bob.c, 'room.join', { room }), 'ok');
});

test('a banned guest with a new guest id is refused by the browser key, or by address when asked', async () => {
  const { owner, room, bob, guestKey } = await roomWithMember();
  await owner.c.ok('mod.ban', { room, user: bob.id });
  const sameBrowser = await connect('Bob again');
  assert.notEqual(sameBrowser.id, bob.id);
  assert.equal(await codeOf(sameBrowser.c, 'room.join', { room, guestKey }), 'BANNED');
  // A fresh browser (new key) from the same address is let in: the address was not banned...
  const fresh = await connect('Bob fresh');
  assert.equal(await codeOf(fresh.c, 'room.join', { room, guestKey: randomKey() }), 'ok');
  // ...until a ban by address, which holds whatever key (or none) comes next.
  await owner.c.ok('mod.ban', { room, user: fresh.id, byAddress: true });
  const third = await connect('Bob third');
  assert.equal(await codeOf(third.c, 'room.join', { room }), 'BANNED');
  const bans = (await owner.c.ok('mod.bans', { room }))['bans'] as Json[];
  assert.deepEqual(
    bans.map((b) => [b['byGuestKey'], b['byAddress']]),
    [
      [true, false],
      [true, true],
    ],
  );
  // The hash never leaves the server.
  assert.ok(!JSON.stringify(bans).includes('127.0.0.1'));
});

test('chat mute: MUTED until it expires; admins are not slowed, members are', async () => {
  const { owner, room, bob } = await roomWithMember();
  await owner.c.ok('mod.mute', { room, user: bob.id, chat: true, durationSeconds: 1 });
  const muted = await owner.c.event('mod.muted', (e) => (e['mute'] as Json)['user'] === bob.id);
  const until = (muted['mute'] as Json)['chatUntil'] as number;
  assert.equal(await codeOf(bob.c, 'chat.send', { room, text: 'hi' }), 'MUTED');
  await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now() + 50)));
  assert.equal(await codeOf(bob.c, 'chat.send', { room, text: 'hi' }), 'ok');

  await owner.c.ok('mod.settings', { room, slowModeSeconds: 2 });
  const slowed = await bob.c.request('chat.send', { room, text: 'again' });
  assert.equal(slowed['code'], 'SLOW_MODE');
  assert.ok((slowed['retryAfterMs'] as number) > 0 && (slowed['retryAfterMs'] as number) <= 2_000);
  // The owner is exempt.
  assert.equal(await codeOf(owner.c, 'chat.send', { room, text: 'one' }), 'ok');
  assert.equal(await codeOf(owner.c, 'chat.send', { room, text: 'two' }), 'ok');
  await new Promise((r) => setTimeout(r, (slowed['retryAfterMs'] as number) + 20));
  assert.equal(await codeOf(bob.c, 'chat.send', { room, text: 'later' }), 'ok');
});

test('call mute: the server turns the mic off, tells everyone, and refuses turning it on', async () => {
  const { owner, room, bob } = await roomWithMember();
  await owner.c.ok('live.join', { room, media: { audio: true, video: true } });
  await bob.c.ok('live.join', { room, media: { audio: true, video: true } });
  owner.c.received.splice(0);
  await owner.c.ok('mod.mute', { room, user: bob.id, audio: true });
  const told = await owner.c.event('mod.muted');
  assert.deepEqual(told['mute'], { user: bob.id, chatUntil: null, audio: true, video: false });
  const updated = await owner.c.event(
    'live.updated',
    (e) => ((e['participant'] as Json)['user'] as Json)['id'] === bob.id,
  );
  assert.deepEqual((updated['participant'] as Json)['media'], { audio: false, video: true, screen: false });
  assert.equal(await codeOf(bob.c, 'live.media', { room, audio: true }), 'MUTED');
  assert.equal(await codeOf(bob.c, 'live.media', { room, video: false }), 'ok');
  // Rejoining the call does not get around it either.
  await bob.c.ok('live.leave', { room });
  const rejoined = await bob.c.ok('live.join', { room, media: { audio: true } });
  assert.equal(((rejoined['you'] as Json)['media'] as Json)['audio'], false);
  await owner.c.ok('mod.mute', { room, user: bob.id, audio: false });
  assert.equal(await codeOf(bob.c, 'live.media', { room, audio: true }), 'ok');
});

test('mute everyone and everyone joins muted spare owners and admins', async () => {
  const { owner, room, bob } = await roomWithMember();
  await owner.c.ok('live.join', { room, media: { audio: true } });
  await bob.c.ok('live.join', { room, media: { audio: true } });
  const mutes = (await owner.c.ok('mod.mute', { room, audio: true }))['mutes'] as Json[];
  assert.deepEqual(
    mutes.map((m) => m['user']),
    [bob.id],
  );
  assert.equal(await codeOf(owner.c, 'live.media', { room, audio: true }), 'ok');
  assert.equal(await codeOf(bob.c, 'live.media', { room, audio: true }), 'MUTED');

  await owner.c.ok('mod.settings', { room, joinMuted: true });
  const carol = await connect('Carol');
  const joined = await carol.c.ok('room.join', { room });
  assert.equal(((joined['moderation'] as Json)['settings'] as Json)['joinMuted'], true);
  const call = await carol.c.ok('live.join', { room, media: { audio: true } });
  assert.equal(((call['you'] as Json)['media'] as Json)['audio'], false);
  assert.equal(await codeOf(carol.c, 'live.media', { room, audio: true }), 'MUTED');
});

test('lobby: the knock reaches admins, admit lets in, deny does not', async () => {
  const { owner, room } = await roomWithMember();
  await owner.c.ok('mod.settings', { room, lobby: true });
  const dave = await connect('Dave');
  assert.equal(await codeOf(dave.c, 'room.join', { room }), 'LOBBY_REQUIRED');
  const knocked = await dave.c.ok('lobby.knock', { room });
  assert.equal(knocked['admitted'], false);
  const seen = await owner.c.event('lobby.knocked');
  assert.equal(((seen['knock'] as Json)['user'] as Json)['id'], dave.id);
  assert.deepEqual(
    ((await owner.c.ok('lobby.list', { room }))['knocks'] as Json[]).map((k) => k['id']),
    [knocked['knock']],
  );
  await owner.c.ok('lobby.answer', { room, knock: knocked['knock'] as string, admit: true });
  const outcome = await dave.c.event('lobby.outcome');
  assert.equal(outcome['admitted'], true);
  assert.equal(await codeOf(dave.c, 'room.join', { room }), 'ok');

  const eve = await connect('Eve');
  const k2 = await eve.c.ok('lobby.knock', { room });
  await owner.c.ok('lobby.answer', { room, knock: k2['knock'] as string, admit: false });
  assert.equal((await eve.c.event('lobby.outcome'))['admitted'], false);
  assert.equal(await codeOf(eve.c, 'room.join', { room }), 'LOBBY_REQUIRED');
});

test('password: asked of newcomers without an invite, hashed, and an invite or membership skips it', async () => {
  const { owner, room, bob } = await roomWithMember();
  const settings = (await owner.c.ok('mod.settings', { room, password: 'open sesame' }))['settings'] as Json;
  assert.equal(settings['hasPassword'], true);
  const frank = await connect('Frank');
  assert.equal(await codeOf(frank.c, 'room.join', { room }), 'PASSWORD_REQUIRED');
  assert.equal(await codeOf(frank.c, 'room.join', { room, password: 'wrong' }), 'PASSWORD_WRONG');
  assert.equal(await codeOf(frank.c, 'room.join', { room, password: 'open sesame' }), 'ok');
  const invite = ((await owner.c.ok('invite.create', { room, kind: 'single' }))['invite'] as Json)['code'];
  const gina = await connect('Gina');
  assert.equal(await codeOf(gina.c, 'room.join', { room, invite }), 'ok');
  await bob.c.ok('room.leave', { room });
  assert.equal(await codeOf(bob.c, 'room.join', { room }), 'PASSWORD_REQUIRED');
  // The operator clears it with `presence admin` while the server runs.
  const out: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t), env: {} };
  const code = await runAdmin(['rooms', 'clear-password', room, '--data-dir', server.dataDir], io);
  assert.equal(code, 0, out.join('\n'));
  assert.equal(await codeOf(bob.c, 'room.join', { room }), 'ok');
  await owner.c.ok('mod.settings', { room, password: 'again' });
  await owner.c.ok('mod.settings', { room, password: null });
  const hank = await connect('Hank');
  assert.equal(await codeOf(hank.c, 'room.join', { room }), 'ok');
});

test('wrong room passwords are rate limited per user and per address (RATE_LIMITED with retryAfterMs)', async () => {
  const { owner, room } = await roomWithMember();
  await owner.c.ok('mod.settings', { room, password: 'right one' });
  const ivan = await connect('Ivan');
  for (let i = 0; i < 5; i++) {
    assert.equal(await codeOf(ivan.c, 'room.join', { room, password: `guess ${i}` }), 'PASSWORD_WRONG');
  }
  const limited = await ivan.c.request('room.join', { room, password: 'right one' });
  assert.equal(limited['code'], 'RATE_LIMITED', 'even the right password waits out the limit');
  const wait = limited['retryAfterMs'] as number;
  assert.ok(wait > 0 && wait <= 60_000, String(wait));
  assert.equal((await ivan.c.request('lobby.knock', { room, password: 'x' }))['code'], 'RATE_LIMITED');
  // Per address: new users from the same address (a script minting guests) run out too.
  let code = '';
  for (let i = 0; i < 20 && code !== 'RATE_LIMITED'; i++) {
    const next = await connect(`Sock ${i}`);
    for (let j = 0; j < 5 && code !== 'RATE_LIMITED'; j++) {
      code = await codeOf(next.c, 'room.join', { room, password: `guess ${i}.${j}` });
    }
  }
  assert.equal(code, 'RATE_LIMITED');
  // Another room's password is not affected.
  const other = await roomWithMember();
  await other.owner.c.ok('mod.settings', { room: other.room, password: 'other' });
  assert.equal(await codeOf(ivan.c, 'room.join', { room: other.room, password: 'other' }), 'ok');
});

test('a message a moderator deleted stays in history as removed by a moderator', async () => {
  const { owner, room, bob } = await roomWithMember();
  const rude = (await bob.c.ok('chat.send', { room, text: 'rude words' }))['seq'] as number;
  const own = (await bob.c.ok('chat.send', { room, text: 'typo' }))['seq'] as number;
  await owner.c.ok('chat.delete', { room, seq: rude });
  await bob.c.ok('chat.delete', { room, seq: own });
  const history = (await owner.c.ok('room.history', { room, limit: 50 }))['events'] as Json[];
  const byModerator = history.find((e) => e['seq'] === rude);
  assert.equal(byModerator?.['deleted'], true);
  assert.equal(byModerator?.['removedByModerator'], true);
  assert.equal(byModerator?.['text'], '');
  const byAuthor = history.find((e) => e['seq'] === own);
  assert.equal(byAuthor?.['deleted'], true);
  assert.equal(byAuthor?.['removedByModerator'], undefined);
  // A rejoin's snapshot carries it too.
  const carol = await connect('Carol');
  const joined = await carol.c.ok('room.join', { room });
  const recent = joined['recent'] as Json[];
  assert.equal(recent.find((e) => e['seq'] === rude)?.['removedByModerator'], true);
});

test('report reaches admins only; a moderator deletion, and everything else, is in the audit log', async () => {
  const { owner, room, bob } = await roomWithMember();
  const carol = await connect('Carol');
  await carol.c.ok('room.join', { room });
  const seq = (await bob.c.ok('chat.send', { room, text: 'rude words' }))['seq'] as number;
  await carol.c.ok('chat.report', { room, seq, reason: 'rude' });
  const report = await owner.c.event('chat.reported');
  assert.equal(report['seq'], seq);
  assert.equal((report['by'] as Json)['id'], carol.id);
  assert.equal(
    bob.c.received.find((m) => m['type'] === 'chat.reported'),
    undefined,
  );
  await owner.c.ok('chat.delete', { room, seq });
  await owner.c.ok('mod.mute', { room, user: bob.id, chat: true, reason: 'language' });
  await owner.c.ok('mod.kick', { room, user: carol.id });
  assert.equal(await codeOf(bob.c, 'mod.audit', { room }), 'FORBIDDEN');
  const audit = await owner.c.ok('mod.audit', { room });
  const entries = audit['entries'] as Json[];
  assert.deepEqual(
    entries.map((e) => [e['action'], (e['target'] as Json | null)?.['id'] ?? null]),
    [
      ['kick', carol.id],
      ['mute', bob.id],
      ['message.delete', bob.id],
      ['report', bob.id],
      ['role', bob.id],
    ],
  );
  assert.equal(entries[1]?.['reason'], 'language');
  const page = await owner.c.ok('mod.audit', { room, limit: 2 });
  assert.equal(page['more'], true);
  const rest = await owner.c.ok('mod.audit', {
    room,
    before: ((page['entries'] as Json[])[1] as Json)['id'] as number,
  });
  assert.equal((rest['entries'] as Json[]).length, 3);
});

test('the service API reads the audit log', async () => {
  const { owner, room, bob } = await roomWithMember();
  await owner.c.ok('mod.kick', { room, user: bob.id });
  const { key } = await createServiceKey(server.server.store.serviceKeys, 'audit test');
  const res = await fetch(`${server.httpUrl}/api/service/rooms/${room}/audit`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { entries: Json[] };
  assert.equal(body.entries[0]?.['action'], 'kick');
});
