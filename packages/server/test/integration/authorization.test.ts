import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

/**
 * The authorization matrix, checked cell by cell over real sockets. ROWS is the single source of
 * the expectations: the test compares every outcome with it, and the matrix in
 * docs/authorization.md must be exactly ROWS rendered (run with PRESENCE_UPDATE_DOCS=1 to rewrite
 * it after changing a rule).
 *
 * Every cell gets a fresh named room (private unless the row says otherwise) with an owner, an
 * admin, a member and a guest, plus two bystanders to act on: a member and an admin.
 */

const ROLES = ['owner', 'admin', 'member', 'guest', 'non-member', 'anonymous'] as const;
type Role = (typeof ROLES)[number];

const OK = 'ok';
const F = 'FORBIDDEN';
const NIR = 'NOT_IN_ROOM';
const H = 'HELLO_REQUIRED';
type Outcome = string;

interface Fixture {
  room: string;
  /** The public invite the owner made to fill the room. */
  ownerInvite: string;
}

interface Row {
  /** The request type, then what it acts on. */
  action: string;
  visibility?: 'public' | 'link' | 'private';
  expect: Record<Role, Outcome>;
  /** Prepare what the request needs and return it: [type, params]. */
  request(fx: Fixture, who: Role): Promise<[string, Json]>;
}

const DOC = new URL('../../../../docs/authorization.md', import.meta.url);
// The matrix names hundreds of rooms from one address: the creation limits are not what it tests.
const FAST = {
  rateLimitPerSecond: 10_000,
  rateLimitBurst: 10_000,
  maxRoomsPerSession: 5_000,
  roomCreatesPerUser: 5_000,
  roomCreatesPerAddress: 5_000,
};

let server: TestServer;
type Client = Role | 'target' | 'targetAdmin' | 'knocker';
const clients = {} as Record<Client, RawClient>;
const ids = {} as Record<Client, string>;

const c = (role: Role): RawClient => clients[role];
const isMember = (who: Role): boolean => who !== 'non-member' && who !== 'anonymous';

function expect(...outcomes: Outcome[]): Record<Role, Outcome> {
  return Object.fromEntries(ROLES.map((r, i) => [r, outcomes[i] ?? '?'])) as Record<Role, Outcome>;
}

async function seqOf(client: RawClient, room: string, text: string): Promise<number> {
  return (await client.ok('chat.send', { room, text }))['seq'] as number;
}

async function inviteOf(client: RawClient, room: string, kind: 'single' | 'public'): Promise<string> {
  return ((await client.ok('invite.create', { room, kind }))['invite'] as Json)['code'] as string;
}

/** A message by the acting user (or, for those who cannot send, by the bystander member). */
async function ownMessage(fx: Fixture, who: Role): Promise<number> {
  return seqOf(isMember(who) ? c(who) : clients.target, fx.room, `by ${who}`);
}

