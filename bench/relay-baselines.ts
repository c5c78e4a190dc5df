/**
 * The trees the relay planner is compared with in `npm run bench -- relay`, on the same viewers
 * and the same churn: FedWave's chain (join at the tail, relink on leave), a random tree (any
 * peer with a free slot), and an age-only planner (the oldest peer with a free slot, depth
 * bounded like ours). Each honours the same uplink capacities except the chain, which by design
 * gives every viewer exactly one child.
 */
import { RelayPlanner, type RelayViewer } from '../packages/server/src/live/relay/relay-planner.js';

export interface TreeModel {
  readonly name: string;
  join(v: RelayViewer, now: number): number;
  /** Edges changed, and viewers whose stream broke (the leaver's subtree). */
  leave(id: string, now: number): { edges: number; interrupted: number };
  depths(): number[];
  rootFanout(): number;
  size(): number;
}

/** Ours, through the same interface. */
export function plannerModel(bitrateBps: number, maxDepth: number): TreeModel {
  const planner = new RelayPlanner({ bitrateBps, maxDepth });
  return {
    name: 'Presence planner',
    join: (v, now) => planner.join(v, now).edgesChanged,
    leave: (id, now) => {
      const c = planner.leave(id, now);
      return { edges: c.edgesChanged, interrupted: c.interrupted };
    },
    depths: () => planner.placements().map((p) => planner.depthOf(p.viewer) ?? 0),
    rootFanout: () => planner.rootFanout,
    size: () => planner.size,
  };
}

/** FedWave's chain: every newcomer at the tail; a leaver's successor links to its predecessor. */
export function chainModel(): TreeModel {
  const order: string[] = [];
  return {
    name: 'chain (FedWave)',
    join: (v) => {
      order.push(v.id);
      return 1;
    },
    leave: (id) => {
      const i = order.indexOf(id);
      if (i < 0) return { edges: 0, interrupted: 0 };
      order.splice(i, 1);
      const behind = order.length - i;
      return { edges: behind > 0 ? 1 : 0, interrupted: behind };
    },
    depths: () => order.map((_, i) => i + 1),
    rootFanout: () => (order.length > 0 ? 1 : 0),
    size: () => order.length,
  };
}

interface SimpleNode {
  id: string;
  since: number;
  capacity: number;
  parent: SimpleNode | null;
  children: Set<SimpleNode>;
}

/**
 * A tree without backups or stability: `order` says which open peer is tried first (random, or
 * oldest first); `maxDepth` (optional) sends who does not fit to the root.
 */
function simpleTree(
  name: string,
  planner: RelayPlanner,
  order: 'random' | 'oldest',
  random: () => number,
  maxDepth: number,
): TreeModel {
  const nodes = new Map<string, SimpleNode>();
  // Open peers (a free slot), kept sorted by session start for "oldest first".
  const open: SimpleNode[] = [];
  const isOpen = new Set<SimpleNode>();
  let rootFanout = 0;
  const bounded = Number.isFinite(maxDepth);
  const depthOf = (n: SimpleNode): number => {
    let d = 0;
    for (let at: SimpleNode | null = n; at; at = at.parent) d++;
    return d;
  };
  const height = (n: SimpleNode): number => {
    let h = 0;
    for (const c of n.children) h = Math.max(h, 1 + height(c));
    return h;
  };
  const indexOf = (n: SimpleNode): number => {
    let lo = 0;
    let hi = open.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = open[mid] as SimpleNode;
      if (m.since < n.since || (m.since === n.since && m.id < n.id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const refresh = (n: SimpleNode): void => {
    const should = nodes.has(n.id) && n.children.size < n.capacity;
    if (should === isOpen.has(n)) return;
    if (should) {
      open.splice(indexOf(n), 0, n);
      isOpen.add(n);
    } else {
      open.splice(indexOf(n), 1);
      isOpen.delete(n);
    }
  };
  const within = (candidate: SimpleNode, ancestor: SimpleNode): boolean => {
    for (let at: SimpleNode | null = candidate; at; at = at.parent) if (at === ancestor) return true;
    return false;
  };
  const fits = (c: SimpleNode, n: SimpleNode, h: number): boolean =>
    !within(c, n) && (!bounded || depthOf(c) + 1 + h <= maxDepth);
  const choose = (n: SimpleNode): SimpleNode | undefined => {
    const h = bounded ? height(n) : 0;
    if (order === 'oldest') return open.find((c) => fits(c, n, h));
    // Random: draw until one fits (a few draws), then fall back to a scan from a random start.
    for (let i = 0; i < 8 && open.length > 0; i++) {
      const c = open[Math.floor(random() * open.length)] as SimpleNode;
      if (fits(c, n, h)) return c;
    }
    const start = Math.floor(random() * open.length);
    for (let i = 0; i < open.length; i++) {
      const c = open[(start + i) % open.length] as SimpleNode;
      if (fits(c, n, h)) return c;
    }
    return undefined;
  };
  const attach = (n: SimpleNode): void => {
    const parent = choose(n);
    if (!parent) {
      n.parent = null;
      rootFanout++;
      return;
    }
    n.parent = parent;
    parent.children.add(n);
    refresh(parent);
  };
  const subtreeSize = (n: SimpleNode): number => {
    let s = 1;
    for (const c of n.children) s += subtreeSize(c);
    return s;
  };
  return {
    name,
    join: (v) => {
      const n: SimpleNode = {
        id: v.id,
        since: v.since,
        capacity: planner.capacityOf(v),
        parent: null,
        children: new Set(),
      };
      nodes.set(v.id, n);
      attach(n);
      refresh(n);
      return 1;
    },
    leave: (id) => {
      const n = nodes.get(id);
      if (!n) return { edges: 0, interrupted: 0 };
      const interrupted = subtreeSize(n) - 1;
      nodes.delete(id);
      refresh(n);
      if (n.parent) {
        n.parent.children.delete(n);
        refresh(n.parent);
      } else rootFanout--;
      let edges = 0;
      for (const c of [...n.children]) {
        n.children.delete(c);
        c.parent = null;
        attach(c);
        edges++;
      }
      return { edges, interrupted };
    },
    depths: () => [...nodes.values()].map(depthOf),
    rootFanout: () => rootFanout,
    size: () => nodes.size,
  };
}

export function randomTreeModel(bitrateBps: number, random: () => number): TreeModel {
  const planner = new RelayPlanner({ bitrateBps });
  return simpleTree('random tree', planner, 'random', random, Number.POSITIVE_INFINITY);
}

export function ageOnlyModel(bitrateBps: number, maxDepth: number): TreeModel {
  const planner = new RelayPlanner({ bitrateBps });
  return simpleTree('age-only planner', planner, 'oldest', Math.random, maxDepth);
}
