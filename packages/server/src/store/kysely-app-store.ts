import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type {
  AppState,
  AppStore,
  StoredApp,
  StoredDelivery,
  StoredGrant,
  StoredUpdate,
} from './app-store.js';
import type { AppsTable, AppGrantsTable, AppUpdatesTable, AppDeliveriesTable } from './kysely-app-schema.js';
import type { Database } from './kysely-schema.js';
import { toNum } from './rows.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

/** Any constant: PostgreSQL's advisory lock that serialises outbox writers across nodes. */
const OUTBOX_LOCK = 170_017;

function toApp(r: Selectable<AppsTable>): StoredApp {
  return {
    id: r.id,
    name: r.name,
    ownerId: r.owner_id,
    secretHash: r.secret_hash,
    signingSecret: r.signing_secret,
    redirectUris: JSON.parse(r.redirect_uris) as string[],
    webhookUrl: r.webhook_url,
    webhookDisabledAt: r.webhook_disabled_at === null ? null : toNum(r.webhook_disabled_at),
    webhookCursor: toNum(r.webhook_cursor),
    webhookAttempts: r.webhook_attempts,
    webhookNextAt: toNum(r.webhook_next_at),
    webhookBatchTo: toNum(r.webhook_batch_to),
    createdAt: toNum(r.created_at),
  };
}

function toGrant(r: Selectable<AppGrantsTable>): StoredGrant {
  return {
    appId: r.app_id,
    userId: r.user_id,
    appUserId: r.app_user_id,
    paused: r.paused === 1,
    shareStatus: r.share_status === 1,
    grantedAt: toNum(r.granted_at),
  };
}

function toUpdate(r: Selectable<AppUpdatesTable>): StoredUpdate {
  return {
    seq: toNum(r.seq),
    appId: r.app_id,
    appUserId: r.app_user_id,
    state: r.state as AppState['state'],
    status: r.status,
    since: toNum(r.since),
    createdAt: toNum(r.created_at),
  };
}

function toDelivery(r: Selectable<AppDeliveriesTable>): StoredDelivery {
  return {
    id: r.id,
    appId: r.app_id,
    webhookId: r.webhook_id,
    at: toNum(r.at),
    status: r.status,
    error: r.error,
    attempt: r.attempt,
    updates: r.updates,
  };
}

