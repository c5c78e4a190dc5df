// test-needs: postgres
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../../../../test/harness.js';
import { createTestSchema, TEST_DATABASE_URL } from '../../../../test/postgres.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';
import { runAdmin } from '../../src/admin-cli.js';
import { openStore } from '../../src/store/open-store.js';

/**
 * `presence admin …` as an operator runs it: a child process on a temporary data directory. It runs
 * the built command (the test runner builds the server first), as `npx presence` does: a child
 * through tsx would compile the sources again for each of the ~26 runs.
 */
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

interface Run {
  code: number;
  out: string;
  err: string;
}

function admin(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'admin', ...args],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, out: stdout, err: stderr });
      },
    );
  });
}

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-admin-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('on SQLite in --data-dir', () => {
  const flags = (): string[] => ['--data-dir', join(dir, 'data')];

  test('service keys: create prints the key once; list shows no key; revoke', async () => {
    const created = await admin(['service-keys', 'create', '--name', 'Friend Core', ...flags()]);
    assert.equal(created.code, 0, created.err);
    const key = /^(psk_[A-Za-z0-9_-]{43})$/m.exec(created.out)?.[1];
    assert.ok(key, created.out);
    const id = /\b(sk_[a-z2-7]+)\b/.exec(created.out)?.[1] ?? '';

    const listed = await admin(['service-keys', 'list', ...flags()]);
    assert.equal(listed.code, 0);
    assert.match(listed.out, /^ID\s+NAME\s+CREATED\s+REVOKED$/m);
    assert.match(listed.out, new RegExp(`^${id}\\s+Friend Core\\s+\\S+Z\\s+-$`, 'm'));
    assert.ok(!listed.out.includes(key.slice(4)), 'the key is never shown again');

    const json = await admin(['service-keys', 'list', '--json', ...flags()]);
    const keys = JSON.parse(json.out) as Json[];
    assert.deepEqual(
      keys.map((k) => [k['id'], k['name'], k['revokedAt']]),
      [[id, 'Friend Core', null]],
    );

    const revoked = await admin(['service-keys', 'revoke', id, ...flags()]);
    assert.equal(revoked.code, 0);
    const after = JSON.parse((await admin(['service-keys', 'list', '--json', ...flags()])).out) as Json[];
    assert.equal(typeof after[0]?.['revokedAt'], 'number');
    const missing = await admin(['service-keys', 'revoke', 'sk_nope', ...flags()]);
    assert.equal(missing.code, 1);
    assert.equal(missing.err.trim().split('\n').length, 1);
    assert.match(missing.err, /no service key sk_nope/);
  });

  test('users and rooms: create and list, in text and JSON', async () => {
    const alice = await admin(['users', 'create', '--id', 'alice', '--name', 'Alice', ...flags()]);
    assert.equal(alice.code, 0, alice.err);
    assert.match(alice.out, /alice@localhost/);
    const again = await admin(['users', 'create', '--id', 'alice', '--name', 'Other', ...flags()]);
    assert.equal(again.code, 1);
    assert.match(again.err, /exists/);

    const users = await admin(['users', 'list', ...flags()]);
    assert.match(users.out, /^alice@localhost\s+Alice\s+service\s+/m);

    const room = await admin([
      'rooms',
      'create',
      '--name',
      'Team Room',
      '--visibility',
      'private',
      '--owner',
      'alice@localhost',
      '--json',
      ...flags(),
    ]);
    assert.equal(room.code, 0, room.err);
    const stored = JSON.parse(room.out) as Json;
    assert.equal(stored['name'], 'Team Room');
    assert.equal(stored['createdBy'], 'alice@localhost');
    const rooms = await admin(['rooms', 'list', ...flags()]);
    assert.match(rooms.out, new RegExp(`^${String(stored['id'])}\\s+Team Room\\s+private\\s+1\\s+`, 'm'));
    const noOwner = await admin(['rooms', 'create', '--name', 'X', '--owner', 'ghost@localhost', ...flags()]);
    assert.equal(noOwner.code, 1);
    assert.match(noOwner.err, /no user ghost@localhost/);
  });

  test('invites: create, list, revoke for a stored room', async () => {
    const room = JSON.parse(
      (await admin(['rooms', 'create', '--name', 'Invites', '--json', ...flags()])).out,
    ) as Json;
    const roomId = String(room['id']);
    const single = await admin(['invites', 'create', '--room', roomId, '--kind', 'single', ...flags()]);
    assert.equal(single.code, 0, single.err);
    const pub = await admin([
      'invites',
      'create',
      '--room',
      roomId,
      '--kind',
      'public',
      '--max-uses',
      '5',
      '--expires-in',
      '3600',
      '--json',
      ...flags(),
    ]);
    const invite = JSON.parse(pub.out) as Json;
    assert.equal(invite['maxUses'], 5);
    assert.equal(invite['url'], `/i/${String(invite['code'])}`);

    const listed = await admin(['invites', 'list', '--room', roomId, ...flags()]);
    assert.match(
      listed.out,
      new RegExp(`^${String(invite['code'])}\\s+public\\s+0\\s+5\\s+\\S+Z\\s+/i/`, 'm'),
    );
    assert.equal(listed.out.trim().split('\n').length, 3, 'header and two invites');

    const revoked = await admin(['invites', 'revoke', '--room', roomId, String(invite['code']), ...flags()]);
    assert.equal(revoked.code, 0, revoked.err);
    const after = JSON.parse(
      (await admin(['invites', 'list', '--room', roomId, '--json', ...flags()])).out,
    ) as Json[];
    assert.equal(after.length, 1);
    const none = await admin(['invites', 'list', '--room', 'nosuchroom', ...flags()]);
    assert.equal(none.code, 1);
  });

  test('usage errors exit 2 with one line; --help lists every command', async () => {
    const help = await admin(['--help']);
    assert.equal(help.code, 0);
    for (const c of [
      'service-keys create',
      'service-keys list',
      'service-keys revoke',
      'users create',
      'users list',
      'rooms list',
      'rooms create',
      'invites create',
      'invites list',
      'invites revoke',
    ]) {
      assert.ok(help.out.includes(c), c);
    }
    // Spawned: the exit code and the single line on stderr, as a shell sees them.
    for (const args of [[], ['users', 'frob']]) {
      const r = await admin([...args, ...flags()]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err.trim(), /^presence admin: .*\(see presence admin --help\)$/);
    }
    // The rest of the matrix in-process (same function, without a process start per case).
    const wrong: string[][] = [
      ['frob'],
      ['users'],
      ['service-keys', 'create'],
      ['service-keys', 'create', '--name'],
      ['service-keys', 'create', '--name', 'a', '--name', 'b'],
      ['service-keys', 'revoke'],
      ['service-keys', 'list', 'extra'],
      ['users', 'create', '--id', 'Bad Id', '--name', 'X'],
      ['users', 'create', '--id', 'x', '--name', 'X', '--colour', 'red'],
      ['users', 'list', '--limit', '0'],
      ['rooms', 'create', '--name', 'X', '--visibility', 'secret'],
      ['invites', 'create', '--room', 'r', '--kind', 'single', '--max-uses', 'many'],
      ['invites', 'create', '--room', 'r', '--kind', 'forever'],
      ['users', 'list', '--port', 'not-a-port'],
      ['users', 'list', '--config', join(dir, 'missing.json')],
    ];
    for (const args of wrong) {
      const lines: string[] = [];
      const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t), env: {} };
      const code = await runAdmin([...args, ...flags()], io);
      assert.equal(code, 2, `${args.join(' ')}: ${lines.join('\n')}`);
      assert.equal(lines.length, 1);
      assert.match(lines[0] ?? '', /^presence admin: /);
    }
  });

  test('a running server sees what the CLI wrote: a key works, a room loads on first join', async () => {
    const dataDir = join(dir, 'live');
    const created = await admin(['service-keys', 'create', '--name', 'live', '--data-dir', dataDir]);
    const key = /^(psk_\S+)$/m.exec(created.out)?.[1] ?? '';
    await admin(['users', 'create', '--id', 'lee', '--name', 'Lee', '--data-dir', dataDir]);
    const srv = await startTestServer({ dataDir });
    try {
      // Written while the server runs: it loads the room from the store when someone joins.
      const room = JSON.parse(
        (
          await admin([
            'rooms',
            'create',
            '--name',
            'Later',
            '--owner',
            'lee@localhost',
            '--json',
            '--data-dir',
            dataDir,
          ])
        ).out,
      ) as Json;
      const auth = { authorization: `Bearer ${key}` };
      const session = await fetch(`${srv.httpUrl}/api/service/users/lee@localhost/sessions`, {
        method: 'POST',
        headers: auth,
      });
      assert.equal(session.status, 201);
      const { token } = (await session.json()) as { token: string };
      const c = await RawClient.tcp(srv.tcp.port);
      await c.request('hello', { v: 1, token });
      const joined = await c.ok('room.join', { room: room['id'] });
      assert.equal(joined['role'], 'owner');
      c.close();
      const keyId = /\b(sk_[a-z2-7]+)\b/.exec(created.out)?.[1] ?? '';
      assert.equal((await admin(['service-keys', 'revoke', keyId, '--data-dir', dataDir])).code, 0);
      const refused = await fetch(`${srv.httpUrl}/api/service/rooms`, { headers: auth });
      assert.equal(refused.status, 401);
    } finally {
      await srv.close();
    }
  });
});

test('on PostgreSQL via a config file and the environment', async () => {
  const { schema, drop } = await createTestSchema('presence_admin');
  try {
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ databaseSchema: schema, domain: 'chat.example.org' }));
    const env = { PRESENCE_DATABASE_URL: TEST_DATABASE_URL };
    const created = await admin(['users', 'create', '--id', 'pat', '--name', 'Pat', '--config', config], env);
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, /pat@chat\.example\.org/);
    const store = await openStore({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, dataDir: dir });
    try {
      assert.equal((await store.accounts.getUser('pat@chat.example.org'))?.name, 'Pat');
    } finally {
      await store.close();
    }
  } finally {
    await drop();
  }
});
