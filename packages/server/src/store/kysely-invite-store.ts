import type { Kysely, Selectable } from 'kysely';
import { inviteProblem, type InviteStore, type StoredInvite } from './invite-store.js';
import type { Database, InvitesTable } from './kysely-schema.js';
import { toNum } from './rows.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

function toInvite(r: Selectable<InvitesTable>): StoredInvite {
  return {
    code: r.code,
    roomId: r.room_id,
    kind: r.kind === 'single' ? 'single' : 'public',
    maxUses: r.max_uses === null ? null : toNum(r.max_uses),
    uses: toNum(r.uses),
    expiresAt: r.expires_at === null ? null : toNum(r.expires_at),
    revokedAt: r.revoked_at === null ? null : toNum(r.revoked_at),
    createdAt: toNum(r.created_at),
    createdBy: r.created_by,
    createdByName: r.created_by_name,
  };
}

/**
 * Invites over Kysely, dialect-neutral like the rest of the store (no RETURNING): a use is one
 * conditional UPDATE, so the database's row lock decides between concurrent uses, and a read after.
 */
export function kyselyInviteStore(db: Kysely<Database>, run: Run): InviteStore {
  const get = async (code: string): Promise<StoredInvite | undefined> => {
    const row = await db.selectFrom('invites').selectAll().where('code', '=', code).executeTakeFirst();
    return row ? toInvite(row) : undefined;
  };

  return {
    createInvite: (invite) =>
      run(async () => {
        await db
          .insertInto('invites')
          .values({
            code: invite.code,
            room_id: invite.roomId,
            kind: invite.kind,
            max_uses: invite.maxUses,
            uses: invite.uses,
            expires_at: invite.expiresAt,
            revoked_at: invite.revokedAt,
            created_at: invite.createdAt,
            created_by: invite.createdBy,
            created_by_name: invite.createdByName,
          })
          .execute();
      }),

    getInvite: (code) => run(() => get(code)),

    listActiveInvites: (roomId, now) =>
      run(async () => {
        const rows = await db
          .selectFrom('invites')
          .selectAll()
          .where('room_id', '=', roomId)
          .where('revoked_at', 'is', null)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
          .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
          .orderBy('created_at')
          .orderBy('code')
          .execute();
        return rows.map(toInvite);
      }),

    consumeInvite: (code, now) =>
      run(async () => {
        // The WHERE repeats inviteProblem() so that the check and the increment are one statement:
        // of two concurrent uses of the last slot, the second re-evaluates it after the first
        // committed and updates nothing.
        const result = await db
          .updateTable('invites')
          .set((eb) => ({ uses: eb('uses', '+', 1) }))
          .where('code', '=', code)
          .where('revoked_at', 'is', null)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
          .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
          .executeTakeFirst();
        const invite = await get(code);
        if (result.numUpdatedRows > 0n && invite) return { ok: true as const, invite };
        // Nothing updated: say why. A row that looks usable now lost a race for its last use.
        return { ok: false as const, reason: inviteProblem(invite, now) ?? 'used_up' };
      }),

    revokeInvite: (roomId, code, now) =>
      run(async () => {
        const invite = await get(code);
        if (!invite || invite.roomId !== roomId) return false;
        // Revoking twice keeps the first time.
        await db
          .updateTable('invites')
          .set({ revoked_at: now })
          .where('code', '=', code)
          .where('revoked_at', 'is', null)
          .execute();
        return true;
      }),

    deleteInvitesForRoom: (roomId) =>
      run(async () => {
        await db.deleteFrom('invites').where('room_id', '=', roomId).execute();
      }),
  };
}
