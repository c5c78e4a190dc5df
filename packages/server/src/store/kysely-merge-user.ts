import type { RoomRole, UserRef } from '@presence/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './kysely-schema.js';

/** Higher is more: where both were members, the merged member keeps the stronger role. */
const RANK: Record<RoomRole, number> = { guest: 0, member: 1, admin: 2, owner: 3 };

function stronger(a: string, b: string): string {
  return (RANK[a as RoomRole] ?? 0) >= (RANK[b as RoomRole] ?? 0) ? a : b;
}

/** The rooms whose membership changed, with the role the account has there now. */
export type MergedRooms = { roomId: string; role: RoomRole; joinedAt: number; lastRead: number }[];

/**
 * Move everything stored about user `from` (a guest) to user `to`, in one transaction: room
 * memberships (where both are members the stronger role wins and the earlier join and the further
 * read marker are kept), notification levels, mentions, uploads, rooms created, contacts, requests,
 * blocks, kept direct messages, direct-message conversations and device tokens. Rows that would collide with the account's own are dropped (the account's win);
 * a contact between the two becomes nothing. Afterwards nothing names `from`.
 */
export function mergeUser(db: Kysely<Database>, from: string, to: UserRef): Promise<MergedRooms> {
  return db.transaction().execute(async (trx) => {
    const merged: MergedRooms = [];
    const rows = await trx.selectFrom('room_members').selectAll().where('user_id', '=', from).execute();
    for (const g of rows) {
      const mine = await trx
        .selectFrom('room_members')
        .selectAll()
        .where('room_id', '=', g.room_id)
        .where('user_id', '=', to.id)
        .executeTakeFirst();
      const role = stronger(g.role, mine?.role ?? 'guest') as RoomRole;
      const joinedAt = Math.min(Number(g.joined_at), Number(mine?.joined_at ?? g.joined_at));
      const lastRead = Math.max(Number(g.last_read), Number(mine?.last_read ?? 0));
      await trx
        .deleteFrom('room_members')
        .where('room_id', '=', g.room_id)
        .where('user_id', '=', from)
        .execute();
      if (mine) {
        await trx
          .updateTable('room_members')
          .set({ role, joined_at: joinedAt, last_read: lastRead })
          .where('room_id', '=', g.room_id)
          .where('user_id', '=', to.id)
          .execute();
      } else {
        await trx
          .insertInto('room_members')
          .values({
            room_id: g.room_id,
            user_id: to.id,
            name: to.name,
            avatar: to.avatar,
            role,
            joined_at: joinedAt,
            last_read: lastRead,
          })
          .execute();
      }
      merged.push({ roomId: g.room_id, role, joinedAt, lastRead });
    }
    await trx.updateTable('rooms').set({ created_by: to.id }).where('created_by', '=', from).execute();
    await moveChat(trx, from, to.id);
    await moveSocial(trx, from, to);
    await moveConversations(trx, from, to);
    return merged;
  });
}

async function moveSocial(trx: Transaction<Database>, from: string, to: UserRef): Promise<void> {
  // Between the two of them nothing is left: one person does not befriend or block themself.
  for (const [a, b] of [
    [from, to.id],
    [to.id, from],
  ] as const) {
    await trx.deleteFrom('contacts').where('owner_id', '=', a).where('contact_id', '=', b).execute();
    await trx.deleteFrom('blocks').where('owner_id', '=', a).where('blocked_id', '=', b).execute();
  }
  // Rows the account already has win: drop the guest's duplicates, then rename the rest.
  await trx
    .deleteFrom('contacts')
    .where('owner_id', '=', from)
    .where('contact_id', 'in', trx.selectFrom('contacts').select('contact_id').where('owner_id', '=', to.id))
    .execute();
  await trx
    .deleteFrom('contacts')
    .where('contact_id', '=', from)
    .where('owner_id', 'in', trx.selectFrom('contacts').select('owner_id').where('contact_id', '=', to.id))
    .execute();
  await trx
    .updateTable('contacts')
    .set({ owner_id: to.id, owner_name: to.name, owner_avatar: to.avatar })
    .where('owner_id', '=', from)
    .execute();
  await trx
    .updateTable('contacts')
    .set({ contact_id: to.id, contact_name: to.name, contact_avatar: to.avatar })
    .where('contact_id', '=', from)
    .execute();
  await trx
    .deleteFrom('blocks')
    .where('owner_id', '=', from)
    .where('blocked_id', 'in', trx.selectFrom('blocks').select('blocked_id').where('owner_id', '=', to.id))
    .execute();
  await trx
    .deleteFrom('blocks')
    .where('blocked_id', '=', from)
    .where('owner_id', 'in', trx.selectFrom('blocks').select('owner_id').where('blocked_id', '=', to.id))
    .execute();
  await trx.updateTable('blocks').set({ owner_id: to.id }).where('owner_id', '=', from).execute();
  await trx.updateTable('blocks').set({ blocked_id: to.id }).where('blocked_id', '=', from).execute();
  const settings = await trx
    .selectFrom('contact_settings')
    .select('owner_id')
    .where('owner_id', '=', to.id)
    .executeTakeFirst();
  if (settings) await trx.deleteFrom('contact_settings').where('owner_id', '=', from).execute();
  else
    await trx.updateTable('contact_settings').set({ owner_id: to.id }).where('owner_id', '=', from).execute();
  await trx.updateTable('offline_messages').set({ to_id: to.id }).where('to_id', '=', from).execute();
  await trx.updateTable('offline_messages').set({ from_id: to.id }).where('from_id', '=', from).execute();
  await trx.updateTable('device_tokens').set({ user_id: to.id }).where('user_id', '=', from).execute();
}