/** Third-party apps over Kysely (SQLite and PostgreSQL alike). */
export function kyselyAppStore(db: Kysely<Database>, run: Run, kind: 'sqlite' | 'postgres'): AppStore {
  /** A write to the outbox: one at a time across the whole cluster, so seqs commit in order. */
  async function serialised<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return db.transaction().execute(async (trx) => {
      if (kind === 'postgres') await sql`select pg_advisory_xact_lock(${OUTBOX_LOCK})`.execute(trx);
      return fn(trx);
    });
  }

  async function addUpdate(
    trx: Transaction<Database>,
    grant: Pick<StoredGrant, 'appId' | 'appUserId' | 'shareStatus'>,
    s: AppState,
    now: number,
  ): Promise<void> {
    await trx
      .insertInto('app_updates')
      .values({
        app_id: grant.appId,
        app_user_id: grant.appUserId,
        state: s.state,
        status: grant.shareStatus ? s.status : null,
        since: s.since,
        created_at: now,
      })
      .execute();
  }

  async function told(trx: Kysely<Database>, userId: string): Promise<AppState | undefined> {
    const r = await trx
      .selectFrom('app_presence')
      .selectAll()
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r ? { state: r.state as AppState['state'], status: r.status, since: toNum(r.since) } : undefined;
  }

  /**
   * What a newly granted (or unpaused) app is told first: what the others were last told, so that
   * a transition still on its way reaches every app alike; the current state when none was told.
   */
  async function toldOrNow(trx: Transaction<Database>, userId: string, current: AppState): Promise<AppState> {
    const prev = await told(trx, userId);
    if (prev) return prev;
    await trx
      .insertInto('app_presence')
      .values({ user_id: userId, state: current.state, status: current.status, since: current.since })
      .execute();
    return current;
  }

  return {
    createApp: (app) =>
      run(async () => {
        await db
          .insertInto('apps')
          .values({
            id: app.id,
            name: app.name,
            owner_id: app.ownerId,
            secret_hash: app.secretHash,
            signing_secret: app.signingSecret,
            redirect_uris: JSON.stringify(app.redirectUris),
            webhook_url: app.webhookUrl,
            webhook_disabled_at: app.webhookDisabledAt,
            webhook_cursor: app.webhookCursor,
            webhook_attempts: app.webhookAttempts,
            webhook_next_at: app.webhookNextAt,
            webhook_batch_to: app.webhookBatchTo,
            lease_owner: null,
            lease_until: 0,
            created_at: app.createdAt,
          })
          .execute();
      }),

    getApp: (id) =>
      run(async () => {
        const r = await db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
        return r && toApp(r);
      }),

    listApps: (ownerId) =>
      run(async () => {
        let q = db.selectFrom('apps').selectAll();
        if (ownerId !== undefined) q = q.where('owner_id', '=', ownerId);
        const rows = await q.orderBy('created_at').orderBy('id').execute();
        return rows.map(toApp);
      }),

    updateApp: (id, patch) =>
      run(async () => {
        const set: Partial<{ name: string; redirect_uris: string; webhook_url: string | null }> & {
          webhook_disabled_at?: null;
          webhook_attempts?: number;
          webhook_next_at?: number;
          webhook_batch_to?: number;
        } = {};
        if (patch.name !== undefined) set.name = patch.name;
        if (patch.redirectUris !== undefined) set.redirect_uris = JSON.stringify(patch.redirectUris);
        if (patch.webhookUrl !== undefined) {
          set.webhook_url = patch.webhookUrl;
          set.webhook_disabled_at = null;
          set.webhook_attempts = 0;
          set.webhook_next_at = 0;
          set.webhook_batch_to = 0;
        }
        if (Object.keys(set).length === 0) {
          return (
            (await db.selectFrom('apps').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
          );
        }
        if (patch.webhookUrl === undefined) {
          const r = await db.updateTable('apps').set(set).where('id', '=', id).executeTakeFirst();
          return Number(r.numUpdatedRows) > 0;
        }
        return serialised(async (trx) => {
          const before = await trx
            .selectFrom('apps')
            .select('webhook_disabled_at')
            .where('id', '=', id)
            .executeTakeFirst();
          if (!before) return false;
          await trx.updateTable('apps').set(set).where('id', '=', id).execute();
          // A disabled webhook's backlog is pruned like any delivered update, so what it missed
          // may be gone: re-enabling follows whatever is left with every user's told state, and
          // the app ends up knowing everyone's presence however long the outage was.
          if (before.webhook_disabled_at !== null && patch.webhookUrl !== null) {
            const grants = await trx
              .selectFrom('app_grants')
              .selectAll()
              .where('app_id', '=', id)
              .where('paused', '=', 0)
              .execute();
            const now = Date.now();
            for (const g of grants) {
              const state = await told(trx, g.user_id);
              if (state) await addUpdate(trx, toGrant(g), state, now);
            }
          }
          return true;
        });
      }),

    setSecrets: (id, secretHash, signingSecret) =>
      run(async () => {
        const r = await db
          .updateTable('apps')
          .set({ secret_hash: secretHash, signing_secret: signingSecret })
          .where('id', '=', id)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }),

    deleteApp: (id) =>
      run(() =>
        db.transaction().execute(async (trx) => {
          await trx.deleteFrom('app_grants').where('app_id', '=', id).execute();
          await trx.deleteFrom('app_codes').where('app_id', '=', id).execute();
          await trx.deleteFrom('app_updates').where('app_id', '=', id).execute();
          await trx.deleteFrom('app_deliveries').where('app_id', '=', id).execute();
          const r = await trx.deleteFrom('apps').where('id', '=', id).executeTakeFirst();
          return Number(r.numDeletedRows) > 0;
        }),
      ),

    putCode: (codeHash, code) =>
      run(async () => {
        await db
          .insertInto('app_codes')
          .values({
            code_hash: codeHash,
            app_id: code.appId,
            user_id: code.userId,
            redirect_uri: code.redirectUri,
            challenge: code.challenge,
            share_status: code.shareStatus ? 1 : 0,
            expires_at: code.expiresAt,
          })
          .execute();
        // Expired codes go as new ones come: the table stays small without a timer.
        await db
          .deleteFrom('app_codes')
          .where('expires_at', '<', Date.now() - 60_000)
          .execute();
      }),

    takeCode: (codeHash, now) =>
      run(() =>
        db.transaction().execute(async (trx) => {
          const r = await trx
            .selectFrom('app_codes')
            .selectAll()
            .where('code_hash', '=', codeHash)
            .executeTakeFirst();
          if (!r) return undefined;
          // Whoever deletes the row owns the code: two concurrent exchanges cannot both win.
          const del = await trx.deleteFrom('app_codes').where('code_hash', '=', codeHash).executeTakeFirst();
          if (Number(del.numDeletedRows) !== 1 || toNum(r.expires_at) <= now) return undefined;
          return {
            appId: r.app_id,
            userId: r.user_id,
            redirectUri: r.redirect_uri,
            challenge: r.challenge,
            shareStatus: r.share_status === 1,
            expiresAt: toNum(r.expires_at),
          };
        }),
      ),

    grant: (grant, current) =>
      run(() =>
        serialised(async (trx) => {
          await trx
            .insertInto('app_grants')
            .values({
              app_id: grant.appId,
              user_id: grant.userId,
              app_user_id: grant.appUserId,
              paused: grant.paused ? 1 : 0,
              share_status: grant.shareStatus ? 1 : 0,
              granted_at: grant.grantedAt,
            })
            .onConflict((oc) =>
              oc.columns(['app_id', 'user_id']).doUpdateSet({
                paused: grant.paused ? 1 : 0,
                share_status: grant.shareStatus ? 1 : 0,
              }),
            )
            .execute();
          if (!grant.paused)
            await addUpdate(trx, grant, await toldOrNow(trx, grant.userId, current), Date.now());
        }),
      ),

    grantMany: (grants, current) =>
      run(() =>
        serialised(async (trx) => {
          const now = Date.now();
          const told = new Map<string, AppState>();
          for (const userId of new Set(grants.filter((g) => !g.paused).map((g) => g.userId)))
            told.set(userId, await toldOrNow(trx, userId, current));
          // Chunks far below the bound-parameter limits (SQLite: 32,766; PostgreSQL: 65,535).
          for (let i = 0; i < grants.length; i += 2_000) {
            const chunk = grants.slice(i, i + 2_000);
            await trx
              .insertInto('app_grants')
              .values(
                chunk.map((g) => ({
                  app_id: g.appId,
                  user_id: g.userId,
                  app_user_id: g.appUserId,
                  paused: g.paused ? 1 : 0,
                  share_status: g.shareStatus ? 1 : 0,
                  granted_at: g.grantedAt,
                })),
              )
              .onConflict((oc) =>
                oc.columns(['app_id', 'user_id']).doUpdateSet((eb) => ({
                  paused: eb.ref('excluded.paused'),
                  share_status: eb.ref('excluded.share_status'),
                })),
              )
              .execute();
            const updates = chunk
              .filter((g) => !g.paused)
              .map((g) => {
                const s = told.get(g.userId) ?? current;
                return {
                  app_id: g.appId,
                  app_user_id: g.appUserId,
                  state: s.state,
                  status: g.shareStatus ? s.status : null,
                  since: s.since,
                  created_at: now,
                };
              });
            if (updates.length > 0) await trx.insertInto('app_updates').values(updates).execute();
          }
        }),
      ),

    getGrant: (appId, userId) =>
      run(async () => {
        const r = await db
          .selectFrom('app_grants')
          .selectAll()
          .where('app_id', '=', appId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        return r && toGrant(r);
      }),

    grantByAppUserId: (appId, appUserId) =>
      run(async () => {
        const r = await db
          .selectFrom('app_grants')
          .selectAll()
          .where('app_id', '=', appId)
          .where('app_user_id', '=', appUserId)
          .executeTakeFirst();
        return r && toGrant(r);
      }),

    grantsOfUser: (userId) =>
      run(async () => {
        const rows = await db
          .selectFrom('app_grants')
          .selectAll()
          .where('user_id', '=', userId)
          .orderBy('granted_at')
          .execute();
        return rows.map(toGrant);
      }),

    setPaused: (appId, userId, paused, current) =>
      run(() =>
        serialised(async (trx) => {
          const r = await trx
            .selectFrom('app_grants')
            .selectAll()
            .where('app_id', '=', appId)
            .where('user_id', '=', userId)
            .executeTakeFirst();
          if (!r) return false;
          const grant = toGrant(r);
          if (grant.paused === paused) return true;
          await trx
            .updateTable('app_grants')
            .set({ paused: paused ? 1 : 0 })
            .where('app_id', '=', appId)
            .where('user_id', '=', userId)
            .execute();
          if (!paused) await addUpdate(trx, grant, await toldOrNow(trx, userId, current), Date.now());
          return true;
        }),
      ),

    revoke: (appId, userId) =>
      run(async () => {
        const r = await db
          .deleteFrom('app_grants')
          .where('app_id', '=', appId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      }),

    countNotification: (appId, appUserId, windowStart) =>
      run(async () => {
        // One statement, so concurrent nodes cannot both read the old count.
        const r = await db
          .insertInto('app_notify_counts')
          .values({ app_id: appId, app_user_id: appUserId, window_start: windowStart, sent: 1 })
          .onConflict((oc) =>
            oc.columns(['app_id', 'app_user_id']).doUpdateSet({
              sent: sql<number>`case when app_notify_counts.window_start = excluded.window_start then app_notify_counts.sent + 1 else 1 end`,
              window_start: sql<number>`excluded.window_start`,
            }),
          )
          .returning('sent')
          .executeTakeFirstOrThrow();
        return Number(r.sent);
      }),

    lastState: (userId) => run(() => told(db, userId)),

    usersNotOffline: () =>
      run(async () => {
        const rows = await db
          .selectFrom('app_presence')
          .select('user_id')
          .where('state', '<>', 'offline')
          .execute();
        return rows.map((r) => r.user_id);
      }),

    transition: (userId, next) =>
      run(() =>
        serialised(async (trx) => {
          const prev = await told(trx, userId);
          if (prev && prev.state === next.state && prev.status === next.status) return 0;
          const grants = await trx
            .selectFrom('app_grants')
            .selectAll()
            .where('user_id', '=', userId)
            .where('paused', '=', 0)
            .execute();
          if (grants.length === 0) {
            // Nobody to tell: remember nothing, so that a later grant starts from the present.
            if (prev) await trx.deleteFrom('app_presence').where('user_id', '=', userId).execute();
            return 0;
          }
          await trx
            .insertInto('app_presence')
            .values({ user_id: userId, state: next.state, status: next.status, since: next.since })
            .onConflict((oc) =>
              oc.column('user_id').doUpdateSet({ state: next.state, status: next.status, since: next.since }),
            )
            .execute();
          // A change of status text alone means nothing to apps that are not shown the text.
          const statusOnly = prev !== undefined && prev.state === next.state;
          const now = Date.now();
          const rows = grants
            .map(toGrant)
            .filter((g) => !statusOnly || g.shareStatus)
            .map((g) => ({
              app_id: g.appId,
              app_user_id: g.appUserId,
              state: next.state,
              status: g.shareStatus ? next.status : null,
              since: next.since,
              created_at: now,
            }));
          // Multi-row inserts, in chunks far below the bound-parameter limits.
          for (let i = 0; i < rows.length; i += 500) {
            await trx
              .insertInto('app_updates')
              .values(rows.slice(i, i + 500))
              .execute();
          }
          return rows.length;
        }),
      ),

    updatesAfter: (appId, cursor, limit) =>
      run(async () => {
        const rows = await db
          .selectFrom('app_updates')
          .selectAll()
          .where('app_id', '=', appId)
          .where('seq', '>', cursor)
          .orderBy('seq')
          .limit(limit)
          .execute();
        return rows.map(toUpdate);
      }),

    hasUpdate: (appId, seq) =>
      run(async () => {
        const r = await db
          .selectFrom('app_updates')
          .select('seq')
          .where('app_id', '=', appId)
          .where('seq', '=', seq)
          .executeTakeFirst();
        return r !== undefined;
      }),

    latestSeq: (appId) =>
      run(async () => {
        const r = await db
          .selectFrom('app_updates')
          .select((eb) => eb.fn.max('seq').as('m'))
          .where('app_id', '=', appId)
          .executeTakeFirst();
        return r?.m === null || r?.m === undefined ? 0 : toNum(r.m);
      }),

    oldestSeq: (appId) =>
      run(async () => {
        const r = await db
          .selectFrom('app_updates')
          .select((eb) => eb.fn.min('seq').as('m'))
          .where('app_id', '=', appId)
          .executeTakeFirst();
        return r?.m === null || r?.m === undefined ? null : toNum(r.m);
      }),

    prune: (before) =>
      run(async () => {
        // Undelivered webhook updates stay however old they are (a retry needs them); the newest
        // update of every app stays too, so its seq tells a resuming stream where the log begins.
        const r = await db
          .deleteFrom('app_updates')
          .where('created_at', '<', before)
          // Not the app's newest: without it a stale cursor could not be told from a current one.
          .where('seq', '<', (eb) =>
            eb
              .selectFrom('app_updates as newest')
              .select((n) => n.fn.max('newest.seq').as('m'))
              .whereRef('newest.app_id', '=', 'app_updates.app_id'),
          )
          .where(({ exists, selectFrom, not }) =>
            not(
              exists(
                selectFrom('apps')
                  .select('apps.id')
                  .whereRef('apps.id', '=', 'app_updates.app_id')
                  .where('apps.webhook_url', 'is not', null)
                  .where('apps.webhook_disabled_at', 'is', null)
                  .whereRef('apps.webhook_cursor', '<', 'app_updates.seq'),
              ),
            ),
          )
          .executeTakeFirst();
        return Number(r.numDeletedRows);
      }),

    lease: (appId, owner, now, until) =>
      run(async () => {
        const r = await db
          .updateTable('apps')
          .set({ lease_owner: owner, lease_until: until })
          .where('id', '=', appId)
          .where((eb) =>
            eb.or([
              eb('lease_owner', '=', owner),
              eb('lease_until', '<', now),
              eb('lease_owner', 'is', null),
            ]),
          )
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }),

    webhookApps: () =>
      run(async () => {
        const rows = await db
          .selectFrom('apps')
          .selectAll()
          .where('webhook_url', 'is not', null)
          .where('webhook_disabled_at', 'is', null)
          .execute();
        return rows.map(toApp);
      }),

    webhookProgress: (appId, change) =>
      run(async () => {
        await db
          .updateTable('apps')
          .set({
            webhook_attempts: change.attempts,
            webhook_next_at: change.nextAt,
            webhook_batch_to: change.batchTo,
            ...(change.cursor !== undefined ? { webhook_cursor: change.cursor } : {}),
            ...(change.disabledAt !== undefined ? { webhook_disabled_at: change.disabledAt } : {}),
          })
          .where('id', '=', appId)
          .execute();
      }),

    addDelivery: (d, keep) =>
      run(async () => {
        await db
          .insertInto('app_deliveries')
          .values({
            id: d.id,
            app_id: d.appId,
            webhook_id: d.webhookId,
            at: d.at,
            status: d.status,
            error: d.error,
            attempt: d.attempt,
            updates: d.updates,
          })
          .execute();
        const old = await db
          .selectFrom('app_deliveries')
          .select('id')
          .where('app_id', '=', d.appId)
          .orderBy('at', 'desc')
          .orderBy('id', 'desc')
          .offset(keep)
          .limit(1000)
          .execute();
        if (old.length > 0)
          await db
            .deleteFrom('app_deliveries')
            .where(
              'id',
              'in',
              old.map((o) => o.id),
            )
            .execute();
      }),

    deliveries: (appId, limit) =>
      run(async () => {
        const rows = await db
          .selectFrom('app_deliveries')
          .selectAll()
          .where('app_id', '=', appId)
          .orderBy('at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit)
          .execute();
        return rows.map(toDelivery);
      }),
  };
}
