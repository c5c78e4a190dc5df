import type { Kysely } from 'kysely';
import type { AdminQueries } from './admin-queries.js';
import type { StoredUser } from './identity-store.js';
import type { Database } from './kysely-schema.js';
import { toNum, toRoom } from './rows.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

function bounds(page: { limit: number; offset: number }): { limit: number; offset: number } {
  return { limit: Math.max(0, Math.floor(page.limit)), offset: Math.max(0, Math.floor(page.offset)) };
}

/** AdminQueries over Kysely: plain selects both dialects speak; counts come back as strings on pg. */
export function kyselyAdminQueries(db: Kysely<Database>, run: Run): AdminQueries {
  return {
    listRooms: (page) =>
      run(async () => {
        const { limit, offset } = bounds(page);
        const rows = await db
          .selectFrom('rooms as r')
          .selectAll('r')
          .select((eb) =>
            eb
              .selectFrom('room_members as m')
              .select(eb.fn.countAll().as('n'))
              .whereRef('m.room_id', '=', 'r.id')
              .as('member_count'),
          )
          .orderBy('r.created_at')
          .orderBy('r.id')
          .limit(limit)
          .offset(offset)
          .execute();
        const total = await db
          .selectFrom('rooms')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        return {
          rooms: rows.map((r) => ({ ...toRoom(r), memberCount: toNum(r.member_count) })),
          total: toNum(total.n),
        };
      }),

    listUsers: (page) =>
      run(async () => {
        const { limit, offset } = bounds(page);
        const rows = await db
          .selectFrom('users')
          .selectAll()
          .orderBy('created_at')
          .orderBy('id')
          .limit(limit)
          .offset(offset)
          .execute();
        const total = await db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        return {
          users: rows.map((r): StoredUser => ({
            id: r.id,
            username: r.username,
            name: r.name,
            avatarUrl: r.avatar_url,
            passwordHash: r.password_hash,
            kind: r.kind as StoredUser['kind'],
            tokenVersion: toNum(r.token_version),
            createdAt: toNum(r.created_at),
          })),
          total: toNum(total.n),
        };
      }),
  };
}
