import type { ColumnType, Generated } from 'kysely';
import type { AppTables } from './kysely-app-schema.js';

/**
 * The tables as Kysely sees them. Integers that can grow past 2^31 are `bigint` columns: PostgreSQL
 * returns int8 as strings (and counts as strings), SQLite as numbers, so the select type admits
 * both and every read goes through `toNum` (rows.ts). Writes are always plain numbers.
 */
export type Int8 = ColumnType<string | number | bigint, number, number>;

export interface RoomsTable {
  id: string;
  name: string | null;
  topic: string;
  visibility: string;
  epoch: string;
  last_seq: Int8;
  /** Integer milliseconds since the epoch, like every timestamp here. */
  created_at: Int8;
  created_by: string;
}

export interface RoomMembersTable {
  room_id: string;
  user_id: string;
  name: string;
  avatar: string;
  role: string;
  joined_at: Int8;
  /** The highest seq the member has read; only ever moves forward. */
  last_read: Int8;
}

export interface RoomEventsTable {
  room_id: string;
  seq: Int8;
  type: string;
  /** The sender of a `message` event; null for every other type. */
  sender_id: string | null;
  /** The sender's idempotency key; unique per (room_id, sender_id) when present. */
  nonce: string | null;
  ts: Int8;
  /** JSON text of the whole event in its current state (edits and deletes applied). */
  payload: string;
  /** 1 once a message is deleted, so unread counts need not parse payloads. */
  deleted: number;
}

export interface UsersTable {
  id: string;
  username: string | null;
  name: string;
  avatar_url: string | null;
  password_hash: string | null;
  /** 'local' (username + password), 'external' (signed by another account system), 'service'. */
  kind: string;
  token_version: number;
  created_at: Int8;
}

export interface RevokedTokensTable {
  jti: string;
  /** When the token would have expired anyway: rows past it can be deleted. */
  expires_at: Int8;
}

export interface ServiceKeysTable {
  id: string;
  name: string;
  key_hash: string;
  created_at: Int8;
  revoked_at: Int8 | null;
}

/** WHIP stream keys of a room (only the SHA-256 of a key is stored). */
export interface StreamKeysTable {
  id: string;
  room_id: string;
  /** Shown to viewers as the streamer. */
  display_name: string;
  key_hash: string;
  created_by: string;
  created_at: Int8;
  revoked_at: Int8 | null;
}

export interface InvitesTable {
  code: string;
  room_id: string;
  kind: string;
  max_uses: number | null;
  uses: number;
  expires_at: Int8 | null;
  revoked_at: Int8 | null;
  created_at: Int8;
  created_by: string;
  created_by_name: string;
}

export interface ContactsTable {
  owner_id: string;
  contact_id: string;
  /** 'accepted' or 'pending' (owner asked contact). */
  state: string;
  message: string | null;
  /** JSON array of labels. */
  groups: string;
  contact_name: string;
  contact_avatar: string;
  owner_name: string;
  owner_avatar: string;
  created_at: Int8;
}

export interface ContactSettingsTable {
  owner_id: string;
  important_group: string | null;
}

export interface BlocksTable {
  owner_id: string;
  blocked_id: string;
  created_at: Int8;
}

export interface OfflineMessagesTable {
  id: string;
  from_id: string;
  to_id: string;
  payload: string;
  created_at: Int8;
}

export interface DmConversationsTable {
  owner_id: string;
  peer_id: string;
  /** The peer's name and avatar as last known. */
  peer_name: string;
  peer_avatar: string;
  last_ts: Int8;
  /** 1 when the peer sent the last message, 0 when the owner did. */
  last_from_peer: number;
  unread: number;
}

export interface DeviceTokensTable {
  token_hash: string;
  user_id: string;
  name: string;
  device: string;
  created_at: Int8;
}

export interface FilesTable {
  id: string;
  room_id: string;
  uploader_id: string;
  name: string;
  type: string;
  size: Int8;
  width: number | null;
  height: number | null;
  /** The message the file is attached to; null until attached. */
  seq: Int8 | null;
  created_at: Int8;
}

