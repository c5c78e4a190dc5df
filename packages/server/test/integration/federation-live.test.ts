import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import type { TestServer } from '../../../../test/harness.js';
import type { RawClient } from '../../../../test/raw-client.js';
import { connect, planServers, register, spawnFederated, startFederated } from './federation-kit.js';

interface Listed {
  server: string;
  rooms: { id: string; name: string | null; live?: { kind: string; participants?: number; since: number } }[];
}

/**
 * Live rooms in the federated directory, with three servers on loopback: a.test asks b.test (in
 * this process) and c.test (a child process, so it can be killed) for their lists. A room whose
 * call is on is marked live and listed first; the mark goes when the call ends, and a list that
 * can no longer be refreshed stops claiming anything is live after `federationDirectoryFreshMs`.
 */
test(
  'the federated directory marks rooms whose call is on, live first, only while the list is fresh',
  { timeout: 60_000 },
  async () => {
    const plan = await planServers(['a.test', 'b.test', 'c.test']);
    const open: RawClient[] = [];
    const servers: TestServer[] = [];
    // a.test refreshes on its own only hourly: every fetch here is a search finding a stale list.
    const a = await startFederated(plan, 'a.test', {
      federationDirectoryRefreshMs: 3_600_000,
      federationDirectoryFreshMs: 800,
    });
    servers.push(a);
    const b = await startFederated(plan, 'b.test');
    servers.push(b);
    const c = await spawnFederated(plan, 'c.test');
    try {
      const session = async (port: number, httpUrl: string, name: string): Promise<RawClient> => {
        const s = await connect(port, await register(httpUrl, name));
        open.push(s);
        return s;
      };
      const bob = await session(b.tcp.port, b.httpUrl, 'Bob');
      const bea = await session(b.tcp.port, b.httpUrl, 'Bea');
      const cid = await session(c.tcpPort, `http://127.0.0.1:${c.httpPort}`, 'Cid');
      const viewer = await session(a.tcp.port, a.httpUrl, 'Ann');
      const create = async (s: RawClient, name: string): Promise<string> =>
        ((await s.ok('room.create', { name, visibility: 'public' }))['room'] as { id: string })['id'];
      // Created in this order so that, by name, the quiet room would come first.
      await create(bob, 'Airwaves quiet');
      const talk = await create(bob, 'Airwaves talk');
      const stage = await create(cid, 'Airwaves stage');
      await bea.ok('room.join', { room: talk });
      const t0 = Date.now();
      await bob.ok('live.join', { room: talk, media: { audio: true } });
      await bea.ok('live.join', { room: talk, media: { audio: true } });

      const search = async (): Promise<Listed[]> =>
        (await viewer.ok('federation.directory', { query: 'airwaves' }))['servers'] as Listed[];
      const of = (list: Listed[], server: string) => list.find((s) => s.server === server)?.rooms ?? [];
      let list: Listed[] = [];
      const end = Date.now() + 15_000;
      for (;;) {
        list = await search();
        if (of(list, 'b.test')[0]?.live?.participants === 2 && of(list, 'c.test').length > 0) break;
        if (Date.now() > end) throw new Error(`never listed live: ${JSON.stringify(list)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const fromB = of(list, 'b.test');
      assert.deepEqual(
        fromB.map((r) => r.name),
        ['Airwaves talk', 'Airwaves quiet'],
        'the live room first',
      );
      assert.equal(fromB[0]?.live?.kind, 'call');
      assert.ok(
        (fromB[0]?.live?.since ?? 0) >= t0 - 50 && (fromB[0]?.live?.since ?? 0) <= Date.now(),
        'since: when the call started',
      );
      assert.equal(fromB[1]?.live, undefined);
      assert.deepEqual(
        of(list, 'c.test').map((r) => [r.id, r.live ?? null]),
        [[stage, null]],
      );
      // B's own directory marks it too.
      const local = (await bob.ok('rooms.directory', { query: 'airwaves' }))['rooms'] as Listed['rooms'];
      assert.equal(local.find((r) => r.id === talk)?.live?.participants, 2);

      // The call ends: once a.test's copy is past the freshness window, the search fetches again.
      await bob.ok('live.leave', { room: talk });
      await bea.ok('live.leave', { room: talk });
      const endB = Date.now() + 10_000;
      while (of(await search(), 'b.test').some((r) => r.live)) {
        if (Date.now() > endB) throw new Error('B still shown live after its call ended');
        await new Promise((r) => setTimeout(r, 100));
      }

      // C's room goes live, then C is killed: a.test keeps C's last list, without the live mark
      // once it is older than the window.
      await cid.ok('live.join', { room: stage, media: { audio: true } });
      const endC = Date.now() + 10_000;
      while (of(await search(), 'c.test')[0]?.live?.kind !== 'call') {
        if (Date.now() > endC) throw new Error('C never shown live');
        await new Promise((r) => setTimeout(r, 100));
      }
      const seenLive = Date.now();
      c.child.kill('SIGKILL');
      await c.exited;
      let lastLive = seenLive;
      for (;;) {
        const rooms = of(await search(), 'c.test');
        assert.deepEqual(
          rooms.map((r) => r.id),
          [stage],
          "the dead server's last list stays",
        );
        if (!rooms[0]?.live) break;
        lastLive = Date.now();
        if (lastLive - seenLive > 5_000) throw new Error('a dead server still shown live');
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(
        lastLive - seenLive <= 800 + 300,
        `live shown ${lastLive - seenLive} ms after the last fresh list`,
      );
    } finally {
      for (const s of open) s.close();
      for (const s of servers) await s.close();
      if (c.child.exitCode === null && c.child.signalCode === null) {
        c.child.kill('SIGKILL');
        await c.exited;
      }
      await rm(c.dataDir, { recursive: true, force: true });
    }
  },
);