const ROWS: Row[] = [
  {
    action: 'room.join — public room',
    visibility: 'public',
    expect: expect(OK, OK, OK, OK, OK, H),
    request: async (fx) => ['room.join', { room: fx.room }],
  },
  {
    action: 'room.join — link room',
    visibility: 'link',
    expect: expect(OK, OK, OK, OK, OK, H),
    request: async (fx) => ['room.join', { room: fx.room }],
  },
  {
    action: 'room.join — private room, no invite',
    expect: expect(OK, OK, OK, OK, F, H),
    request: async (fx) => ['room.join', { room: fx.room }],
  },
  {
    action: 'room.join — private room, with an invite',
    expect: expect(OK, OK, OK, OK, OK, H),
    request: async (fx) => [
      'room.join',
      { room: fx.room, invite: await inviteOf(c('owner'), fx.room, 'single') },
    ],
  },
  {
    action: 'room.join — with only an invite (no room id)',
    expect: expect(OK, OK, OK, OK, OK, H),
    request: async (fx) => ['room.join', { invite: await inviteOf(c('owner'), fx.room, 'single') }],
  },
  {
    action: 'room.join — private room, revoked invite',
    expect: expect(OK, OK, OK, OK, 'INVITE_INVALID (revoked)', H),
    request: async (fx) => {
      const code = await inviteOf(c('owner'), fx.room, 'single');
      await c('owner').ok('invite.revoke', { room: fx.room, code });
      return ['room.join', { room: fx.room, invite: code }];
    },
  },
  {
    action: 'room.leave',
    expect: expect(OK, OK, OK, OK, NIR, H),
    request: async (fx) => ['room.leave', { room: fx.room }],
  },
  {
    action: 'room.update — topic',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => ['room.update', { room: fx.room, topic: 'changed' }],
  },
  {
    action: 'room.role — a member to guest',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => ['room.role', { room: fx.room, user: ids.target, role: 'guest' }],
  },
  {
    action: 'room.role — a member to admin',
    expect: expect(OK, F, F, F, NIR, H),
    request: async (fx) => ['room.role', { room: fx.room, user: ids.target, role: 'admin' }],
  },
  {
    action: 'room.role — an admin to member',
    expect: expect(OK, F, F, F, NIR, H),
    request: async (fx) => ['room.role', { room: fx.room, user: ids.targetAdmin, role: 'member' }],
  },
  {
    action: 'room.role — the owner to admin',
    expect: expect(F, F, F, F, NIR, H),
    request: async (fx) => ['room.role', { room: fx.room, user: ids.owner, role: 'admin' }],
  },
  {
    action: 'room.remove — a member',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => ['room.remove', { room: fx.room, user: ids.target }],
  },
  {
    action: 'room.remove — an admin',
    expect: expect(OK, F, F, F, NIR, H),
    request: async (fx) => ['room.remove', { room: fx.room, user: ids.targetAdmin }],
  },
  {
    action: 'room.remove — the owner',
    expect: expect(F, F, F, F, NIR, H),
    request: async (fx) => ['room.remove', { room: fx.room, user: ids.owner }],
  },
  {
    action: 'room.history',
    expect: expect(OK, OK, OK, OK, NIR, H),
    request: async (fx) => ['room.history', { room: fx.room }],
  },
  {
    action: 'room.read',
    expect: expect(OK, OK, OK, OK, NIR, H),
    request: async (fx) => ['room.read', { room: fx.room, seq: 1 }],
  },
  {
    action: 'chat.send',
    expect: expect(OK, OK, OK, OK, NIR, H),
    request: async (fx) => ['chat.send', { room: fx.room, text: 'hello' }],
  },
  {
    action: 'chat.edit — own message',
    expect: expect(OK, OK, OK, OK, NIR, H),
    request: async (fx, who) => [
      'chat.edit',
      { room: fx.room, seq: await ownMessage(fx, who), text: 'fixed' },
    ],
  },
  {
    action: 'chat.edit — someone else’s message',
    expect: expect(F, F, F, F, NIR, H),
    request: async (fx) => [
      'chat.edit',
      { room: fx.room, seq: await seqOf(clients.target, fx.room, 'mine'), text: 'hijacked' },
    ],
  },
  {
    action: 'chat.delete — own message',
    expect: expect(OK, OK, OK, OK, NIR, H),
    request: async (fx, who) => ['chat.delete', { room: fx.room, seq: await ownMessage(fx, who) }],
  },
  {
    action: 'chat.delete — someone else’s message',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => [
      'chat.delete',
      { room: fx.room, seq: await seqOf(clients.target, fx.room, 'mine') },
    ],
  },
  {
    action: 'chat.typing',
    expect: expect(OK, OK, OK, OK, NIR, H),
    request: async (fx) => ['chat.typing', { room: fx.room, typing: true }],
  },
  {
    action: 'chat.react — someone else’s message',
    expect: expect(OK, OK, OK, OK, NIR, H),
    request: async (fx) => [
      'chat.react',
      { room: fx.room, seq: await seqOf(clients.target, fx.room, 'mine'), emoji: '👍', on: true },
    ],
  },
  {
    action: 'room.notify',
    expect: expect(OK, OK, OK, OK, NIR, H),
    request: async (fx) => ['room.notify', { room: fx.room, level: 'mentions' }],
  },
  {
    action: 'room.delete',
    expect: expect(OK, F, F, F, NIR, H),
    request: async (fx) => ['room.delete', { room: fx.room }],
  },
  {
    action: 'invite.create',
    expect: expect(OK, OK, OK, F, NIR, H),
    request: async (fx) => ['invite.create', { room: fx.room, kind: 'single' }],
  },
  {
    action: 'invite.list',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => ['invite.list', { room: fx.room }],
  },
  {
    action: 'invite.revoke — own invite',
    expect: expect(OK, OK, OK, F, NIR, H),
    request: async (fx, who) => {
      if (!isMember(who)) return ['invite.revoke', { room: fx.room, code: fx.ownerInvite }];
      // A guest cannot create invites: this one was made while a member, then demoted.
      if (who === 'guest') {
        await c('owner').ok('room.role', { room: fx.room, user: ids.guest, role: 'member' });
      }
      const code = await inviteOf(c(who), fx.room, 'public');
      if (who === 'guest') {
        await c('owner').ok('room.role', { room: fx.room, user: ids.guest, role: 'guest' });
      }
      return ['invite.revoke', { room: fx.room, code }];
    },
  },
  {
    action: 'invite.revoke — someone else’s invite',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => [
      'invite.revoke',
      { room: fx.room, code: await inviteOf(clients.target, fx.room, 'public') },
    ],
  },
  // Moderation (issue 16): moderators act only on lower roles, so never on the owner.
  {
    action: 'mod.kick — a member',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => ['mod.kick', { room: fx.room, user: ids.target, reason: 'spam' }],
  },
  {
    action: 'mod.kick — an admin',
    expect: expect(OK, F, F, F, NIR, H),
    request: async (fx) => ['mod.kick', { room: fx.room, user: ids.targetAdmin }],
  },
  {
    action: 'mod.kick — the owner',
    expect: expect(F, F, F, F, NIR, H),
    request: async (fx) => ['mod.kick', { room: fx.room, user: ids.owner }],
  },
  {
    action: 'mod.ban — a member',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => ['mod.ban', { room: fx.room, user: ids.target, durationSeconds: 60 }],
  },
  {
    action: 'mod.ban — an admin',
    expect: expect(OK, F, F, F, NIR, H),
    request: async (fx) => ['mod.ban', { room: fx.room, user: ids.targetAdmin }],
  },
  {
    action: 'mod.ban — the owner',
    expect: expect(F, F, F, F, NIR, H),
    request: async (fx) => ['mod.ban', { room: fx.room, user: ids.owner }],
  },
  {
    action: 'mod.unban',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => {
      const banned = await c('owner').ok('mod.ban', { room: fx.room, user: ids.target });
      return ['mod.unban', { room: fx.room, ban: (banned['ban'] as Json)['id'] as string }];
    },
  },
  {
    action: 'mod.bans',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => ['mod.bans', { room: fx.room }],
  },
  {
    action: 'mod.mute — a member',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => ['mod.mute', { room: fx.room, user: ids.target, chat: true, audio: true }],
  },
  {
    action: 'mod.mute — an admin',
    expect: expect(OK, F, F, F, NIR, H),
    request: async (fx) => ['mod.mute', { room: fx.room, user: ids.targetAdmin, chat: true }],
  },
  {
    action: 'mod.mute — the owner',
    expect: expect(F, F, F, F, NIR, H),
    request: async (fx) => ['mod.mute', { room: fx.room, user: ids.owner, chat: true }],
  },
  {
    action: 'mod.mute — everyone',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => ['mod.mute', { room: fx.room, audio: true }],
  },
  {
    action: 'mod.settings — slow mode',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => ['mod.settings', { room: fx.room, slowModeSeconds: 30 }],
  },
  {
    action: 'mod.audit',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => ['mod.audit', { room: fx.room }],
  },
  {
    action: 'lobby.list',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => ['lobby.list', { room: fx.room }],
  },
  {
    action: 'lobby.answer — a knock',
    visibility: 'link',
    expect: expect(OK, OK, F, F, NIR, H),
    request: async (fx) => {
      await c('owner').ok('mod.settings', { room: fx.room, lobby: true });
      const knocked = await clients.knocker.ok('lobby.knock', { room: fx.room });
      return ['lobby.answer', { room: fx.room, knock: knocked['knock'] as string, admit: true }];
    },
  },
  {
    action: 'lobby.knock — link room with a lobby',
    visibility: 'link',
    expect: expect(OK, OK, OK, OK, OK, H),
    request: async (fx) => {
      await c('owner').ok('mod.settings', { room: fx.room, lobby: true });
      return ['lobby.knock', { room: fx.room }];
    },
  },
  {
    action: 'room.join — link room with a lobby',
    visibility: 'link',
    expect: expect(OK, OK, OK, OK, 'LOBBY_REQUIRED', H),
    request: async (fx) => {
      await c('owner').ok('mod.settings', { room: fx.room, lobby: true });
      return ['room.join', { room: fx.room }];
    },
  },
  {
    action: 'room.join — link room with a password, none given',
    visibility: 'link',
    expect: expect(OK, OK, OK, OK, 'PASSWORD_REQUIRED', H),
    request: async (fx) => {
      await c('owner').ok('mod.settings', { room: fx.room, password: 'sesame' });
      return ['room.join', { room: fx.room }];
    },
  },
  {
    action: 'chat.send — slow mode, a second message',
    expect: expect(OK, OK, 'SLOW_MODE', 'SLOW_MODE', NIR, H),
    request: async (fx, who) => {
      await c('owner').ok('mod.settings', { room: fx.room, slowModeSeconds: 60 });
      if (isMember(who)) await c(who).ok('chat.send', { room: fx.room, text: 'first' });
      return ['chat.send', { room: fx.room, text: 'second' }];
    },
  },
  {
    action: 'chat.report — someone else’s message',
    expect: expect(OK, OK, OK, OK, NIR, H),
    request: async (fx) => [
      'chat.report',
      { room: fx.room, seq: await seqOf(clients.target, fx.room, 'rude'), reason: 'rude' },
    ],
  },
];

