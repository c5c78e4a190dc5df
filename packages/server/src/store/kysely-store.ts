import { kyselyModerationStore } from './kysely-moderation-store.js';
import type { ModerationStore } from './moderation-store.js';
import type { LiveSettingsStore } from './live-settings-store.js';
import { kyselyLiveSettingsStore } from './kysely-live-settings-store.js';
import type { RecordingStore } from './recording-store.js';
import { kyselyRecordingStore } from './kysely-recording-store.js';
import type { SocialStore } from './social-store.js';
import { kyselySocialStore } from './kysely-social-store.js';
import type { RoomEvent, RoomRole, UserRef } from '@presence/protocol';
import { mergeUser, type MergedRooms } from './kysely-merge-user.js';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { appendInTransaction, insertLog, readPage } from './event-log.js';
import type { Database } from './kysely-schema.js';
import { migrateToLatest } from './migrations.js';
import { memberRow, roomRow, toEvent, toMember, toNum, toRoom } from './rows.js';
import { StoreUnavailableError } from './store.js';
import type { EventPage, Store, StoredMember, StoredRoom, UserRoom } from './store.js';
import { isUnavailable } from './unavailable.js';
import type { AccountStore, ServiceKeyStore } from './identity-store.js';
import type { InviteStore } from './invite-store.js';
import { kyselyAccountStore } from './kysely-account-store.js';
import { kyselyServiceKeyStore } from './kysely-service-key-store.js';
import { kyselyStreamKeyStore } from './kysely-stream-key-store.js';
import type { StreamKeyStore } from './stream-key-store.js';
import { kyselyInviteStore } from './kysely-invite-store.js';
import type { AdminQueries } from './admin-queries.js';
import { kyselyAdminQueries } from './kysely-admin-queries.js';
import type { ChatStore } from './chat-store.js';
import { kyselyChatStore } from './kysely-chat-store.js';
import type { BlobStore } from './blob-store.js';
import { KyselyBlobStore } from './kysely-blob-store.js';
import type { NotifyLevel } from './chat-types.js';
import type { AppStore } from './app-store.js';
import { kyselyAppStore } from './kysely-app-store.js';

export interface KyselyStoreOptions {
  kind: 'sqlite' | 'postgres';
  /** PostgreSQL schema the connections' search_path points at, if not the default. */
  schema?: string;
}

/** Rows per multi-row insert of members in createRoom: far below bound-parameter limits. */
const INSERT_CHUNK = 500;

/**
 * The Store over Kysely, one implementation for SQLite and PostgreSQL: every query here is
 * dialect-neutral SQL (no RETURNING, no JSON operators, upserts via ON CONFLICT which both speak).
 * Every public method goes through `run`, which turns connection failures into
 * StoreUnavailableError and lets everything else through unchanged.
 */
