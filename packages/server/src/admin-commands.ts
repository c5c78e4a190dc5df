import { displayName, PresenceError, requestSchemas, roomId, userId, visibility } from '@presence/protocol';
import { z } from 'zod';
import { InProcessBroker } from './broker/in-process-broker.js';
import { localPart } from './http/service-api-schemas.js';
import { userRefOf } from './identity/identity-service.js';
import { createServiceKey } from './identity/service-keys.js';
import { createServiceUser, systemUser } from './identity/service-users.js';
import { storeNewRoom } from './rooms/room-admin.js';
import { InviteService, toInviteView } from './rooms/invite-service.js';
import { RoomRegistry } from './rooms/room-registry.js';
import type { Store } from './store/store.js';
import { APP_COMMANDS } from './admin-app-commands.js';
import { FEDERATION_COMMANDS } from './admin-federation-commands.js';
import { STREAM_KEY_COMMANDS } from './admin-stream-key-commands.js';

/**
 * The commands of `presence admin`, as data: usage, the flags each accepts (validated with zod, the
 * same schemas as the wire and the service API where one exists) and what it does to the store.
 * They work on the store directly, with or without a server running against it.
 */

export interface AdminContext {
  store: Store;
  domain: string;
  /** The server's data directory (federation keys live there). */
  dataDir: string;
  /** The cluster's shared server secret (hex), or empty. */
  secret: string;
}

/** What a command prints: `text` normally, `json` with --json. */
export interface AdminOutput {
  text: string;
  json: unknown;
}

export interface AdminCommand {
  noun: string;
  verb: string;
  /** Arguments after `<noun> <verb>`, for the help text. */
  args: string;
  summary: string;
  /** Flags taking a value, with their schema (a missing optional flag is undefined). */
  flags: z.ZodObject;
  /** How many positional arguments follow `<noun> <verb>`. */
  positionals: number;
  run(ctx: AdminContext, flags: Record<string, unknown>, positionals: string[]): Promise<AdminOutput>;
}

/** A failure that is not the user's typing: exit code 1. */
export class AdminFailure extends Error {
  override name = 'AdminFailure';
}

const intFlag = (schema: z.ZodNumber) => z.coerce.number().pipe(schema);
const page = {
  limit: intFlag(z.number().int().min(1).max(10_000)).optional(),
  offset: intFlag(z.number().int().min(0)).optional(),
};
const inviteShape = requestSchemas['invite.create'].shape;

