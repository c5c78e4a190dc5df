import assert from 'node:assert/strict';
import type { RoomEvent } from '@presence/protocol';
import { SeqConflictError, StoreUnavailableError } from '../../../src/store/store.js';
import type { StoreTest } from './store-contract.js';
import {
  alice,
  bob,
  deleted,
  edited,
  joined,
  msg,
  range,
  room,
  seedRoom,
  seqs,
  updated,
} from './store-fixtures.js';

/** The event-log half of the Store contract (see runStoreContract). */
export function registerEventContract(it: StoreTest): void {
  it('appendEvent takes exactly last seq + 1', async (store) => {
    await seedRoom(store, 'r1', 0);
    await store.appendEvent(msg('r1', 1));
    assert.equal((await store.getRoom('r1'))?.lastSeq, 1);

    await assert.rejects(store.appendEvent(msg('r1', 3)), (err) => {
      assert.ok(err instanceof SeqConflictError);
      assert.match(err.message, /expected seq 2, got 3/);
      return true;
    });
    await assert.rejects(store.appendEvent(msg('r1', 1, bob, 'dup')), SeqConflictError);
    await assert.rejects(store.appendEvent(msg('r1', 0)), SeqConflictError);
    await assert.rejects(store.appendEvent(msg('ghost', 1)), /not stored/);
    assert.equal((await store.getRoom('r1'))?.lastSeq, 1);
    assert.equal(await store.getEvent('r1', 3), undefined);
    assert.deepEqual(await store.getEvent('r1', 1), msg('r1', 1));

    await store.appendEvent(joined('r1', 2, bob));
    assert.equal((await store.getRoom('r1'))?.lastSeq, 2);
    assert.deepEqual(await store.getEvent('r1', 2), joined('r1', 2, bob));
  });

  it('a failed append changes nothing (one transaction)', async (store) => {
    await seedRoom(store, 'r1', 0);
    await store.appendEvent(msg('r1', 1, alice, 'first', 'n1'));
    // The same sender and nonce again violates the unique index after last_seq was advanced:
    // the whole append must roll back, and the error is not an availability problem.
    await assert.rejects(
      store.appendEvent(msg('r1', 2, alice, 'again', 'n1')),
      (err) => !(err instanceof StoreUnavailableError) && !(err instanceof SeqConflictError),
    );
    assert.equal((await store.getRoom('r1'))?.lastSeq, 1);
    assert.equal(await store.getEvent('r1', 2), undefined);
    await store.appendEvent(msg('r1', 2, alice, 'fine', 'n2'));
  });

  it('findByNonce finds a sender’s message by its nonce', async (store) => {
    await seedRoom(store, 'r1', 0, [bob]);
    await seedRoom(store, 'r2', 0);
    const sent = msg('r1', 1, alice, 'hi', 'nonce-1');
    await store.appendEvent(sent);
    await store.appendEvent(msg('r1', 2, bob, 'hi too', 'nonce-2'));
    await store.appendEvent(msg('r1', 3, bob, 'same nonce, other sender', 'nonce-1'));
    assert.deepEqual(await store.findByNonce('r1', alice.id, 'nonce-1'), sent);
    assert.equal((await store.findByNonce('r1', bob.id, 'nonce-1'))?.seq, 3);
    assert.equal(await store.findByNonce('r1', alice.id, 'nonce-2'), undefined);
    assert.equal(await store.findByNonce('r2', alice.id, 'nonce-1'), undefined);
  });

  it('message.edited rewrites the target; reads return the current state', async (store) => {
    await seedRoom(store, 'r1', 1);
    await store.appendEvent(joined('r1', 2, bob));
    const edit = edited('r1', 3, 1, 'fixed');
    await store.appendEvent(edit);
    const expected = { ...msg('r1', 1), text: 'fixed', html: '<p>fixed</p>', edited: edit.ts };
    assert.deepEqual(await store.getEvent('r1', 1), expected);
    assert.deepEqual(await store.getEvent('r1', 3), edit);
    assert.deepEqual((await store.readEvents('r1', { limit: 10 })).events[0], expected);
    // An edit aimed at a non-message or a missing seq is stored but changes nothing.
    await store.appendEvent(edited('r1', 4, 2, 'nonsense'));
    await store.appendEvent(edited('r1', 5, 99, 'nonsense'));
    assert.deepEqual(await store.getEvent('r1', 2), joined('r1', 2, bob));
    assert.equal((await store.getRoom('r1'))?.lastSeq, 5);
  });

  it('message.deleted blanks the target, and unread counts skip it', async (store) => {
    await seedRoom(store, 'r1', 3, [bob]);
    await store.appendEvent(deleted('r1', 4, 2));
    assert.deepEqual(await store.getEvent('r1', 2), { ...msg('r1', 2), text: '', html: '', deleted: true });
    // Messages 1 and 3; neither the deleted message nor the delete event itself count.
    assert.equal((await store.roomsOfUser(bob.id))[0]?.unread, 2);
    // An edit cannot bring a deleted message back.
    await store.appendEvent(edited('r1', 5, 2, 'zombie'));
    assert.deepEqual(await store.getEvent('r1', 2), { ...msg('r1', 2), text: '', html: '', deleted: true });
    const history = await store.readEvents('r1', { limit: 10 });
    assert.deepEqual(
      history.events.map((e) =>
        e.type === 'message' ? [e.seq, e.text, e.deleted ?? false] : [e.seq, e.type],
      ),
      [
        [1, 'm1', false],
        [2, '', true],
        [3, 'm3', false],
        [4, 'message.deleted'],
        [5, 'message.edited'],
      ],
    );
  });

  it('room.updated updates the room row', async (store) => {
    await seedRoom(store, 'r1', 1);
    await store.appendEvent(updated('r1', 2, { name: 'Renamed', topic: 'new topic', visibility: 'private' }));
    assert.deepEqual(
      await store.getRoom('r1'),
      room('r1', { name: 'Renamed', topic: 'new topic', visibility: 'private', lastSeq: 2 }),
    );
  });

  it('createRoom applies the edits and deletes in its log', async (store) => {
    const log = [
      msg('r1', 1),
      msg('r1', 2),
      edited('r1', 3, 1, 'v2'),
      deleted('r1', 4, 2),
      edited('r1', 5, 1, 'v3'),
    ];
    await store.createRoom(room('r1', { lastSeq: 5 }), [], log);
    assert.deepEqual(await store.getEvent('r1', 1), {
      ...msg('r1', 1),
      text: 'v3',
      html: '<p>v3</p>',
      edited: log[4]?.ts,
    });
    assert.deepEqual(await store.getEvent('r1', 2), { ...msg('r1', 2), text: '', html: '', deleted: true });
  });

  it('readEvents pages by seq with correct `more` flags', async (store) => {
    await seedRoom(store, 'r1', 10);
    await seedRoom(store, 'empty', 0);
    const page = async (p: { before?: number; after?: number; limit: number }) => {
      const r = await store.readEvents('r1', p);
      return [seqs(r.events), r.more];
    };
    assert.deepEqual(await page({ limit: 3 }), [[8, 9, 10], true]);
    assert.deepEqual(await page({ limit: 10 }), [range(1, 10), false]);
    assert.deepEqual(await page({ limit: 50 }), [range(1, 10), false]);
    assert.deepEqual(await page({ before: 5, limit: 3 }), [[2, 3, 4], true]);
    assert.deepEqual(await page({ before: 4, limit: 3 }), [[1, 2, 3], false]);
    assert.deepEqual(await page({ before: 1, limit: 3 }), [[], false]);
    assert.deepEqual(await page({ before: 99, limit: 2 }), [[9, 10], true]);
    assert.deepEqual(await page({ after: 6, limit: 3 }), [[7, 8, 9], true]);
    assert.deepEqual(await page({ after: 7, limit: 3 }), [[8, 9, 10], false]);
    assert.deepEqual(await page({ after: 0, limit: 2 }), [[1, 2], true]);
    assert.deepEqual(await page({ after: 10, limit: 3 }), [[], false]);
    assert.deepEqual(await page({ limit: 0 }), [[], true]);
    assert.deepEqual(await store.readEvents('empty', { limit: 5 }), { events: [], more: false });
    assert.deepEqual(await store.readEvents('empty', { after: 0, limit: 5 }), { events: [], more: false });
    assert.deepEqual(await store.readEvents('nowhere', { before: 5, limit: 5 }), { events: [], more: false });
  });

  it('1,000 appends page through in both directions, each seq exactly once', async (store) => {
    const N = 1000;
    await seedRoom(store, 'big', 0);
    for (let seq = 1; seq <= N; seq++) await store.appendEvent(msg('big', seq));
    assert.equal((await store.getRoom('big'))?.lastSeq, N);

    const backward: number[] = [];
    let p = await store.readEvents('big', { limit: 37 });
    backward.unshift(...seqs(p.events));
    while (p.more) {
      p = await store.readEvents('big', { before: backward[0] ?? 0, limit: 37 });
      backward.unshift(...seqs(p.events));
    }
    assert.deepEqual(backward, range(1, N));

    const forward: number[] = [];
    let after = 0;
    let more = true;
    while (more) {
      const q = await store.readEvents('big', { after, limit: 64 });
      forward.push(...seqs(q.events));
      after = forward.at(-1) ?? after;
      more = q.more;
    }
    assert.deepEqual(forward, range(1, N));
  });

  it('concurrent appends at the same seq: exactly one wins', async (store) => {
    await seedRoom(store, 'r1', 1);
    for (let seq = 2; seq <= 6; seq++) {
      const attempts: RoomEvent[] = Array.from({ length: 8 }, (_, i) => msg('r1', seq, alice, `try ${i}`));
      const results = await Promise.allSettled(attempts.map((e) => store.appendEvent(e)));
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      assert.equal(won.length, 1, `seq ${seq}: ${won.length} winners`);
      for (const r of results) {
        if (r.status === 'rejected')
          assert.ok(!(r.reason instanceof StoreUnavailableError), String(r.reason));
      }
      const stored = await store.getEvent('r1', seq);
      assert.equal(stored?.type === 'message' ? stored.text : undefined, `try ${won[0]}`);
      assert.equal((await store.getRoom('r1'))?.lastSeq, seq);
    }
  });
}
