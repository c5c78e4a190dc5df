import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RelayPlanner, ROOT, type RelayViewer } from '../../src/live/relay/relay-planner.js';

const MBPS = 1_000_000;
/** A 2.5 Mbit/s stream: with the default 25 % headroom a 10 Mbit/s uplink carries 3 children. */
const BITRATE = 2.5 * MBPS;

function viewer(id: string, uplinkMbps: number, extra: Partial<RelayViewer> = {}): RelayViewer {
  return { id, uplinkBps: uplinkMbps * MBPS, since: 0, reconnects: 0, canRelay: true, ...extra };
}

/** Checks what must hold after every change: a tree, bounded depth and fan-out, sound backups. */
function assertSound(planner: RelayPlanner, viewers: Map<string, RelayViewer>, maxDepth: number): void {
  const placements = planner.placements();
  assert.equal(placements.length, viewers.size);
  for (const p of placements) {
    if (p.parent === null) continue;
    // Walk up to the root: no cycle, depth as reported, within the bound.
    let depth = 0;
    const seen = new Set<string>();
    for (let at: string | null = p.viewer; at !== ROOT;) {
      assert.ok(at !== null && !seen.has(at), `${p.viewer} is not connected to the root`);
      seen.add(at);
      at = planner.placement(at)?.parent ?? null;
      depth++;
    }
    assert.equal(planner.depthOf(p.viewer), depth);
    assert.ok(depth <= maxDepth, `${p.viewer} at depth ${depth}`);
    if (p.parent !== ROOT) assert.ok(planner.childrenOf(p.parent).includes(p.viewer));
    const v = viewers.get(p.viewer) as RelayViewer;
    assert.ok(planner.childrenOf(p.viewer).length <= planner.capacityOf(v), `${p.viewer} over capacity`);
    if (p.backup !== null) {
      assert.notEqual(p.backup, p.parent, `${p.viewer}'s backup is its parent`);
      for (
        let at: string | null = p.backup;
        at !== null && at !== ROOT;
        at = planner.placement(at)?.parent ?? null
      ) {
        assert.notEqual(at, p.viewer, `${p.viewer}'s backup is below it (or itself)`);
      }
    }
  }
}

