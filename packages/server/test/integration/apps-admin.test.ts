import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runAdmin } from '../../src/admin-cli.js';

async function admin(dir: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAdmin([...argv, '--data-dir', dir], {
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
    env: {},
  });
  return { code, out, err };
}

test('presence admin apps create | list | rotate | delete', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'presence-apps-admin-'));
  try {
    const made = await admin(
      dir,
      'apps',
      'create',
      '--name',
      'Ops App',
      '--redirect',
      'https://a.example/cb,https://b.example/cb',
      '--json',
    );
    assert.equal(made.code, 0, made.err);
    const json = JSON.parse(made.out) as {
      app: { id: string; redirectUris: string[] };
      clientSecret: string;
      signingSecret: string;
    };
    assert.deepEqual(json.app.redirectUris, ['https://a.example/cb', 'https://b.example/cb']);
    assert.match(json.clientSecret, /^pas_app_/);
    assert.match(json.signingSecret, /^whsec_/);
    const list = await admin(dir, 'apps', 'list');
    assert.match(list.out, /Ops App/);
    assert.ok(
      !list.out.includes(json.clientSecret) && !list.out.includes('whsec_'),
      'secrets are never listed',
    );
    const rotated = await admin(dir, 'apps', 'rotate', json.app.id, '--json');
    assert.notEqual((JSON.parse(rotated.out) as { clientSecret: string }).clientSecret, json.clientSecret);
    assert.equal(
      (await admin(dir, 'apps', 'create', '--name', 'x', '--redirect', 'ftp://a.example')).code,
      2,
    );
    assert.equal((await admin(dir, 'apps', 'delete', json.app.id)).code, 0);
    assert.equal((await admin(dir, 'apps', 'delete', json.app.id)).code, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
