import type { Kysely, Selectable } from 'kysely';
import type { Database, RecordingsTable } from './kysely-schema.js';
import type { RecordingStore, StoredRecording } from './recording-store.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

function fromRow(r: Selectable<RecordingsTable>): StoredRecording {
  return {
    id: r.id,
    roomId: r.room_id,
    startedAt: Number(r.started_at),
    endedAt: Number(r.ended_at),
    byId: r.by_id,
    byName: r.by_name,
    publisherId: r.publisher_id,
    publisherName: r.publisher_name,
    file: r.file,
    type: r.type,
    size: Number(r.size),
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    streams: r.streams,
    createdAt: Number(r.created_at),
  };
}

/** Recordings' entries over Kysely (SQLite and PostgreSQL alike). */
export function kyselyRecordingStore(db: Kysely<Database>, run: Run): RecordingStore {
  return {
    addRecording: (r) =>
      run(async () => {
        await db
          .insertInto('recordings')
          .values({
            id: r.id,
            room_id: r.roomId,
            started_at: r.startedAt,
            ended_at: r.endedAt,
            by_id: r.byId,
            by_name: r.byName,
            publisher_id: r.publisherId,
            publisher_name: r.publisherName,
            file: r.file,
            type: r.type,
            size: r.size,
            duration_ms: r.durationMs,
            streams: r.streams,
            created_at: r.createdAt,
          })
          .execute();
      }),
    getRecording: (id) =>
      run(async () => {
        const r = await db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
        return r ? fromRow(r) : undefined;
      }),
    listRecordings: (roomId, limit) =>
      run(async () =>
        (
          await db
            .selectFrom('recordings')
            .selectAll()
            .where('room_id', '=', roomId)
            .orderBy('started_at', 'desc')
            .orderBy('id')
            .limit(limit)
            .execute()
        ).map(fromRow),
      ),
    deleteRecording: (id) =>
      run(async () => {
        const res = await db.deleteFrom('recordings').where('id', '=', id).executeTakeFirst();
        return Number(res.numDeletedRows) > 0;
      }),
    recordingsBefore: (before, limit) =>
      run(async () =>
        (
          await db
            .selectFrom('recordings')
            .selectAll()
            .where('created_at', '<', before)
            .orderBy('created_at')
            .limit(limit)
            .execute()
        ).map(fromRow),
      ),
    deleteRoomRecordings: (roomId) =>
      run(async () => {
        const rows = await db.selectFrom('recordings').selectAll().where('room_id', '=', roomId).execute();
        await db.deleteFrom('recordings').where('room_id', '=', roomId).execute();
        return rows.map(fromRow);
      }),
  };
}