/** A fresh named room: everyone but the non-member in it, with their roles. */
async function setup(visibility: 'public' | 'link' | 'private'): Promise<Fixture> {
  const owner = c('owner');
  const created = await owner.ok('room.create', { name: 'Authorization', visibility });
  const room = (created['room'] as Json)['id'] as string;
  const ownerInvite = await inviteOf(owner, room, 'public');
  const joiners = [c('admin'), c('member'), c('guest'), clients.target, clients.targetAdmin];
  const joined = await Promise.all(joiners.map((j) => j.ok('room.join', { room, invite: ownerInvite })));
  // Everyone here is a guest user (no account), so everyone joins a named room as guest...
  assert.deepEqual(
    joined.map((j) => j['role']),
    ['guest', 'guest', 'guest', 'guest', 'guest'],
  );
  // ...and what they may do follows the role they are given, not how they signed in.
  for (const [user, role] of [
    [ids.admin, 'admin'],
    [ids.targetAdmin, 'admin'],
    [ids.member, 'member'],
    [ids.target, 'member'],
  ] as const) {
    await owner.ok('room.role', { room, user, role });
  }
  return { room, ownerInvite };
}

function outcomeOf(reply: Json): Outcome {
  if (reply['type'] === 'ok') return OK;
  const reason = reply['reason'];
  return `${String(reply['code'])}${typeof reason === 'string' ? ` (${reason})` : ''}`;
}