describe('relay planner', () => {
  test('capacity is the measured uplink less headroom, over the bitrate; halved per reconnect; capped', () => {
    const planner = new RelayPlanner({ bitrateBps: BITRATE, maxChildren: 8 });
    assert.equal(planner.capacityOf(viewer('a', 10)), 3);
    assert.equal(planner.capacityOf(viewer('a', 10, { reconnects: 1 })), 1);
    assert.equal(planner.capacityOf(viewer('a', 10, { canRelay: false })), 0);
    assert.equal(planner.capacityOf(viewer('a', 3)), 0);
    assert.equal(planner.capacityOf(viewer('a', 1000)), 8);
  });

  test('joiners take the shallowest peer slot; the root serves only who has no peer slot', () => {
    const planner = new RelayPlanner({ bitrateBps: BITRATE });
    const viewers = new Map<string, RelayViewer>();
    const join = (v: RelayViewer): void => {
      viewers.set(v.id, v);
      assert.equal(planner.join(v, 0).edgesChanged, 1);
    };
    join(viewer('a', 10)); // 3 slots
    join(viewer('b', 1));
    join(viewer('c', 1));
    join(viewer('d', 1));
    assert.deepEqual(planner.childrenOf(ROOT), ['a']);
    assert.deepEqual(planner.childrenOf('a').sort(), ['b', 'c', 'd']);
    join(viewer('e', 1)); // a is full and nobody else relays
    assert.deepEqual(planner.childrenOf(ROOT).sort(), ['a', 'e']);
    assertSound(planner, viewers, 8);
  });

  test('depth is bounded: past maxDepth the root serves', () => {
    const planner = new RelayPlanner({ bitrateBps: BITRATE, maxDepth: 3 });
    const viewers = new Map<string, RelayViewer>();
    for (const id of ['v1', 'v2', 'v3', 'v4']) {
      const v = viewer(id, 4); // one child each
      viewers.set(id, v);
      planner.join(v, 0);
    }
    assert.deepEqual(
      [1, 2, 3].map((i) => planner.depthOf(`v${i}`)),
      [1, 2, 3],
    );
    assert.equal(planner.placement('v4')?.parent, ROOT);
    assertSound(planner, viewers, 3);
  });

  test('a strong newcomer takes over leaves the root was serving', () => {
    const planner = new RelayPlanner({ bitrateBps: BITRATE });
    const viewers = new Map<string, RelayViewer>();
    for (const id of ['l1', 'l2', 'l3']) {
      const v = viewer(id, 1);
      viewers.set(id, v);
      planner.join(v, 0);
    }
    assert.equal(planner.rootFanout, 3);
    const strong = viewer('s', 50);
    viewers.set('s', strong);
    const change = planner.join(strong, 0);
    assert.equal(planner.rootFanout, 1);
    assert.equal(change.edgesChanged, 4);
    assert.deepEqual(planner.childrenOf('s').sort(), ['l1', 'l2', 'l3']);
    assertSound(planner, viewers, 8);
  });

  test('a leaver: its children go to the backup they were told, or the best slot; the subtree is counted', () => {
    // A source with room for two children of its own.
    const planner = new RelayPlanner({ bitrateBps: BITRATE, rootCapacity: 2 });
    const viewers = new Map<string, RelayViewer>();
    const join = (v: RelayViewer): void => {
      viewers.set(v.id, v);
      planner.join(v, 0);
    };
    join(viewer('a', 7)); // 2 slots, under the source
    join(viewer('b', 7)); // under a
    join(viewer('c', 1)); // under a (a is full)
    join(viewer('d', 1)); // under b
    assert.equal(planner.placement('b')?.backup, ROOT, "the source's spare slot backs b");
    const change = planner.leave('a', 1);
    assert.equal(change.interrupted, 3);
    assert.equal(change.edgesChanged, 2);
    assert.equal(planner.placement('b')?.parent, ROOT);
    assert.equal(planner.placement('c')?.parent, 'b');
    viewers.delete('a');
    assertSound(planner, viewers, 8);
    // Every moved viewer is in the change (the server tells each its new parent).
    assert.deepEqual(change.placements.map((p) => p.viewer).sort(), ['b', 'c', 'd']);
  });

  test('among relays at one depth, the longer-lived one is chosen', () => {
    const planner = new RelayPlanner({ bitrateBps: BITRATE });
    planner.join(viewer('hub', 20), 0);
    planner.join(viewer('young', 10, { since: 50 * 60_000 }), 60 * 60_000);
    planner.join(viewer('old', 10, { since: 0 }), 60 * 60_000);
    // Both at depth 2 under hub; the next viewer hangs under the old one (hub still has room
    // at depth 1, which is shallower, so fill it first).
    for (let i = 0; i < 4; i++) planner.join(viewer(`f${i}`, 1), 60 * 60_000);
    const next = planner.join(viewer('n', 1), 60 * 60_000);
    assert.equal(next.placements.find((p) => p.viewer === 'n')?.parent, 'old');
  });

  test('a demoted relay keeps only what it is still trusted with', () => {
    const planner = new RelayPlanner({ bitrateBps: BITRATE });
    const viewers = new Map<string, RelayViewer>();
    for (const v of [viewer('r', 10), viewer('x', 1), viewer('y', 1), viewer('z', 1)]) {
      viewers.set(v.id, v);
      planner.join(v, 0);
    }
    assert.equal(planner.childrenOf('r').length, 3);
    const change = planner.demote('r', 0);
    viewers.set('r', { ...(viewers.get('r') as RelayViewer), reconnects: 1 });
    assert.equal(planner.childrenOf('r').length, 1);
    assert.equal(change.edgesChanged, 2);
    assertSound(planner, viewers, 8);
  });

  test('random churn keeps the tree sound (2,000 joins and leaves, mixed uplinks)', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const planner = new RelayPlanner({ bitrateBps: BITRATE, maxDepth: 5 });
    const viewers = new Map<string, RelayViewer>();
    let next = 0;
    for (let step = 0; step < 2_000; step++) {
      const now = step * 1_000;
      if (viewers.size < 10 || random() < 0.55) {
        const v = viewer(`v${next++}`, [1, 4, 10, 40, 200][Math.floor(random() * 5)] as number, {
          since: now,
          canRelay: random() > 0.1,
        });
        viewers.set(v.id, v);
        planner.join(v, now);
      } else {
        const ids = [...viewers.keys()];
        const id = ids[Math.floor(random() * ids.length)] as string;
        viewers.delete(id);
        planner.leave(id, now);
      }
      if (step % 50 === 0) assertSound(planner, viewers, 5);
    }
    assertSound(planner, viewers, 5);
    // With an SFU at the root everyone is served.
    assert.ok(planner.placements().every((p) => p.parent !== null));
  });
});