export class KyselyStore implements Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly accounts: AccountStore;
  readonly serviceKeys: ServiceKeyStore;
  readonly streamKeys: StreamKeyStore;
  readonly invites: InviteStore;
  readonly social: SocialStore;
  readonly admin: AdminQueries;
  readonly chat: ChatStore;
  readonly blobs: BlobStore;
  readonly moderation: ModerationStore;
  readonly live: LiveSettingsStore;
  readonly recordings: RecordingStore;
  readonly apps: AppStore;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: KyselyStoreOptions,
  ) {
    this.kind = options.kind;
    const run = <T>(fn: () => Promise<T>): Promise<T> => this.run(fn);
    this.accounts = kyselyAccountStore(db, run);
    this.serviceKeys = kyselyServiceKeyStore(db, run);
    this.streamKeys = kyselyStreamKeyStore(db, run);
    this.invites = kyselyInviteStore(db, run);
    this.social = kyselySocialStore(db, run);
    this.admin = kyselyAdminQueries(db, run);
    this.chat = kyselyChatStore(db, run);
    this.blobs = new KyselyBlobStore(db, run);
    this.moderation = kyselyModerationStore(db, run);
    this.live = kyselyLiveSettingsStore(db, run);
    this.recordings = kyselyRecordingStore(db, run);
    this.apps = kyselyAppStore(db, run, options.kind);
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw isUnavailable(err) ? new StoreUnavailableError(err) : err;
    }
  }

  migrate(): Promise<void> {
    return this.run(() => migrateToLatest(this.db, this.kind, this.options.schema));
  }

  async healthy(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // Ends the pg pool or closes the SQLite handle (which checkpoints the WAL).
    await this.db.destroy();
  }

  async createRoom(room: StoredRoom, members: StoredMember[], events: RoomEvent[]): Promise<void> {
    const log = [...events].sort((a, b) => a.seq - b.seq);
    for (const e of log) {
      if (e.room !== room.id || e.seq > room.lastSeq) {
        throw new Error(
          `createRoom ${room.id}: event ${e.room}#${e.seq} does not belong (lastSeq ${room.lastSeq})`,
        );
      }
    }
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        await trx.insertInto('rooms').values(roomRow(room)).execute();
        // Members present at creation have seen the room's log live: nothing is unread for them.
        for (let i = 0; i < members.length; i += INSERT_CHUNK) {
          const rows = members.slice(i, i + INSERT_CHUNK).map((m) => memberRow(room.id, m, room.lastSeq));
          await trx.insertInto('room_members').values(rows).execute();
        }
        await insertLog(trx, log);
      }),
    );
  }

  getRoom(id: string): Promise<StoredRoom | undefined> {
    return this.run(async () => {
      const r = await this.db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toRoom(r);
    });
  }

  updateRoom(id: string, patch: Partial<Pick<StoredRoom, 'name' | 'topic' | 'visibility'>>): Promise<void> {
    const set: { name?: string | null; topic?: string; visibility?: string } = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.topic !== undefined) set.topic = patch.topic;
    if (patch.visibility !== undefined) set.visibility = patch.visibility;
    if (Object.keys(set).length === 0) return Promise.resolve();
    return this.run(async () => {
      await this.db.updateTable('rooms').set(set).where('id', '=', id).execute();
    });
  }

  listPublicRooms(
    query: string,
    limit: number,
    options: { guestRooms?: boolean } = {},
  ): Promise<StoredRoom[]> {
    // `\` escapes the pattern's own wildcards, so "50%" and "a_b" match literally.
    const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.run(async () => {
      const rows = await this.db
        .selectFrom('rooms as r')
        .selectAll('r')
        // The directory shows member counts; one subquery beats a query per room.
        .select((eb) =>
          eb
            .selectFrom('room_members as m')
            .select(eb.fn.countAll().as('n'))
            .whereRef('m.room_id', '=', 'r.id')
            .as('member_count'),
        )
        .where('r.visibility', '=', 'public')
        // Guest ids begin with `~`, which is no LIKE wildcard.
        .$if(options.guestRooms !== true, (qb) => qb.where('r.created_by', 'not like', '~%'))
        .where((eb) =>
          eb.or([
            sql<boolean>`lower(r.name) like lower(${pattern}) escape '\\'`,
            sql<boolean>`lower(r.topic) like lower(${pattern}) escape '\\'`,
          ]),
        )
        .orderBy(sql`lower(r.name)`)
        .orderBy('r.id')
        .limit(Math.max(0, Math.floor(limit)))
        .execute();
      return rows.map((r) => ({ ...toRoom(r), memberCount: toNum(r.member_count) }));
    });
  }

  mergeUser(from: string, to: UserRef): Promise<MergedRooms> {
    return this.run(() => mergeUser(this.db, from, to));
  }

  upsertMember(roomId: string, member: StoredMember): Promise<void> {
    // A new member starts with everything so far read (the room's current last seq); a known one
    // keeps joined_at and last_read and only has name, avatar and role refreshed.
    const lastSeq = sql<number>`coalesce((select last_seq from rooms where id = ${roomId}), 0)`;
    return this.run(async () => {
      await this.db
        .insertInto('room_members')
        .values({ ...memberRow(roomId, member, 0), last_read: lastSeq })
        .onConflict((oc) =>
          oc
            .columns(['room_id', 'user_id'])
            .doUpdateSet({ name: member.name, avatar: member.avatar, role: member.role }),
        )
        .execute();
    });
  }

  removeMember(roomId: string, userId: string): Promise<void> {
    return this.run(async () => {
      await this.db
        .deleteFrom('room_members')
        .where('room_id', '=', roomId)
        .where('user_id', '=', userId)
        .execute();
    });
  }

  getMember(roomId: string, userId: string): Promise<StoredMember | undefined> {
    return this.run(async () => {
      const r = await this.db
        .selectFrom('room_members')
        .selectAll()
        .where('room_id', '=', roomId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return r && toMember(r);
    });
  }

  listMembers(roomId: string): Promise<StoredMember[]> {
    return this.run(async () => {
      const rows = await this.db
        .selectFrom('room_members')
        .selectAll()
        .where('room_id', '=', roomId)
        .orderBy('joined_at')
        .orderBy('user_id')
        .execute();
      return rows.map(toMember);
    });
  }

  roomsOfUser(userId: string): Promise<UserRoom[]> {
    return this.run(async () => {
      const rows = await this.db
        .selectFrom('room_members as m')
        .innerJoin('rooms as r', 'r.id', 'm.room_id')
        .selectAll('r')
        .select(['m.role', 'm.last_read'])
        .select((eb) => [
          eb
            .selectFrom('room_events as e')
            .select(eb.fn.countAll().as('n'))
            .whereRef('e.room_id', '=', 'm.room_id')
            .where('e.type', '=', 'message')
            .where('e.deleted', '=', 0)
            .whereRef('e.seq', '>', 'm.last_read')
            .as('unread'),
          eb
            .selectFrom('message_mentions as mm')
            .innerJoin('room_events as me', (j) =>
              j.onRef('me.room_id', '=', 'mm.room_id').onRef('me.seq', '=', 'mm.seq'),
            )
            .select(eb.fn.countAll().as('n'))
            .whereRef('mm.room_id', '=', 'm.room_id')
            .whereRef('mm.user_id', '=', 'm.user_id')
            .where('me.deleted', '=', 0)
            .whereRef('mm.seq', '>', 'm.last_read')
            .as('mentions'),
          eb
            .selectFrom('member_settings as ms')
            .select('ms.notify')
            .whereRef('ms.room_id', '=', 'm.room_id')
            .whereRef('ms.user_id', '=', 'm.user_id')
            .as('notify'),
          eb
            .selectFrom('room_members as mm')
            .select(eb.fn.countAll().as('n'))
            .whereRef('mm.room_id', '=', 'm.room_id')
            .as('member_count'),
        ])
        .where('m.user_id', '=', userId)
        .orderBy(sql`lower(r.name)`)
        .orderBy('r.id')
        .execute();
      return rows.map((r) => ({
        room: toRoom(r),
        role: r.role as RoomRole,
        lastRead: toNum(r.last_read),
        unread: toNum(r.unread),
        mentions: toNum(r.mentions),
        notify: (r.notify ?? 'all') as NotifyLevel,
        memberCount: toNum(r.member_count),
      }));
    });
  }

  setReadMarker(roomId: string, userId: string, seq: number): Promise<number> {
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        // Clamped to the room's last seq so a bogus marker cannot hide future messages.
        const room = await trx
          .selectFrom('rooms')
          .select('last_seq')
          .where('id', '=', roomId)
          .executeTakeFirst();
        const target = Math.min(seq, room ? toNum(room.last_seq) : 0);
        // `last_read < target` in the WHERE makes concurrent markers race safely: the row lock
        // serialises them and the later-committing lower one matches nothing.
        await trx
          .updateTable('room_members')
          .set({ last_read: target })
          .where('room_id', '=', roomId)
          .where('user_id', '=', userId)
          .where('last_read', '<', target)
          .execute();
        const m = await trx
          .selectFrom('room_members')
          .select('last_read')
          .where('room_id', '=', roomId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        return m ? toNum(m.last_read) : 0;
      }),
    );
  }

  appendEvent(event: RoomEvent): Promise<void> {
    return this.run(() => this.db.transaction().execute((trx) => appendInTransaction(trx, event)));
  }

  findByNonce(roomId: string, senderId: string, nonce: string): Promise<RoomEvent | undefined> {
    return this.run(async () => {
      const r = await this.db
        .selectFrom('room_events')
        .select('payload')
        .where('room_id', '=', roomId)
        .where('sender_id', '=', senderId)
        .where('nonce', '=', nonce)
        .executeTakeFirst();
      return r && toEvent(r.payload);
    });
  }

  getEvent(roomId: string, seq: number): Promise<RoomEvent | undefined> {
    return this.run(async () => {
      const r = await this.db
        .selectFrom('room_events')
        .select('payload')
        .where('room_id', '=', roomId)
        .where('seq', '=', seq)
        .executeTakeFirst();
      return r && toEvent(r.payload);
    });
  }

  readEvents(roomId: string, page: EventPage): Promise<{ events: RoomEvent[]; more: boolean }> {
    return this.run(() => readPage(this.db, roomId, page));
  }
}
