import { Migrator, PostgresAdapter, sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { Database } from './kysely-schema.js';

/**
 * Schema migrations as code, run by Kysely's Migrator: it records applied names in
 * `presence_migration` and, on PostgreSQL, serialises concurrent starters with a row lock in
 * `presence_migration_lock`. Never edit a shipped migration; add the next one.
 *
 * Every statement uses `if not exists` because SQLite has no transactional DDL in Kysely's eyes:
 * a crash halfway through a migration must leave something a rerun can finish.
 */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rooms')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text')
        .addColumn('topic', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('epoch', 'text', (c) => c.notNull())
        .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('room_members')
        .ifNotExists()
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('avatar', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('joined_at', 'bigint', (c) => c.notNull())
        .addColumn('last_read', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('room_members_pk', ['room_id', 'user_id'])
        .execute();
      // roomsOfUser looks members up by user.
      await db.schema
        .createIndex('room_members_user_idx')
        .ifNotExists()
        .on('room_members')
        .column('user_id')
        .execute();

      await db.schema
        .createTable('room_events')
        .ifNotExists()
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('sender_id', 'text')
        .addColumn('nonce', 'text')
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
        // (room_id, seq) is the log's order and its uniqueness: a duplicate seq cannot be stored.
        .addPrimaryKeyConstraint('room_events_pk', ['room_id', 'seq'])
        .execute();
      // Idempotent resend: one message per (room, sender, nonce). Partial, so nonce-less rows and
      // non-message events never collide.
      await db.schema
        .createIndex('room_events_nonce_idx')
        .ifNotExists()
        .on('room_events')
        .columns(['room_id', 'sender_id', 'nonce'])
        .unique()
        .where(sql<boolean>`nonce is not null`)
        .execute();
    },
  },
  '0002_identity_and_invites': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        // Local accounts log in with it; null for external and service-created users.
        .addColumn('username', 'text', (c) => c.unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('avatar_url', 'text')
        .addColumn('password_hash', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        // Bumped on password change: every older session token of the user stops working.
        .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('revoked_tokens')
        .ifNotExists()
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('service_keys')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        // SHA-256 of the key: the key itself is shown once, at creation, and never stored.
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema
        .createTable('invites')
        .ifNotExists()
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('max_uses', 'integer')
        .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expires_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_by_name', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('invites_room_idx').ifNotExists().on('invites').column('room_id').execute();
    },
  },
  '0003_presence': {
    async up(db: Kysely<unknown>) {
      // One row per direction: (owner, contact). Accepted contacts have both rows with state
      // 'accepted'; a pending request is one row (requester → target) with state 'pending'.
      await db.schema
        .createTable('contacts')
        .ifNotExists()
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('message', 'text')
        // JSON array of group labels.
        .addColumn('groups', 'text', (c) => c.notNull().defaultTo('[]'))
        // The other party's display name and avatar as last known.
        .addColumn('contact_name', 'text', (c) => c.notNull())
        .addColumn('contact_avatar', 'text', (c) => c.notNull())
        .addColumn('owner_name', 'text', (c) => c.notNull())
        .addColumn('owner_avatar', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('contacts_pk', ['owner_id', 'contact_id'])
        .execute();
      await db.schema
        .createIndex('contacts_contact_idx')
        .ifNotExists()
        .on('contacts')
        .column('contact_id')
        .execute();
      await db.schema
        .createTable('contact_settings')
        .ifNotExists()
        .addColumn('owner_id', 'text', (c) => c.primaryKey())
        .addColumn('important_group', 'text')
        .execute();
      await db.schema
        .createTable('blocks')
        .ifNotExists()
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('blocked_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('blocks_pk', ['owner_id', 'blocked_id'])
        .execute();
      await db.schema
        .createTable('offline_messages')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('from_id', 'text', (c) => c.notNull())
        .addColumn('to_id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('offline_messages_to_idx')
        .ifNotExists()
        .on('offline_messages')
        .column('to_id')
        .execute();
      await db.schema
        .createTable('device_tokens')
        .ifNotExists()
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0004_moderation': {
    async up(db: Kysely<unknown>) {
      // Per room, for unnamed rooms too (a ban must outlive a purge-and-recreate of nothing: room
      // ids are random, so rows of purged rooms are inert).
      await db.schema
        .createTable('room_bans')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('user_avatar', 'text', (c) => c.notNull())
        .addColumn('guest_key_hash', 'text')
        .addColumn('address_hash', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('by_id', 'text', (c) => c.notNull())
        .addColumn('by_name', 'text', (c) => c.notNull())
        .addColumn('by_avatar', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('room_bans_room_idx')
        .ifNotExists()
        .on('room_bans')
        .column('room_id')
        .execute();
      await db.schema
        .createTable('room_moderation')
        .ifNotExists()
        .addColumn('room_id', 'text', (c) => c.primaryKey())
        .addColumn('lobby', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('slow_mode_seconds', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('join_muted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('password_hash', 'text')
        .execute();
      await db.schema
        .createTable('room_audit')
        .ifNotExists()
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('id', 'bigint', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('room_audit_pk', ['room_id', 'id'])
        .execute();
    },
  },
  '0005_apps': {
    // Third-party apps (docs/apps.md): registrations, grants, codes, the outbox and deliveries.
    async up(db: Kysely<unknown>) {
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable('apps')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text')
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('signing_secret', 'text', (c) => c.notNull())
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('webhook_url', 'text')
        .addColumn('webhook_disabled_at', 'bigint')
        .addColumn('webhook_cursor', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('webhook_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('webhook_next_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('webhook_batch_to', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('apps_owner_idx').ifNotExists().on('apps').column('owner_id').execute();
      await db.schema
        .createTable('app_grants')
        .ifNotExists()
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('app_user_id', 'text', (c) => c.notNull())
        .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('share_status', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('granted_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_grants_pk', ['app_id', 'user_id'])
        .execute();
      await db.schema
        .createIndex('app_grants_user_idx')
        .ifNotExists()
        .on('app_grants')
        .column('user_id')
        .execute();
      await db.schema
        .createIndex('app_grants_app_user_idx')
        .ifNotExists()
        .on('app_grants')
        .columns(['app_id', 'app_user_id'])
        .execute();
      await db.schema
        .createTable('app_codes')
        .ifNotExists()
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('challenge', 'text', (c) => c.notNull())
        .addColumn('share_status', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('app_presence')
        .ifNotExists()
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('status', 'text')
        .addColumn('since', 'bigint', (c) => c.notNull())
        .execute();
      // The cursor must never be reused, even after pruning: AUTOINCREMENT on SQLite, a sequence
      // on PostgreSQL.
      await db.schema
        .createTable('app_updates')
        .ifNotExists()
        .addColumn('seq', postgres ? 'bigserial' : 'integer', (c) =>
          postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('app_user_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('status', 'text')
        .addColumn('since', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('app_updates_app_idx')
        .ifNotExists()
        .on('app_updates')
        .columns(['app_id', 'seq'])
        .execute();
      await db.schema
        .createTable('app_deliveries')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('webhook_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('updates', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('app_deliveries_app_idx')
        .ifNotExists()
        .on('app_deliveries')
        .columns(['app_id', 'at'])
        .execute();
    },
  },
  '0007_chat': {
    async up(db: Kysely<unknown>) {
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      // Uploaded files; seq is the message they are attached to (null until attached). No foreign
      // key on room_id: unnamed rooms have files too and no row in rooms.
      await db.schema
        .createTable('files')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('uploader_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('seq', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('files_room_idx').ifNotExists().on('files').column('room_id').execute();
      // The bytes, for the database blob store (a cluster's shared store); the directory store
      // leaves this table empty.
      await db.schema
        .createTable('file_blobs')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('data', postgres ? sql`bytea` : 'blob', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('message_mentions')
        .ifNotExists()
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('message_mentions_pk', ['room_id', 'user_id', 'seq'])
        .execute();
      await db.schema
        .createTable('member_settings')
        .ifNotExists()
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('notify', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('member_settings_pk', ['room_id', 'user_id'])
        .execute();
      // Full-text search: FTS5 on SQLite (compiled into better-sqlite3), a tsvector with a GIN
      // index on PostgreSQL. The 'simple' configuration does not stem: chat mixes languages.
      if (postgres) {
        await sql`create table if not exists message_search (
          room_id text not null references rooms(id) on delete cascade,
          seq bigint not null,
          body text not null,
          tsv tsvector generated always as (to_tsvector('simple', body)) stored,
          primary key (room_id, seq))`.execute(db);
        await sql`create index if not exists message_search_tsv_idx on message_search using gin (tsv)`.execute(
          db,
        );
      } else {
        await sql`create virtual table if not exists message_fts using fts5(
          body, room_id unindexed, seq unindexed, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
      }
    },
  },
  '0013_moderation_state': {
    async up(db: Kysely<unknown>) {
      // What moderation used to keep in the home node's memory only: call and chat mutes, waiting
      // knocks and lobby passes. In the store they hold across a restart and when another node
      // becomes the room's home.
      await db.schema
        .createTable('room_mutes')
        .ifNotExists()
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('chat_until', 'bigint')
        .addColumn('audio', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('video', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('room_mutes_pk', ['room_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('room_knocks')
        .ifNotExists()
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('user_avatar', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('room_knocks_pk', ['room_id', 'id'])
        .execute();
      await db.schema
        .createTable('room_passes')
        .ifNotExists()
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('until', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('room_passes_pk', ['room_id', 'user_id'])
        .execute();
    },
  },
  '0011_live_settings': {
    async up(db: Kysely<unknown>) {
      // A room's call settings (media mode, streaming, streamer group); no row = the defaults.
      await db.schema
        .createTable('room_live_settings')
        .ifNotExists()
        .addColumn('room_id', 'text', (c) => c.primaryKey())
        .addColumn('media_mode', 'text', (c) => c.notNull())
        .addColumn('streaming', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('streamer_users', 'text', (c) => c.notNull())
        .addColumn('streamer_role', 'text')
        .execute();
    },
  },
  '0014_dm_conversations': {
    async up(db: Kysely<unknown>) {
      // One row per user and person they exchanged direct messages with: when the last one was,
      // and how many of the peer's are unread. Never the text: direct messages keep no history.
      await db.schema
        .createTable('dm_conversations')
        .ifNotExists()
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('peer_id', 'text', (c) => c.notNull())
        .addColumn('peer_name', 'text', (c) => c.notNull())
        .addColumn('peer_avatar', 'text', (c) => c.notNull())
        .addColumn('last_ts', 'bigint', (c) => c.notNull())
        .addColumn('last_from_peer', 'integer', (c) => c.notNull())
        .addColumn('unread', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('dm_conversations_pk', ['owner_id', 'peer_id'])
        .execute();
      await db.schema
        .createIndex('dm_conversations_recent_idx')
        .ifNotExists()
        .on('dm_conversations')
        .columns(['owner_id', 'last_ts'])
        .execute();
      // Unattached uploads are swept by age.
      await db.schema
        .createIndex('files_unattached_idx')
        .ifNotExists()
        .on('files')
        .columns(['seq', 'created_at'])
        .execute();
    },
  },
  '0012_stream_keys': {
    async up(db: Kysely<unknown>) {
      // WHIP stream keys (docs/obs.md): per room, hashed like service keys; the room's deletion
      // takes them along.
      await db.schema
        .createTable('stream_keys')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('stream_keys_room_idx')
        .ifNotExists()
        .on('stream_keys')
        .columns(['room_id', 'created_at'])
        .execute();
    },
  },
  '0018_app_notify_counts': {
    async up(db: Kysely<unknown>) {
      // Live notifications per app and person in the current minute (docs/apps.md): one row each,
      // so that every node of a cluster counts against the same limit.
      await db.schema
        .createTable('app_notify_counts')
        .ifNotExists()
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('app_user_id', 'text', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('sent', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_notify_counts_pk', ['app_id', 'app_user_id'])
        .execute();
    },
  },
  '0019_recordings': {
    async up(db: Kysely<unknown>) {
      // Finished call recordings (docs/calls.md): one row per publisher's file. No reference to
      // rooms: memory-only rooms are recorded too; a deleted room's rows go with it (RoomDeletion).
      await db.schema
        .createTable('recordings')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint', (c) => c.notNull())
        .addColumn('by_id', 'text')
        .addColumn('by_name', 'text')
        .addColumn('publisher_id', 'text')
        .addColumn('publisher_name', 'text')
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'bigint')
        .addColumn('streams', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('recordings_room_idx')
        .ifNotExists()
        .on('recordings')
        .columns(['room_id', 'started_at'])
        .execute();
      await db.schema
        .createIndex('recordings_created_idx')
        .ifNotExists()
        .on('recordings')
        .column('created_at')
        .execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

/**
 * Bring the schema to the latest migration; a no-op when it is already there.
 * `schema` (PostgreSQL) is where the bookkeeping tables live: it must be the schema the connection's
 * search_path resolves to, because the Migrator's existence check looks at every schema otherwise
 * and would be fooled by another deployment's (or test run's) tables.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  kind: 'sqlite' | 'postgres',
  schema?: string,
): Promise<void> {
  let migrationTableSchema = schema;
  if (kind === 'postgres' && migrationTableSchema === undefined) {
    const r = await sql<{ s: string | null }>`select current_schema() as s`.execute(db);
    migrationTableSchema = r.rows[0]?.s ?? undefined;
  }
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'presence_migration',
    migrationLockTableName: 'presence_migration_lock',
    // Branches land numbers out of order (0016 after 0018): every migration creates its own
    // tables only, so one that sorts before an applied one is safe to run late.
    allowUnorderedMigrations: true,
    migrationTableSchema,
  });
  // The Migrator reports instead of throwing; `error` is the original error (kept so connection
  // failures are still recognisable upstream). Its table check cannot trip over other schemas being
  // dropped concurrently: the PostgreSQL store's introspector only looks at its own schema.
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
}
