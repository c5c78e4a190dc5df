import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

const N = 200;

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    // The default window: this is what a real server would do under the storm.
    presenceCoalesceMs: 250,
    maxConnectionsPerIp: 1_000,
  });
});
after(async () => {
  await srv.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function presenceFrames(c: RawClient): Json[] {
  return c.received.filter((m) => m['type'] === 'presence');
}

test(`${N} subscribed sessions joining one room get O(N) presence frames, not N²`, async (t) => {
  const host = await RawClient.tcp(srv.tcp.port);
  const hostId = (await host.hello('Host'))['userId'] as string;
  const room = ((await host.ok('room.create'))['room'] as Json)['id'] as string;
  await host.ok('presence.subscribe');

  const clients: RawClient[] = [];
  const ids: string[] = [];
  for (let i = 0; i < N; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, N - i) }, async (_, k) => {
        const c = await RawClient.tcp(srv.tcp.port);
        const w = await c.hello(`P${i + k}`);
        await c.ok('presence.subscribe');
        return { c, id: w['userId'] as string };
      }),
    );
    for (const { c, id } of batch) {
      clients.push(c);
      ids.push(id);
    }
  }
  // Let the "online after hello" flushes go out, then count only what the storm causes.
  await sleep(1_200);
  for (const c of [host, ...clients]) c.received.length = 0;

  const started = Date.now();
  await Promise.all(clients.map((c) => c.ok('room.join', { room })));
  const joinedIn = Date.now() - started;

  // Everyone ends up knowing everyone else in the room (themselves they knew already).
  const everyone = [hostId, ...ids];
  const knows = (c: RawClient, self: string) => {
    const seen = new Set<string>();
    for (const f of presenceFrames(c)) for (const u of f['users'] as Json[]) seen.add(u['user'] as string);
    return everyone.every((id) => id === self || seen.has(id));
  };
  const deadline = Date.now() + 15_000;
  while (!clients.every((c, i) => knows(c, ids[i] ?? '')) || !knows(host, hostId)) {
    assert.ok(Date.now() < deadline, 'everyone should learn everyone within 15 s');
    await sleep(20);
  }
  const visibleIn = Date.now() - started;
  // Stragglers of the storm, if any, come before a change of the host's made now (a later flush on
  // the same stream): once everyone has that, count the frames before it.
  await host.ok('presence.set', { status: 'storm over' });
  const isMarker = (f: Json) =>
    (f['users'] as Json[]).some((u) => u['user'] === hostId && u['status'] === 'storm over');
  while (![host, ...clients].every((c) => presenceFrames(c).some(isMarker))) {
    assert.ok(Date.now() < deadline + 5_000, "everyone should get the host's status");
    await sleep(20);
  }
  const stormFrames = (c: RawClient) => presenceFrames(c).filter((f) => !isMarker(f)).length;

  const counts = clients.map(stormFrames);
  const total = counts.reduce((a, b) => a + b, 0);
  const max = Math.max(...counts);
  t.diagnostic(
    `joins took ${joinedIn} ms, all visible after ${visibleIn} ms; presence frames: total ${total} ` +
      `(${(total / N).toFixed(2)} per subscriber, max ${max}); host got ${stormFrames(host)}`,
  );
  assert.ok(max <= 3, `at most 3 presence frames per subscriber, got max ${max}`);
  assert.ok(total <= 3 * N, `O(N) frames in total, got ${total}`);
  assert.ok(stormFrames(host) <= 3);
  for (const c of [host, ...clients]) c.close();
});
