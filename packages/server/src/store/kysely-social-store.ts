import type { Kysely, Selectable, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { ContactsTable, Database } from './kysely-schema.js';
import { toNum } from './rows.js';
import {
  KeptMessagesFullError,
  MAX_CONVERSATIONS,
  MAX_KEPT_PER_RECIPIENT,
  type SocialStore,
  type StoredContact,
  type StoredDeviceToken,
  type StoredDirectMessage,
} from './social-store.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

function parseGroups(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((g): g is string => typeof g === 'string') : [];
  } catch {
    // A hand-edited or truncated row must not break the whole list.
    return [];
  }
}

function toContact(r: Selectable<ContactsTable>): StoredContact {
  return {
    contactId: r.contact_id,
    name: r.contact_name,
    avatar: r.contact_avatar,
    groups: parseGroups(r.groups),
    since: toNum(r.created_at),
  };
}

/**
 * Contacts, blocks, kept direct messages and device tokens over Kysely, dialect-neutral like the
 * rest of the store.
 *
 * Transactions that read and then write on the strength of what they read (auto-accept, the bound
 * on kept messages, take-and-delete) first lock the users concerned: each user's
 * `contact_settings` row doubles as that user's social lock, taken by a no-op upsert (which row-
 * locks on PostgreSQL). Two such transactions about the same user therefore run one after the
 * other, and at READ COMMITTED the second one's later statements see what the first committed: two
 * users asking each other at once cannot both miss the other's request, two sessions cannot take
 * the same kept messages, and concurrent senders cannot slip past the bound. Locks are taken in id
 * order, so no two transactions wait on each other in a cycle. SQLite runs one transaction at a
 * time on its single connection, where the upsert is just a no-op. (SERIALIZABLE with retries was
 * the alternative; under a burst to one recipient it retried in quadratic numbers.)
 */