/**
 * Notification levels (the account's own level for a room wins), mentions (a message that
 * mentioned both counts once) and uploads follow the person.
 */
async function moveChat(trx: Transaction<Database>, from: string, to: string): Promise<void> {
  await trx
    .deleteFrom('member_settings')
    .where('user_id', '=', from)
    .where('room_id', 'in', trx.selectFrom('member_settings').select('room_id').where('user_id', '=', to))
    .execute();
  await trx.updateTable('member_settings').set({ user_id: to }).where('user_id', '=', from).execute();
  const mine = await trx
    .selectFrom('message_mentions')
    .select(['room_id', 'seq'])
    .where('user_id', '=', to)
    .execute();
  const taken = new Set(mine.map((m) => `${m.room_id}\n${String(m.seq)}`));
  const theirs = await trx
    .selectFrom('message_mentions')
    .select(['room_id', 'seq'])
    .where('user_id', '=', from)
    .execute();
  for (const m of theirs) {
    const where = { room: m.room_id, seq: Number(m.seq) };
    if (taken.has(`${where.room}\n${String(m.seq)}`)) {
      await trx
        .deleteFrom('message_mentions')
        .where('user_id', '=', from)
        .where('room_id', '=', where.room)
        .where('seq', '=', where.seq)
        .execute();
    } else {
      await trx
        .updateTable('message_mentions')
        .set({ user_id: to })
        .where('user_id', '=', from)
        .where('room_id', '=', where.room)
        .where('seq', '=', where.seq)
        .execute();
    }
  }
  await trx.updateTable('files').set({ uploader_id: to }).where('uploader_id', '=', from).execute();
}

/**
 * Direct-message conversations: the guest's become the account's (where both talked to the same
 * person, one row with the later activity and both unread counts), others' conversations with the
 * guest now name the account, and one between the two is dropped.
 */
async function moveConversations(trx: Transaction<Database>, from: string, to: UserRef): Promise<void> {
  await trx
    .deleteFrom('dm_conversations')
    .where((eb) =>
      eb.or([
        eb.and([eb('owner_id', '=', from), eb('peer_id', '=', to.id)]),
        eb.and([eb('owner_id', '=', to.id), eb('peer_id', '=', from)]),
      ]),
    )
    .execute();
  for (const side of ['owner', 'peer'] as const) {
    const other = side === 'owner' ? 'peer_id' : 'owner_id';
    const column = side === 'owner' ? 'owner_id' : 'peer_id';
    const rows = await trx.selectFrom('dm_conversations').selectAll().where(column, '=', from).execute();
    for (const g of rows) {
      const key = g[other];
      const mine = await trx
        .selectFrom('dm_conversations')
        .selectAll()
        .where(column, '=', to.id)
        .where(other, '=', key)
        .executeTakeFirst();
      await trx.deleteFrom('dm_conversations').where(column, '=', from).where(other, '=', key).execute();
      const later = mine !== undefined && Number(mine.last_ts) >= Number(g.last_ts) ? mine : g;
      const row = {
        owner_id: side === 'owner' ? to.id : key,
        peer_id: side === 'owner' ? key : to.id,
        peer_name: side === 'owner' ? later.peer_name : to.name,
        peer_avatar: side === 'owner' ? later.peer_avatar : to.avatar,
        last_ts: Number(later.last_ts),
        last_from_peer: later.last_from_peer,
        unread: g.unread + (mine?.unread ?? 0),
      };
      if (mine) {
        await trx
          .updateTable('dm_conversations')
          .set(row)
          .where(column, '=', to.id)
          .where(other, '=', key)
          .execute();
      } else {
        await trx.insertInto('dm_conversations').values(row).execute();
      }
    }
  }
}
