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
 * A tree without backups or stability: `pick` chooses among open peers (random, or oldest);
 * `maxDepth` (optional) sends who does not fit to the root.
 */
function simpleTree(
  name: string,
  planner: RelayPlanner,
  pick: (open: SimpleNode[]) => SimpleNode,
  maxDepth: number,
): TreeModel {
  const nodes = new Map<string, SimpleNode>();
  const open = new Set<SimpleNode>();
  let rootFanout = 0;
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
  const refresh = (n: SimpleNode): void => {
    if (nodes.has(n.id) && n.children.size < n.capacity) open.add(n);
    else open.delete(n);
  };
  const within = (candidate: SimpleNode, ancestor: SimpleNode): boolean => {
    for (let at: SimpleNode | null = candidate; at; at = at.parent) if (at === ancestor) return true;
    return false;
  };
  const attach = (n: SimpleNode): void => {
    const bounded = Number.isFinite(maxDepth);
    const h = bounded ? height(n) : 0;
    const fits = [...open].filter((c) => !within(c, n) && (!bounded || depthOf(c) + 1 + h <= maxDepth));
    if (fits.length === 0) {
      n.parent = null;
      rootFanout++;
      return;
    }
    const parent = pick(fits);
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
      open.delete(n);
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
  return simpleTree(
    'random tree',
    planner,
    (open) => open[Math.floor(random() * open.length)] as SimpleNode,
    Number.POSITIVE_INFINITY,
  );
}

export function ageOnlyModel(bitrateBps: number, maxDepth: number): TreeModel {
  const planner = new RelayPlanner({ bitrateBps });
  return simpleTree(
    'age-only planner',
    planner,
    (open) => open.reduce((a, b) => (b.since < a.since ? b : a)),
    maxDepth,
  );
}