export function kyselySocialStore(db: Kysely<Database>, run: Run): SocialStore {
  const locked = <T>(ids: string[], fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> =>
    run(() =>
      db.transaction().execute(async (trx) => {
        for (const id of [...new Set(ids)].sort()) {
          await trx
            .insertInto('contact_settings')
            .values({ owner_id: id, important_group: null })
            .onConflict((oc) =>
              oc
                .column('owner_id')
                .doUpdateSet((eb) => ({ important_group: eb.ref('contact_settings.important_group') })),
            )
            .execute();
        }
        return fn(trx);
      }),
    );

  const row = (trx: Kysely<Database>, owner: string, contact: string) =>
    trx
      .selectFrom('contacts')
      .selectAll()
      .where('owner_id', '=', owner)
      .where('contact_id', '=', contact)
      .executeTakeFirst();

  /**
   * Turn `requester`'s pending row to `owner` into an accepted pair: the pending row becomes
   * `requester`'s accepted one and `owner` gets the mirror row (names swapped). `since` is now.
   */
  const acceptPair = async (
    trx: Transaction<Database>,
    pending: Selectable<ContactsTable>,
    now: number,
  ): Promise<void> => {
    await trx
      .updateTable('contacts')
      .set({
        state: 'accepted',
        message: null,
        contact_name: pending.contact_name,
        contact_avatar: pending.contact_avatar,
        owner_name: pending.owner_name,
        owner_avatar: pending.owner_avatar,
        created_at: now,
      })
      .where('owner_id', '=', pending.owner_id)
      .where('contact_id', '=', pending.contact_id)
      .execute();
    await trx
      .insertInto('contacts')
      .values({
        owner_id: pending.contact_id,
        contact_id: pending.owner_id,
        state: 'accepted',
        message: null,
        groups: '[]',
        contact_name: pending.owner_name,
        contact_avatar: pending.owner_avatar,
        owner_name: pending.contact_name,
        owner_avatar: pending.contact_avatar,
        created_at: now,
      })
      // A leftover row of the owner towards the requester (their own pending request that lost a
      // race) is upgraded rather than duplicated.
      .onConflict((oc) =>
        oc
          .columns(['owner_id', 'contact_id'])
          .doUpdateSet({ state: 'accepted', message: null, created_at: now }),
      )
      .execute();
  };

  return {
    requestContact: (from, to, message, now) =>
      locked([from.id, to.id], async (trx) => {
        const mine = await row(trx, from.id, to.id);
        if (mine?.state === 'accepted') return 'accepted';
        const theirs = await row(trx, to.id, from.id);
        if (theirs?.state === 'pending' || theirs?.state === 'accepted') {
          // They asked first (or a half-written pair from an older crash): both become contacts.
          if (mine) {
            await trx
              .deleteFrom('contacts')
              .where('owner_id', '=', from.id)
              .where('contact_id', '=', to.id)
              .execute();
          }
          const names = { owner_name: to.name, owner_avatar: to.avatar, contact_name: from.name };
          await acceptPair(trx, { ...theirs, ...names, contact_avatar: from.avatar }, now);
          return 'accepted';
        }
        if (mine) {
          // Asking again refreshes the note and names but keeps when it was first asked.
          await trx
            .updateTable('contacts')
            .set({
              message,
              contact_name: to.name,
              contact_avatar: to.avatar,
              owner_name: from.name,
              owner_avatar: from.avatar,
            })
            .where('owner_id', '=', from.id)
            .where('contact_id', '=', to.id)
            .execute();
          return 'pending';
        }
        await trx
          .insertInto('contacts')
          .values({
            owner_id: from.id,
            contact_id: to.id,
            state: 'pending',
            message,
            groups: '[]',
            contact_name: to.name,
            contact_avatar: to.avatar,
            owner_name: from.name,
            owner_avatar: from.avatar,
            created_at: now,
          })
          .execute();
        return 'pending';
      }),

    acceptContact: (owner, requester, now) =>
      locked([owner, requester], async (trx) => {
        const pending = await row(trx, requester, owner);
        if (!pending) return false;
        // Accepting twice (a retry) finds the pair already made and changes nothing.
        if (pending.state === 'accepted') return true;
        await acceptPair(trx, pending, now);
        return true;
      }),

    deletePending: (from, to) =>
      run(async () => {
        const r = await db
          .deleteFrom('contacts')
          .where('owner_id', '=', from)
          .where('contact_id', '=', to)
          .where('state', '=', 'pending')
          .executeTakeFirst();
        return r.numDeletedRows > 0n;
      }),

    removeContact: (a, b) =>
      run(async () => {
        // Both directions in one statement, so a pair is never left half removed.
        const r = await db
          .deleteFrom('contacts')
          .where('state', '=', 'accepted')
          .where((eb) =>
            eb.or([
              eb.and([eb('owner_id', '=', a), eb('contact_id', '=', b)]),
              eb.and([eb('owner_id', '=', b), eb('contact_id', '=', a)]),
            ]),
          )
          .executeTakeFirst();
        return r.numDeletedRows > 0n;
      }),

    areContacts: (a, b) =>
      run(async () => {
        const r = await db
          .selectFrom('contacts')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('state', '=', 'accepted')
          .where((eb) =>
            eb.or([
              eb.and([eb('owner_id', '=', a), eb('contact_id', '=', b)]),
              eb.and([eb('owner_id', '=', b), eb('contact_id', '=', a)]),
            ]),
          )
          .executeTakeFirst();
        return toNum(r?.n) === 2;
      }),

    listContacts: (owner) =>
      run(async () => {
        const rows = await db
          .selectFrom('contacts')
          .selectAll()
          .where('owner_id', '=', owner)
          .where('state', '=', 'accepted')
          .orderBy(sql`lower(contact_name)`)
          .orderBy('contact_id')
          .execute();
        return rows.map(toContact);
      }),

    contactIds: (owner) =>
      run(async () => {
        const rows = await db
          .selectFrom('contacts')
          .select('contact_id')
          .where('owner_id', '=', owner)
          .where('state', '=', 'accepted')
          .execute();
        return rows.map((r) => r.contact_id);
      }),

    listPending: (owner) =>
      run(async () => {
        const incoming = await db
          .selectFrom('contacts')
          .selectAll()
          .where('contact_id', '=', owner)
          .where('state', '=', 'pending')
          .orderBy('created_at')
          .orderBy('owner_id')
          .execute();
        const outgoing = await db
          .selectFrom('contacts')
          .selectAll()
          .where('owner_id', '=', owner)
          .where('state', '=', 'pending')
          .orderBy('created_at')
          .orderBy('contact_id')
          .execute();
        return {
          incoming: incoming.map((r) => ({
            userId: r.owner_id,
            name: r.owner_name,
            avatar: r.owner_avatar,
            message: r.message,
            at: toNum(r.created_at),
          })),
          outgoing: outgoing.map((r) => ({
            userId: r.contact_id,
            name: r.contact_name,
            avatar: r.contact_avatar,
            message: r.message,
            at: toNum(r.created_at),
          })),
        };
      }),

    setGroups: (owner, contact, groups) =>
      run(async () => {
        const r = await db
          .updateTable('contacts')
          .set({ groups: JSON.stringify(groups) })
          .where('owner_id', '=', owner)
          .where('contact_id', '=', contact)
          .where('state', '=', 'accepted')
          .executeTakeFirst();
        return r.numUpdatedRows > 0n;
      }),

    setImportantGroup: (owner, group) =>
      run(async () => {
        await db
          .insertInto('contact_settings')
          .values({ owner_id: owner, important_group: group })
          .onConflict((oc) => oc.column('owner_id').doUpdateSet({ important_group: group }))
          .execute();
      }),

    getImportantGroup: (owner) =>
      run(async () => {
        const r = await db
          .selectFrom('contact_settings')
          .select('important_group')
          .where('owner_id', '=', owner)
          .executeTakeFirst();
        return r?.important_group ?? null;
      }),

    block: (owner, blocked, now) =>
      locked([owner, blocked], async (trx) => {
        await trx
          .insertInto('blocks')
          .values({ owner_id: owner, blocked_id: blocked, created_at: now })
          // Blocking again keeps the first time.
          .onConflict((oc) => oc.columns(['owner_id', 'blocked_id']).doNothing())
          .execute();
        const ended = await trx
          .deleteFrom('contacts')
          .where('state', '=', 'accepted')
          .where((eb) =>
            eb.or([
              eb.and([eb('owner_id', '=', owner), eb('contact_id', '=', blocked)]),
              eb.and([eb('owner_id', '=', blocked), eb('contact_id', '=', owner)]),
            ]),
          )
          .executeTakeFirst();
        await trx
          .deleteFrom('contacts')
          .where('owner_id', '=', owner)
          .where('contact_id', '=', blocked)
          .where('state', '=', 'pending')
          .execute();
        return ended.numDeletedRows > 0n;
      }),

    unblock: (owner, blocked) =>
      run(async () => {
        await db
          .deleteFrom('blocks')
          .where('owner_id', '=', owner)
          .where('blocked_id', '=', blocked)
          .execute();
      }),

    isBlocked: (owner, other) =>
      run(async () => {
        const r = await db
          .selectFrom('blocks')
          .select('blocked_id')
          .where('owner_id', '=', owner)
          .where('blocked_id', '=', other)
          .executeTakeFirst();
        return r !== undefined;
      }),

    listBlocked: (owner) =>
      run(async () => {
        const rows = await db
          .selectFrom('blocks')
          .select('blocked_id')
          .where('owner_id', '=', owner)
          .orderBy('created_at')
          .orderBy('blocked_id')
          .execute();
        return rows.map((r) => r.blocked_id);
      }),

    queueMessage: (message: StoredDirectMessage) =>
      locked([message.to], async (trx) => {
        // Count and insert under the recipient's lock: concurrent senders cannot both slip in
        // under the bound.
        const r = await trx
          .selectFrom('offline_messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('to_id', '=', message.to)
          .executeTakeFirst();
        if (toNum(r?.n) >= MAX_KEPT_PER_RECIPIENT) throw new KeptMessagesFullError(message.to);
        await trx
          .insertInto('offline_messages')
          .values({
            id: message.id,
            from_id: message.from,
            to_id: message.to,
            payload: message.payload,
            created_at: message.createdAt,
          })
          .execute();
      }),

    takeOfflineMessages: async (to, limit) => {
      // Every session start asks; almost always there is nothing. A plain read answers that without
      // the lock's write.
      const any = await run(() =>
        db.selectFrom('offline_messages').select('id').where('to_id', '=', to).limit(1).executeTakeFirst(),
      );
      if (!any) return [];
      return locked([to], async (trx) => {
        const rows = await trx
          .selectFrom('offline_messages')
          .selectAll()
          .where('to_id', '=', to)
          .orderBy('created_at')
          .orderBy('id')
          .limit(Math.max(0, Math.floor(limit)))
          .execute();
        if (rows.length === 0) return [];
        // Read and deleted under the recipient's lock: a second session taking at the same time
        // waits, then finds nothing; each message goes out once.
        await trx
          .deleteFrom('offline_messages')
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .execute();
        return rows.map((r) => ({
          id: r.id,
          from: r.from_id,
          to: r.to_id,
          payload: r.payload,
          createdAt: toNum(r.created_at),
        }));
      });
    },

    createDeviceToken: (token: StoredDeviceToken) =>
      run(async () => {
        await db
          .insertInto('device_tokens')
          .values({
            token_hash: token.tokenHash,
            user_id: token.userId,
            name: token.name,
            device: token.device,
            created_at: token.createdAt,
          })
          .execute();
      }),

    findDeviceToken: (tokenHash) =>
      run(async () => {
        const r = await db
          .selectFrom('device_tokens')
          .selectAll()
          .where('token_hash', '=', tokenHash)
          .executeTakeFirst();
        return (
          r && {
            tokenHash: r.token_hash,
            userId: r.user_id,
            name: r.name,
            device: r.device,
            createdAt: toNum(r.created_at),
          }
        );
      }),

    noteDirectMessage: (from, to, ts) =>
      run(() =>
        db.transaction().execute(async (trx) => {
          // The sender's row: the recipient's name only when the caller knows it.
          await trx
            .insertInto('dm_conversations')
            .values({
              owner_id: from.id,
              peer_id: to.id,
              peer_name: to.name,
              peer_avatar: to.avatar,
              last_ts: ts,
              last_from_peer: 0,
              unread: 0,
            })
            .onConflict((oc) =>
              oc.columns(['owner_id', 'peer_id']).doUpdateSet((eb) => ({
                last_ts: sql<number>`case when ${eb.ref('excluded.last_ts')} > ${eb.ref('dm_conversations.last_ts')} then ${eb.ref('excluded.last_ts')} else ${eb.ref('dm_conversations.last_ts')} end`,
                last_from_peer: 0,
                ...(to.known
                  ? { peer_name: eb.ref('excluded.peer_name'), peer_avatar: eb.ref('excluded.peer_avatar') }
                  : {}),
              })),
            )
            .execute();
          await trx
            .insertInto('dm_conversations')
            .values({
              owner_id: to.id,
              peer_id: from.id,
              peer_name: from.name,
              peer_avatar: from.avatar,
              last_ts: ts,
              last_from_peer: 1,
              unread: 1,
            })
            .onConflict((oc) =>
              oc.columns(['owner_id', 'peer_id']).doUpdateSet((eb) => ({
                last_ts: sql<number>`case when ${eb.ref('excluded.last_ts')} > ${eb.ref('dm_conversations.last_ts')} then ${eb.ref('excluded.last_ts')} else ${eb.ref('dm_conversations.last_ts')} end`,
                last_from_peer: 1,
                unread: sql<number>`${eb.ref('dm_conversations.unread')} + 1`,
                peer_name: eb.ref('excluded.peer_name'),
                peer_avatar: eb.ref('excluded.peer_avatar'),
              })),
            )
            .execute();
          for (const owner of new Set([from.id, to.id])) {
            // Bounded per user: past the cap, the least recent rows go.
            const over = await trx
              .selectFrom('dm_conversations')
              .select('peer_id')
              .where('owner_id', '=', owner)
              .orderBy('last_ts', 'desc')
              .orderBy('peer_id')
              .offset(MAX_CONVERSATIONS)
              .limit(100)
              .execute();
            if (over.length === 0) continue;
            await trx
              .deleteFrom('dm_conversations')
              .where('owner_id', '=', owner)
              .where(
                'peer_id',
                'in',
                over.map((r) => r.peer_id),
              )
              .execute();
          }
        }),
      ),

    listConversations: (owner, limit) =>
      run(async () => {
        const rows = await db
          .selectFrom('dm_conversations')
          .selectAll()
          .where('owner_id', '=', owner)
          .orderBy('last_ts', 'desc')
          .orderBy('peer_id')
          .limit(Math.max(0, Math.floor(limit)))
          .execute();
        return rows.map((r) => ({
          peerId: r.peer_id,
          peerName: r.peer_name,
          peerAvatar: r.peer_avatar,
          lastTs: toNum(r.last_ts),
          lastFromPeer: r.last_from_peer === 1,
          unread: r.unread,
        }));
      }),

    readConversation: (owner, peer) =>
      run(async () => {
        const r = await db
          .updateTable('dm_conversations')
          .set({ unread: 0 })
          .where('owner_id', '=', owner)
          .where('peer_id', '=', peer)
          .where('unread', '>', 0)
          .executeTakeFirst();
        return r.numUpdatedRows > 0n;
      }),
  };
}
