import type { ColumnType } from 'kysely';
import type { Int8 } from './kysely-schema.js';

/** The tables of third-party apps (migration 0005). */
export interface AppTables {
  apps: AppsTable;
  app_grants: AppGrantsTable;
  app_codes: AppCodesTable;
  app_presence: AppPresenceTable;
  app_updates: AppUpdatesTable;
  app_deliveries: AppDeliveriesTable;
  app_notify_counts: AppNotifyCountsTable;
}

export interface AppsTable {
  id: string;
  name: string;
  /** The user who registered it; null when made by an operator or the service API. */
  owner_id: string | null;
  /** sha256 of the client secret (the secret itself is shown once). */
  secret_hash: string;
  /** The Standard Webhooks signing secret (`whsec_…`): needed in clear to sign. */
  signing_secret: string;
  /** JSON array of exact redirect URIs. */
  redirect_uris: string;
  webhook_url: string | null;
  webhook_disabled_at: Int8 | null;
  /** Updates with seq ≤ this were delivered by webhook (or skipped when there was none). */
  webhook_cursor: Int8;
  webhook_attempts: number;
  webhook_next_at: Int8;
  /** While a batch is being retried: its last seq (the retry resends exactly that batch). */
  webhook_batch_to: Int8;
  lease_owner: string | null;
  lease_until: Int8;
  created_at: Int8;
}

export interface AppGrantsTable {
  app_id: string;
  user_id: string;
  app_user_id: string;
  paused: number;
  share_status: number;
  granted_at: Int8;
}

export interface AppCodesTable {
  code_hash: string;
  app_id: string;
  user_id: string;
  redirect_uri: string;
  challenge: string;
  share_status: number;
  expires_at: Int8;
}

/** Live notifications sent per app and person in the current minute, counted across the cluster. */
export interface AppNotifyCountsTable {
  app_id: string;
  app_user_id: string;
  window_start: Int8;
  sent: number;
}

/** The state apps were last told about, per user: the outbox writes only on a real change. */
export interface AppPresenceTable {
  user_id: string;
  state: string;
  status: string | null;
  since: Int8;
}

/** The durable outbox and the stream's replay log: one row per app per update. */
export interface AppUpdatesTable {
  /** The cursor: increasing in commit order (writers are serialised). */
  seq: ColumnType<string | number | bigint, never, never>;
  app_id: string;
  app_user_id: string;
  state: string;
  status: string | null;
  since: Int8;
  created_at: Int8;
}

export interface AppDeliveriesTable {
  id: string;
  app_id: string;
  webhook_id: string;
  at: Int8;
  /** HTTP status, or 0 when no answer came (refused, timeout, blocked address). */
  status: number;
  error: string | null;
  attempt: number;
  updates: number;
}
