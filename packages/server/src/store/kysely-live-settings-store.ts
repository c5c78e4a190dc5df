import type { Kysely } from 'kysely';
import { liveMediaMode, roomRole, type LiveRoomSettings } from '@presence/protocol';
import type { Database } from './kysely-schema.js';
import type { LiveSettingsStore } from './live-settings-store.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

/** Rooms' call settings over Kysely (SQLite and PostgreSQL alike). */
export function kyselyLiveSettingsStore(db: Kysely<Database>, run: Run): LiveSettingsStore {
  return {
    get: (roomId) =>
      run(async () => {
        const r = await db
          .selectFrom('room_live_settings')
          .selectAll()
          .where('room_id', '=', roomId)
          .executeTakeFirst();
        if (!r) return undefined;
        const users = JSON.parse(r.streamer_users) as unknown;
        return {
          mediaMode: liveMediaMode.catch('auto').parse(r.media_mode),
          streaming: r.streaming !== 0,
          streamers: {
            users: Array.isArray(users) ? users.filter((u): u is string => typeof u === 'string') : [],
            role: r.streamer_role === null ? null : roomRole.catch('owner').parse(r.streamer_role),
          },
        } satisfies LiveRoomSettings;
      }),
    put: (roomId, s) =>
      run(async () => {
        const row = {
          media_mode: s.mediaMode,
          streaming: s.streaming ? 1 : 0,
          streamer_users: JSON.stringify(s.streamers.users),
          streamer_role: s.streamers.role,
        };
        await db
          .insertInto('room_live_settings')
          .values({ room_id: roomId, ...row })
          .onConflict((oc) => oc.column('room_id').doUpdateSet(row))
          .execute();
      }),
  };
}