/** ROWS as the markdown table in docs/authorization.md. */
function renderMatrix(rows: Row[], cell: (row: Row, role: Role) => Outcome): string {
  const lines = [
    `| Action | ${ROLES.join(' | ')} |`,
    `| --- | ${ROLES.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${label(row.action)} | ${ROLES.map((r) => code(cell(row, r))).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** `room.join — public room` → the request type as code, then what it acts on. */
function label(action: string): string {
  const [type, ...what] = action.split(' — ');
  return `\`${type ?? ''}\`${what.length > 0 ? ` — ${what.join(' — ')}` : ''}`;
}

function code(outcome: Outcome): string {
  if (outcome === OK) return 'ok';
  const [name, ...rest] = outcome.split(' ');
  return `\`${name ?? ''}\`${rest.length > 0 ? ` ${rest.join(' ')}` : ''}`;
}

const START = '<!-- matrix:start (generated from packages/server/test/integration/authorization.test.ts) -->';
const END = '<!-- matrix:end -->';

before(async () => {
  server = await startTestServer(FAST);
  for (const role of [...ROLES, 'target', 'targetAdmin', 'knocker'] as const) {
    const client = await RawClient.ws(server.wsUrl);
    clients[role] = client;
    if (role !== 'anonymous') ids[role] = (await client.hello(role))['userId'] as string;
  }
});

after(async () => {
  for (const client of Object.values(clients)) client.close();
  await server.close();
});

/** The doc's text between the matrix markers, and the whole doc. */
function docMatrix(): { doc: string; start: number; end: number; current: string } {
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  assert.ok(start !== -1 && end > start, 'the doc has the matrix markers');
  return { doc, start, end, current: doc.slice(start + START.length, end).trim() };
}

test('docs/authorization.md shows exactly the matrix this test checks', (t) => {
  const matrix = renderMatrix(ROWS, (row, role) => row.expect[role]);
  const { doc, start, end, current } = docMatrix();
  if (process.env['PRESENCE_UPDATE_DOCS'] === '1' && current !== matrix) {
    writeFileSync(DOC, `${doc.slice(0, start + START.length)}\n${matrix}\n${doc.slice(end)}`);
    t.diagnostic('rewrote the matrix in docs/authorization.md from ROWS');
  }
  // Checked on the file as it is now, so an update run also proves what it wrote.
  assert.equal(docMatrix().current, matrix, 'run with PRESENCE_UPDATE_DOCS=1 to rewrite the doc from ROWS');
});

test('every action × every role gives exactly the expected outcome', async () => {
  const actual = new Map<Row, Record<Role, Outcome>>();
  for (const row of ROWS) {
    const outcomes = {} as Record<Role, Outcome>;
    for (const role of ROLES) {
      const fx = await setup(row.visibility ?? 'private');
      const [type, params] = await row.request(fx, role);
      outcomes[role] = outcomeOf(await c(role).request(type, params));
      for (const client of Object.values(clients)) client.received.splice(0);
    }
    actual.set(row, outcomes);
  }
  // One comparison of whole tables, so a failure shows every wrong cell at once.
  assert.equal(
    renderMatrix(ROWS, (row, role) => actual.get(row)?.[role] ?? '?'),
    renderMatrix(ROWS, (row, role) => row.expect[role]),
  );
});
