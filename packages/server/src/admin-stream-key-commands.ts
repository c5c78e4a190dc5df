import { roomId, streamKeyName } from '@presence/protocol';
import { z } from 'zod';
import { AdminFailure, table, type AdminCommand } from './admin-commands.js';
import { StreamKeyService, whepPath } from './live/whip/stream-keys.js';

/**
 * `presence admin stream-keys …`: WHIP stream keys of a persistent room, as the operator. They act
 * on the store; a running server cuts a source whose key was revoked or rotated here within
 * seconds (its WHIP sessions re-check their key).
 */

function date(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

const roomFlag = z.object({ room: roomId });

export const STREAM_KEY_COMMANDS: AdminCommand[] = [
  {
    noun: 'stream-keys',
    verb: 'create',
    args: '--room ROOM --name NAME',
    summary: 'Create a WHIP stream key for a room (OBS); NAME is shown to viewers. Printed once.',
    flags: z.object({ room: roomId, name: streamKeyName }),
    positionals: 0,
    async run({ store }, flags) {
      const made = await new StreamKeyService(store).create(
        String(flags['room']),
        null,
        String(flags['name']),
      );
      return {
        json: made,
        text:
          `Created stream key ${made.key.id} "${made.key.name}". It is shown only now:\n${made.secret}\n` +
          `WHIP URL: <your server>${made.whipPath}  (docs/obs.md)`,
      };
    },
  },
  {
    noun: 'stream-keys',
    verb: 'list',
    args: '--room ROOM',
    summary: "List a room's stream keys (never the keys themselves).",
    flags: roomFlag,
    positionals: 0,
    async run({ store }, flags) {
      const room = String(flags['room']);
      const keys = await new StreamKeyService(store).list(room, null);
      const rows = keys.map((k) => [k.id, k.name, date(k.createdAt), date(k.revokedAt)]);
      return {
        json: { keys, whepPath: whepPath(room) },
        text: table(['ID', 'NAME', 'CREATED', 'REVOKED'], rows, 'No stream keys.'),
      };
    },
  },
  {
    noun: 'stream-keys',
    verb: 'rotate',
    args: '--room ROOM <id>',
    summary: 'A new secret for a stream key; the old one stops working. Printed once.',
    flags: roomFlag,
    positionals: 1,
    async run({ store }, flags, [id = '']) {
      const made = await new StreamKeyService(store)
        .rotate(String(flags['room']), null, id)
        .catch(notFound(id));
      return { json: made, text: `Rotated stream key ${id}. The new key is shown only now:\n${made.secret}` };
    },
  },
  {
    noun: 'stream-keys',
    verb: 'revoke',
    args: '--room ROOM <id>',
    summary: 'Revoke a stream key: a source using it is cut, and it is refused from then on.',
    flags: roomFlag,
    positionals: 1,
    async run({ store }, flags, [id = '']) {
      const key = await new StreamKeyService(store)
        .revoke(String(flags['room']), null, id)
        .catch(notFound(id));
      return { json: { key }, text: `Revoked stream key ${id}.` };
    },
  },
];

function notFound(id: string) {
  return (err: unknown): never => {
    if (err instanceof Error && 'code' in err && err.code === 'STREAM_KEY_NOT_FOUND')
      throw new AdminFailure(`no stream key ${id} in that room`);
    throw err;
  };
}