export interface FileBlobsTable {
  id: string;
  data: Buffer | Uint8Array;
}

export interface MessageMentionsTable {
  room_id: string;
  seq: Int8;
  user_id: string;
}

export interface MemberSettingsTable {
  room_id: string;
  user_id: string;
  /** 'all', 'mentions' or 'none'. */
  notify: string;
}

/** SQLite's FTS5 table (rowid order is insertion order). */
export interface MessageFtsTable {
  rowid: Generated<number>;
  body: string;
  room_id: string;
  seq: number;
}

/** PostgreSQL's search table; tsv is generated from body. */
export interface MessageSearchTable {
  room_id: string;
  seq: Int8;
  body: string;
}

export interface RoomBansTable {
  id: string;
  room_id: string;
  user_id: string | null;
  user_name: string;
  user_avatar: string;
  guest_key_hash: string | null;
  address_hash: string | null;
  reason: string;
  by_id: string;
  by_name: string;
  by_avatar: string;
  created_at: Int8;
  expires_at: Int8 | null;
}

export interface RoomLiveSettingsTable {
  room_id: string;
  media_mode: string;
  streaming: number;
  /** JSON array of user ids. */
  streamer_users: string;
  streamer_role: string | null;
}

/** Finished recordings (migration 0019): the files stay in the recordings directory. */
export interface RecordingsTable {
  id: string;
  room_id: string;
  started_at: Int8;
  ended_at: Int8;
  by_id: string | null;
  by_name: string | null;
  publisher_id: string | null;
  publisher_name: string | null;
  file: string;
  type: string;
  size: Int8;
  duration_ms: Int8 | null;
  streams: string;
  created_at: Int8;
}

export interface RoomModerationTable {
  room_id: string;
  lobby: number;
  slow_mode_seconds: number;
  join_muted: number;
  password_hash: string | null;
}

export interface RoomAuditTable {
  room_id: string;
  id: Int8;
  ts: Int8;
  action: string;
  /** JSON of the actor's UserRef. */
  actor: string;
  target: string | null;
  reason: string;
  /** JSON object. */
  detail: string;
}

export interface RoomMutesTable {
  room_id: string;
  user_id: string;
  chat_until: Int8 | null;
  audio: number;
  video: number;
}

export interface RoomKnocksTable {
  room_id: string;
  id: string;
  user_id: string;
  user_name: string;
  user_avatar: string;
  session_id: string;
  at: Int8;
}

export interface RoomPassesTable {
  room_id: string;
  user_id: string;
  until: Int8;
}

/** Kysely Migrator's bookkeeping (names set in migrations.ts). */
export interface MigrationTable {
  name: string;
  timestamp: string;
}

export interface MigrationLockTable {
  id: string;
  is_locked: number;
}

export interface Database extends AppTables {
  rooms: RoomsTable;
  room_members: RoomMembersTable;
  room_events: RoomEventsTable;
  presence_migration: MigrationTable;
  presence_migration_lock: MigrationLockTable;
  users: UsersTable;
  revoked_tokens: RevokedTokensTable;
  service_keys: ServiceKeysTable;
  stream_keys: StreamKeysTable;
  invites: InvitesTable;
  contacts: ContactsTable;
  contact_settings: ContactSettingsTable;
  blocks: BlocksTable;
  offline_messages: OfflineMessagesTable;
  device_tokens: DeviceTokensTable;
  dm_conversations: DmConversationsTable;
  files: FilesTable;
  file_blobs: FileBlobsTable;
  message_mentions: MessageMentionsTable;
  member_settings: MemberSettingsTable;
  message_fts: MessageFtsTable;
  message_search: MessageSearchTable;
  room_bans: RoomBansTable;
  room_moderation: RoomModerationTable;
  room_live_settings: RoomLiveSettingsTable;
  recordings: RecordingsTable;
  room_audit: RoomAuditTable;
  room_mutes: RoomMutesTable;
  room_knocks: RoomKnocksTable;
  room_passes: RoomPassesTable;
}
