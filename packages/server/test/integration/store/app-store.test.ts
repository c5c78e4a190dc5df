// test-needs: postgres
import assert from 'node:assert/strict';
import { registerApp } from '../../../src/apps/app-service.js';
import type { StoredGrant } from '../../../src/store/app-store.js';
import { onEveryBackend } from './backends.js';

/** AppStore.grantMany (bulk seeding) against SQLite and PostgreSQL: the same result as `grant` one by one. */

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
});