function date(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Columns padded to their widest cell; an empty list says so. */
export function table(header: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return empty;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function pageFooter(shown: number, offset: number, total: number, noun: string): string {
  return shown < total
    ? `\n(${offset + 1}–${offset + shown} of ${total} ${noun}; use --offset and --limit)`
    : '';
}

async function requireStoredRoom(store: Store, id: string): Promise<void> {
  if (!(await store.getRoom(id))) {
    throw new AdminFailure(`no named room ${id} in the store (unnamed rooms live only in a running server)`);
  }
}

export const COMMANDS: AdminCommand[] = [
  {
    noun: 'service-keys',
    verb: 'create',
    args: '--name NAME',
    summary: 'Create a service key for a trusted backend; the key is printed once, only its hash is kept.',
    flags: z.object({ name: z.string().trim().min(1).max(100) }),
    positionals: 0,
    async run({ store }, flags) {
      const { key, record } = await createServiceKey(store.serviceKeys, String(flags['name']));
      return {
        json: { id: record.id, name: record.name, createdAt: record.createdAt, key },
        text:
          `Created service key ${record.id} "${record.name}". It is shown only now; store it safely:\n` +
          `${key}`,
      };
    },
  },
  {
    noun: 'service-keys',
    verb: 'list',
    args: '',
    summary: 'List service keys (never the keys themselves).',
    flags: z.object({}),
    positionals: 0,
    async run({ store }) {
      const keys = await store.serviceKeys.listServiceKeys();
      const json = keys.map(({ id, name, createdAt, revokedAt }) => ({ id, name, createdAt, revokedAt }));
      const rows = keys.map((k) => [k.id, k.name, date(k.createdAt), date(k.revokedAt)]);
      return { json, text: table(['ID', 'NAME', 'CREATED', 'REVOKED'], rows, 'No service keys.') };
    },
  },
  {
    noun: 'service-keys',
    verb: 'revoke',
    args: '<id>',
    summary: 'Revoke a service key: requests with it are refused from then on.',
    flags: z.object({}),
    positionals: 1,
    async run({ store }, _flags, [id = '']) {
      if (!(await store.serviceKeys.revokeServiceKey(id, Date.now()))) {
        throw new AdminFailure(`no service key ${id}`);
      }
      return { json: { id, revoked: true }, text: `Revoked service key ${id}.` };
    },
  },
  {
    noun: 'users',
    verb: 'create',
    args: '--id LOCAL --name NAME [--avatar-url URL]',
    summary: 'Create a user <LOCAL>@<domain> without a password (sessions come from the service API).',
    flags: z.object({
      id: localPart,
      name: displayName,
      'avatar-url': z
        .url({ protocol: /^https?$/, error: 'an http(s) URL' })
        .max(2048)
        .optional(),
    }),
    positionals: 0,
    async run({ store, domain }, flags) {
      const user = await createServiceUser(store.accounts, domain, {
        local: String(flags['id']),
        name: String(flags['name']),
        avatarUrl: flags['avatar-url'] as string | undefined,
      });
      const view = { ...userRefOf(user), kind: user.kind, createdAt: user.createdAt };
      return { json: view, text: `Created user ${user.id} (${user.name}).` };
    },
  },
  {
    noun: 'users',
    verb: 'list',
    args: '[--limit N] [--offset N]',
    summary: 'List stored users (accounts, external and service users), oldest first.',
    flags: z.object(page),
    positionals: 0,
    async run({ store }, flags) {
      const offset = (flags['offset'] as number | undefined) ?? 0;
      const { users, total } = await store.admin.listUsers({
        limit: (flags['limit'] as number | undefined) ?? 100,
        offset,
      });
      const json = {
        total,
        users: users.map((u) => ({ ...userRefOf(u), kind: u.kind, createdAt: u.createdAt })),
      };
      const rows = users.map((u) => [u.id, u.name, u.kind, date(u.createdAt)]);
      return {
        json,
        text:
          table(['ID', 'NAME', 'KIND', 'CREATED'], rows, 'No users.') +
          pageFooter(users.length, offset, total, 'users'),
      };
    },
  },
  {
    noun: 'rooms',
    verb: 'list',
    args: '[--limit N] [--offset N]',
    summary: 'List named (persistent) rooms, oldest first.',
    flags: z.object(page),
    positionals: 0,
    async run({ store }, flags) {
      const offset = (flags['offset'] as number | undefined) ?? 0;
      const { rooms, total } = await store.admin.listRooms({
        limit: (flags['limit'] as number | undefined) ?? 100,
        offset,
      });
      const json = { total, rooms };
      const rows = rooms.map((r) => [
        r.id,
        r.name ?? '',
        r.visibility,
        String(r.memberCount ?? 0),
        date(r.createdAt),
      ]);
      return {
        json,
        text:
          table(['ID', 'NAME', 'VISIBILITY', 'MEMBERS', 'CREATED'], rows, 'No rooms.') +
          pageFooter(rooms.length, offset, total, 'rooms'),
      };
    },
  },
  {
    noun: 'rooms',
    verb: 'create',
    args: '--name NAME [--topic T] [--visibility public|link|private] [--owner USER_ID]',
    summary: 'Create a named room in the store; a running server loads it on its first join.',
    flags: z.object({
      name: requestSchemas['room.create'].shape.name.unwrap(),
      topic: requestSchemas['room.create'].shape.topic,
      visibility: visibility.optional(),
      owner: userId.optional(),
    }),
    positionals: 0,
    async run({ store, domain }, flags) {
      let owner;
      if (flags['owner'] !== undefined) {
        const user = await store.accounts.getUser(String(flags['owner']));
        if (!user) throw new AdminFailure(`no user ${String(flags['owner'])}`);
        owner = userRefOf(user);
      }
      const room = await storeNewRoom(store, {
        name: String(flags['name']),
        topic: flags['topic'] as string | undefined,
        visibility: flags['visibility'] as z.infer<typeof visibility> | undefined,
        owner,
        createdBy: owner?.id ?? systemUser(domain).id,
      });
      return {
        json: room,
        text: `Created room ${room.id} "${room.name ?? ''}" (${room.visibility}).`,
      };
    },
  },
  {
    noun: 'invites',
    verb: 'create',
    args: '--room ROOM --kind single|public [--max-uses N] [--expires-in SECONDS]',
    summary: 'Create an invite link to a named room (by the system).',
    flags: z.object({
      room: roomId,
      kind: inviteShape.kind,
      'max-uses': intFlag(inviteShape.maxUses.unwrap()).optional(),
      'expires-in': intFlag(inviteShape.expiresInSeconds.unwrap()).optional(),
    }),
    positionals: 0,
    async run({ store, domain }, flags) {
      const room = String(flags['room']);
      await requireStoredRoom(store, room);
      // issue() never touches the registry; a throwaway one satisfies the constructor.
      const registry = new RoomRegistry(store, new InProcessBroker({ windowSize: 1 }));
      const invites = new InviteService({ registry, store });
      const invite = await invites.issue(room, systemUser(domain), {
        kind: flags['kind'] as 'single' | 'public',
        maxUses: flags['max-uses'] as number | undefined,
        expiresInSeconds: flags['expires-in'] as number | undefined,
      });
      return { json: invite, text: `Created ${invite.kind} invite ${invite.code} to ${room}: ${invite.url}` };
    },
  },
  {
    noun: 'invites',
    verb: 'list',
    args: '--room ROOM',
    summary: "List a room's invites that can still be used.",
    flags: z.object({ room: roomId }),
    positionals: 0,
    async run({ store }, flags) {
      const room = String(flags['room']);
      await requireStoredRoom(store, room);
      const invites = (await store.invites.listActiveInvites(room, Date.now())).map(toInviteView);
      const rows = invites.map((i) => [
        i.code,
        i.kind,
        String(i.uses),
        i.maxUses === null ? '-' : String(i.maxUses),
        date(i.expiresAt),
        i.url,
      ]);
      return {
        json: invites,
        text: table(['CODE', 'KIND', 'USES', 'MAX', 'EXPIRES', 'URL'], rows, 'No usable invites.'),
      };
    },
  },
  {
    noun: 'invites',
    verb: 'revoke',
    args: '--room ROOM <code>',
    summary: 'Revoke an invite.',
    flags: z.object({ room: roomId }),
    positionals: 1,
    async run({ store }, flags, [code = '']) {
      const room = String(flags['room']);
      if (!(await store.invites.revokeInvite(room, code, Date.now()))) {
        throw new AdminFailure(`no invite ${code} to room ${room}`);
      }
      return { json: { code, room, revoked: true }, text: `Revoked invite ${code}.` };
    },
  },
  {
    noun: 'rooms',
    verb: 'clear-password',
    args: '<room>',
    summary: 'Remove a room’s password (moderation); a running server asks the store at each join.',
    flags: z.object({}),
    positionals: 1,
    async run({ store }, _flags, [room = '']) {
      const settings = await store.moderation.getSettings(room);
      if (!settings?.passwordHash) throw new AdminFailure(`room ${room} has no password`);
      await store.moderation.putSettings(room, { ...settings, passwordHash: null });
      return { json: { room, password: false }, text: `Cleared the password of room ${room}.` };
    },
  },
  ...APP_COMMANDS,
  ...FEDERATION_COMMANDS,
  ...STREAM_KEY_COMMANDS,
];

/** One line for a failure a command reports (exit 1). */
export function failureText(err: unknown): string | null {
  if (err instanceof AdminFailure) return err.message;
  if (err instanceof PresenceError) return err.message;
  if (err instanceof Error && err.name === 'StoreUnavailableError') return 'the database is unreachable';
  return null;
}
