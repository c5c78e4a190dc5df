// test-needs: postgres
import assert from 'node:assert/strict';
import { registerApp } from '../../../src/apps/app-service.js';
import type { StoredGrant } from '../../../src/store/app-store.js';
import { onEveryBackend } from './backends.js';

/**
 * AppStore against SQLite and PostgreSQL: grantMany (bulk seeding) gives the same result as `grant`
 * one by one; prune keeps what a webhook has not delivered and every app's newest update;
 * re-enabling a disabled webhook follows its (maybe pruned) backlog with every user's told state.
 */

const grant = (appId: string, userId: string, over: Partial<StoredGrant> = {}): StoredGrant => ({
  appId,
  userId,
  appUserId: `${appId}:${userId}`,
  paused: false,
  shareStatus: false,
  grantedAt: 5,
  ...over,
});

onEveryBackend((_kind, it) => {
  it('grantMany: every grant stored, one first update per unpaused grant, the told state when there is one', async (store) => {
    const settings = { name: 'A', redirectUris: ['https://x.example/cb'], webhookUrl: null };
    const a = (await registerApp(store.apps, settings, null)).app.id;
    const b = (await registerApp(store.apps, settings, null)).app.id;
    // ann was told online already (through app a); bob was never told anything.
    await store.apps.grant(grant(a, 'ann'), { state: 'online', status: 'here', since: 100 });
    const users = Array.from({ length: 1_500 }, (_, i) => `u${i}`);
    await store.apps.grantMany(
      [
        grant(b, 'ann', { shareStatus: true }),
        grant(b, 'bob', { paused: true }),
        ...users.flatMap((u) => [grant(a, u), grant(b, u)]),
      ],
      { state: 'offline', status: null, since: 7 },
    );
    assert.equal((await store.apps.grantsOfUser('ann')).length, 2);
    assert.equal((await store.apps.getGrant(b, 'bob'))?.paused, true);
    assert.equal((await store.apps.getGrant(b, 'u1499'))?.appUserId, `${b}:u1499`);
    const ofB = await store.apps.updatesAfter(b, 0, 10_000);
    assert.equal(ofB.length, 1 + users.length, 'none for the paused grant');
    const annB = ofB.find((u) => u.appUserId === `${b}:ann`);
    assert.deepEqual([annB?.state, annB?.status, annB?.since], ['online', 'here', 100]);
    const u0 = ofB.find((u) => u.appUserId === `${b}:u0`);
    assert.deepEqual([u0?.state, u0?.since], ['offline', 7]);
    assert.equal((await store.apps.updatesAfter(a, 0, 10_000)).length, 1 + users.length);
    // A later transition is compared with what was told: the same state adds nothing.
    assert.equal(await store.apps.transition('u0', { state: 'offline', status: null, since: 9 }), 0);
    assert.equal(await store.apps.transition('u0', { state: 'online', status: null, since: 9 }), 2);
    // Granting again (upsert) changes the flags, as `grant` does.
    await store.apps.grantMany([grant(b, 'bob')], { state: 'offline', status: null, since: 8 });
    assert.equal((await store.apps.getGrant(b, 'bob'))?.paused, false);
  });

  it("prune: old updates go, except undelivered webhook ones and each app's newest (so a stale cursor is told)", async (store) => {
    const streamOnly = { name: 'S', redirectUris: ['https://x.example/cb'], webhookUrl: null };
    const hooked = {
      name: 'H',
      redirectUris: ['https://x.example/cb'],
      webhookUrl: 'https://x.example/hook',
    };
    const s = (await registerApp(store.apps, streamOnly, null)).app.id;
    const h = (await registerApp(store.apps, hooked, null)).app.id;
    const offline = { state: 'offline', status: null, since: 1 } as const;
    await store.apps.grant(grant(s, 'ann'), offline);
    await store.apps.grant(grant(h, 'ann'), offline);
    for (const [i, state] of (['online', 'away', 'online'] as const).entries())
      assert.equal(await store.apps.transition('ann', { state, status: null, since: 10 + i }), 2);
    const newest = await store.apps.latestSeq(s);
    const first = (await store.apps.updatesAfter(s, 0, 100))[0]!.seq;
    assert.equal((await store.apps.updatesAfter(s, 0, 100)).length, 4);

    assert.equal(await store.apps.prune(Date.now() + 60_000), 3, 'three of the stream-only app');
    const kept = await store.apps.updatesAfter(s, 0, 100);
    assert.deepEqual(
      kept.map((u) => u.seq),
      [newest],
      'the newest stays',
    );
    assert.equal(await store.apps.latestSeq(s), newest);
    // What the stream route asks of a cursor before the newest: not kept, older than the oldest.
    assert.equal(await store.apps.hasUpdate(s, first), false);
    assert.ok(((await store.apps.oldestSeq(s)) ?? 0) > first, 'a stale cursor is older than what is kept');
    assert.equal((await store.apps.updatesAfter(h, 0, 100)).length, 4, 'undelivered webhook updates stay');
    assert.equal(await store.apps.prune(Date.now() + 60_000), 0, 'nothing more to prune');
  });

  it("re-enabling a disabled webhook after its backlog was pruned: every user's told state follows", async (store) => {
    const hooked = {
      name: 'H',
      redirectUris: ['https://x.example/cb'],
      webhookUrl: 'https://x.example/hook',
    };
    const h = (await registerApp(store.apps, hooked, null)).app.id;
    const offline = { state: 'offline', status: null, since: 1 } as const;
    await store.apps.grant(grant(h, 'ann'), offline);
    await store.apps.grant(grant(h, 'bob'), offline);
    await store.apps.grant(grant(h, 'cy', { paused: true }), offline);
    await store.apps.transition('ann', { state: 'online', status: null, since: 10 });
    await store.apps.transition('ann', { state: 'away', status: null, since: 11 });
    // The webhook failed for a day and was disabled; its backlog aged out of the retention.
    await store.apps.webhookProgress(h, { attempts: 9, nextAt: 0, batchTo: 0, disabledAt: 5 });
    await store.apps.prune(Date.now() + 60_000);
    const left = await store.apps.latestSeq(h);
    assert.equal((await store.apps.updatesAfter(h, 0, 100)).length, 1, 'only the newest survived');

    assert.equal(await store.apps.updateApp(h, { webhookUrl: 'https://x.example/hook2' }), true);
    const resync = await store.apps.updatesAfter(h, left, 100);
    assert.deepEqual(
      resync.map((u) => [u.appUserId, u.state]).sort(),
      [
        [`${h}:ann`, 'away'],
        [`${h}:bob`, 'offline'],
      ],
      'the told state of every unpaused user',
    );
    assert.equal((await store.apps.getApp(h))?.webhookDisabledAt ?? null, null, 'enabled again');
    // Changing the URL of a webhook that works adds nothing.
    assert.equal(await store.apps.updateApp(h, { webhookUrl: 'https://x.example/hook3' }), true);
    assert.equal((await store.apps.updatesAfter(h, left, 100)).length, 2);
  });
});
