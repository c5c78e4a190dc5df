import { z } from 'zod';
import { table, type AdminCommand } from './admin-commands.js';
import { OLD_KEY_KEEP_MS, ServerKeys } from './federation/server-keys.js';

/**
 * `presence admin federation …`: the server's federation signing keys (DATA_DIR/federation-keys.json).
 * A running server reads the file when it starts, so a rotation done here takes effect at its next
 * start; until then it keeps signing with the key it loaded (which stays published and valid).
 */

function date(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

function keysOf(ctx: { dataDir: string; secret: string }): ServerKeys {
  return new ServerKeys({
    dataDir: ctx.dataDir,
    sharedSecret: ctx.secret ? Buffer.from(ctx.secret, 'hex') : undefined,
  });
}

function listing(keys: ServerKeys): { json: unknown; text: string } {
  const rows = Object.entries(keys.published()).map(([id, k]) => ({
    id,
    current: id === keys.currentKeyId,
    key: k.key,
    expiredAt: k.expiredAt,
    // An old key verifies what it signed before expiredAt until it is dropped from the file.
    verifiableUntil: k.expiredAt === null ? null : k.expiredAt + OLD_KEY_KEEP_MS,
  }));
  return {
    json: rows,
    text: table(
      ['ID', 'STATUS', 'STOPPED SIGNING', 'PUBLISHED UNTIL', 'PUBLIC KEY'],
      rows.map((r) => [
        r.id,
        r.current ? 'current' : 'old',
        date(r.expiredAt),
        date(r.verifiableUntil),
        r.key,
      ]),
      'No federation keys.',
    ),
  };
}

export const FEDERATION_COMMANDS: AdminCommand[] = [
  {
    noun: 'federation',
    verb: 'list-keys',
    args: '',
    summary: 'List the federation signing keys: the current one and old ones still published.',
    flags: z.object({}),
    positionals: 0,
    run(ctx) {
      return Promise.resolve(listing(keysOf(ctx)));
    },
  },
  {
    noun: 'federation',
    verb: 'rotate-key',
    args: '',
    summary:
      'Start a new federation signing key; the old one stays published (verifiable for what it signed) for 7 days. Restart the server to sign with it.',
    flags: z.object({}),
    positionals: 0,
    run(ctx) {
      const keys = keysOf(ctx);
      const before = keys.currentKeyId;
      const id = keys.rotate();
      const out = listing(keys);
      return Promise.resolve({
        json: { rotated: { from: before, to: id }, keys: out.json },
        text: `Rotated: ${before} → ${id} (restart the server to sign with it).\n${out.text}`,
      });
    },
  },
];
