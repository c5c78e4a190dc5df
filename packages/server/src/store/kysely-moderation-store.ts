import type { Kysely, Selectable } from 'kysely';
import type { AuditAction, UserRef } from '@presence/protocol';
import type { Database, RoomAuditTable, RoomBansTable } from './kysely-schema.js';
import type { ModerationStore, StoredAuditEntry, StoredBan } from './moderation-store.js';
import { toNum } from './rows.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

function toBan(r: Selectable<RoomBansTable>): StoredBan {
  return {
    id: r.id,
    roomId: r.room_id,
    userId: r.user_id,
    userName: r.user_name,
    userAvatar: r.user_avatar,
    guestKeyHash: r.guest_key_hash,
    addressHash: r.address_hash,
    reason: r.reason,
    by: { id: r.by_id, name: r.by_name, avatar: r.by_avatar },
    createdAt: toNum(r.created_at),
    expiresAt: r.expires_at === null ? null : toNum(r.expires_at),
  };
}

function toAudit(r: Selectable<RoomAuditTable>): StoredAuditEntry {
  return {
    roomId: r.room_id,
    id: toNum(r.id),
    ts: toNum(r.ts),
    action: r.action as AuditAction,
    actor: JSON.parse(r.actor) as UserRef,
    target: r.target === null ? null : (JSON.parse(r.target) as UserRef),
    reason: r.reason,
    detail: JSON.parse(r.detail) as StoredAuditEntry['detail'],
  };
}

/** Moderation state over Kysely, dialect-neutral like the rest of the store. */
export function kyselyModerationStore(db: Kysely<Database>, run: Run): ModerationStore {
  return {
    addBan: (ban) =>
      run(async () => {
        await db
          .insertInto('room_bans')
          .values({
            id: ban.id,
            room_id: ban.roomId,
            user_id: ban.userId,
            user_name: ban.userName,
            user_avatar: ban.userAvatar,
            guest_key_hash: ban.guestKeyHash,
            address_hash: ban.addressHash,
            reason: ban.reason,
            by_id: ban.by.id,
            by_name: ban.by.name,
            by_avatar: ban.by.avatar,
            created_at: ban.createdAt,
            expires_at: ban.expiresAt,
          })
          .execute();
      }),

    listBans: (roomId, now) =>
      run(async () => {
        const rows = await db
          .selectFrom('room_bans')
          .selectAll()
          .where('room_id', '=', roomId)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
          .orderBy('created_at', 'asc')
          .execute();
        return rows.map(toBan);
      }),

    findBan: (roomId, match, now) =>
      run(async () => {
        const row = await db
          .selectFrom('room_bans')
          .selectAll()
          .where('room_id', '=', roomId)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
          .where((eb) =>
            eb.or([
              eb('user_id', '=', match.userId),
              ...(match.guestKeyHash !== undefined ? [eb('guest_key_hash', '=', match.guestKeyHash)] : []),
              ...(match.addressHash !== undefined ? [eb('address_hash', '=', match.addressHash)] : []),
            ]),
          )
          .executeTakeFirst();
        return row ? toBan(row) : undefined;
      }),

    removeBan: (roomId, id) =>
      run(async () => {
        const r = await db
          .deleteFrom('room_bans')
          .where('room_id', '=', roomId)
          .where('id', '=', id)
          .executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      }),

    getSettings: (roomId) =>
      run(async () => {
        const r = await db
          .selectFrom('room_moderation')
          .selectAll()
          .where('room_id', '=', roomId)
          .executeTakeFirst();
        if (!r) return undefined;
        return {
          lobby: toNum(r.lobby) !== 0,
          slowModeSeconds: toNum(r.slow_mode_seconds),
          joinMuted: toNum(r.join_muted) !== 0,
          passwordHash: r.password_hash,
        };
      }),

    putSettings: (roomId, s) =>
      run(async () => {
        const values = {
          lobby: s.lobby ? 1 : 0,
          slow_mode_seconds: s.slowModeSeconds,
          join_muted: s.joinMuted ? 1 : 0,
          password_hash: s.passwordHash,
        };
        await db
          .insertInto('room_moderation')
          .values({ room_id: roomId, ...values })
          .onConflict((oc) => oc.column('room_id').doUpdateSet(values))
          .execute();
      }),

    appendAudit: (e) =>
      run(async () => {
        await db
          .insertInto('room_audit')
          .values({
            room_id: e.roomId,
            id: e.id,
            ts: e.ts,
            action: e.action,
            actor: JSON.stringify(e.actor),
            target: e.target === null ? null : JSON.stringify(e.target),
            reason: e.reason,
            detail: JSON.stringify(e.detail),
          })
          .execute();
      }),

    putMute: (roomId, userId, mute) =>
      run(async () => {
        if (mute === null) {
          await db
            .deleteFrom('room_mutes')
            .where('room_id', '=', roomId)
            .where('user_id', '=', userId)
            .execute();
          return;
        }
        const values = { chat_until: mute.chatUntil, audio: mute.audio ? 1 : 0, video: mute.video ? 1 : 0 };
        await db
          .insertInto('room_mutes')
          .values({ room_id: roomId, user_id: userId, ...values })
          .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet(values))
          .execute();
      }),

    listMutes: (roomId) =>
      run(async () => {
        const rows = await db.selectFrom('room_mutes').selectAll().where('room_id', '=', roomId).execute();
        return rows.map((r) => ({
          userId: r.user_id,
          chatUntil: r.chat_until === null ? null : toNum(r.chat_until),
          audio: toNum(r.audio) !== 0,
          video: toNum(r.video) !== 0,
        }));
      }),

    addKnock: (roomId, k) =>
      run(async () => {
        await db
          .insertInto('room_knocks')
          .values({
            room_id: roomId,
            id: k.id,
            user_id: k.user.id,
            user_name: k.user.name,
            user_avatar: k.user.avatar,
            session_id: k.sessionId,
            at: k.at,
          })
          .execute();
      }),

    removeKnock: (roomId, id) =>
      run(async () => {
        const r = await db
          .deleteFrom('room_knocks')
          .where('room_id', '=', roomId)
          .where('id', '=', id)
          .executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      }),

    listKnocks: (roomId, since) =>
      run(async () => {
        const rows = await db
          .selectFrom('room_knocks')
          .selectAll()
          .where('room_id', '=', roomId)
          .where('at', '>=', since)
          .orderBy('at', 'asc')
          .execute();
        return rows.map((r) => ({
          id: r.id,
          user: { id: r.user_id, name: r.user_name, avatar: r.user_avatar },
          sessionId: r.session_id,
          at: toNum(r.at),
        }));
      }),

    putPass: (roomId, userId, until) =>
      run(async () => {
        await db
          .insertInto('room_passes')
          .values({ room_id: roomId, user_id: userId, until })
          .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet({ until }))
          .execute();
      }),

    getPass: (roomId, userId) =>
      run(async () => {
        const r = await db
          .selectFrom('room_passes')
          .select('until')
          .where('room_id', '=', roomId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        return r ? toNum(r.until) : undefined;
      }),

    listAudit: (roomId, page) =>
      run(async () => {
        let q = db.selectFrom('room_audit').selectAll().where('room_id', '=', roomId);
        if (page.before !== undefined) q = q.where('id', '<', page.before);
        const rows = await q.orderBy('id', 'desc').limit(page.limit).execute();
        return rows.map(toAudit);
      }),
  };
}
