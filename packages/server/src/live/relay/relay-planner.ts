/**
 * Plans the relay tree of a broadcast: who receives the stream from whom. Pure: no sockets, no
 * timers; the caller passes the clock. The root is the source (or the SFU); every viewer has one
 * parent and may forward to children, as many as its measured uplink carries with headroom.
 *
 * Why a tree planned by the server, not FedWave's chain: a chain's depth is the number of viewers
 * and one leaver cuts off everyone behind it. Here depth is bounded (`maxDepth`; the root serves
 * whoever does not fit), fast and stable peers sit near the root, slow or flaky ones at the
 * leaves, and each viewer is told a backup parent in advance so a leaver's children re-attach
 * without waiting for a new plan. Each join or leave changes as few edges as it can: a join adds
 * one edge (plus the leaves a strong newcomer adopts from the root), a leave moves its children.
 */

/** What the server knows about a viewer. The uplink is measured by the server, never taken on the peer's word. */
export interface RelayViewer {
  id: string;
  /** Measured upload capacity, bits per second (0 when unknown: the viewer is a leaf). */
  uplinkBps: number;
  /** When the viewer's session began (ms, the caller's clock). */
  since: number;
  /** How often this viewer's session reconnected or was reported failing. */
  reconnects: number;
  /** False when peers cannot reach it (no TURN budget, NAT, the user opted out): a leaf. */
  canRelay: boolean;
}

export interface RelayPlannerOptions {
  /** The stream's bitrate, bits per second. */
  bitrateBps: number;
  /** Share of a relay's uplink left unused (default 0.25): uplinks vary and the peer has its own traffic. */
  headroom?: number;
  /** Deepest level a viewer may be at (default 8); the root serves who does not fit. */
  maxDepth?: number;
  /** Most children any relay gets, however fast (default 8): bounds what one leaver breaks. */
  maxChildren?: number;
  /** Children the root serves directly: the source's own uplink share, Infinity for an SFU. */
  rootCapacity?: number;
}

/** One viewer's place, as the server tells it: its parent (ROOT for the root) and backup. */
export interface Placement {
  viewer: string;
  /** ROOT, another viewer's id, or null: not served (a source-rooted tree that is full). */
  parent: string | null;
  backup: string | null;
}

export const ROOT = '@root';

/**
 * How many open relays of one depth are compared for a slot: the most stable of the first few
 * is nearly as good as the best of thousands, and keeps a change at microseconds in a big tree.
 */
const CANDIDATES = 16;

interface TreeNode {
  id: string;
  viewer: RelayViewer | null;
  capacity: number;
  parent: TreeNode | null;
  children: Set<TreeNode>;
  depth: number;
  backup: TreeNode | null;
  /** Nodes whose backup this is: a backup slot is promised to at most its free slots' worth. */
  backing: Set<TreeNode>;
}

/** What one change did: the placements to send, and how many media edges moved. */
export interface PlanChange {
  placements: Placement[];
  edgesChanged: number;
  /** Viewers whose media path broke (the leaver's subtree), before their re-attachment. */
  interrupted: number;
}

export class RelayPlanner {
  readonly #bitrate: number;
  readonly #headroom: number;
  readonly #maxDepth: number;
  readonly #maxChildren: number;
  readonly #root: TreeNode;
  readonly #nodes = new Map<string, TreeNode>();
  /** Nodes with a free slot, by depth: where a joiner may go. */
  readonly #open: Set<TreeNode>[] = [];
  /** Viewers not served: a source-rooted tree with no slot within the depth bound. */
  readonly #unplaced = new Set<TreeNode>();

  constructor(options: RelayPlannerOptions) {
    if (!(options.bitrateBps > 0)) throw new RangeError('bitrateBps must be positive');
    this.#bitrate = options.bitrateBps;
    this.#headroom = options.headroom ?? 0.25;
    this.#maxDepth = Math.max(1, options.maxDepth ?? 8);
    this.#maxChildren = options.maxChildren ?? 8;
    this.#root = {
      id: ROOT,
      viewer: null,
      capacity: options.rootCapacity ?? Number.POSITIVE_INFINITY,
      parent: null,
      children: new Set(),
      depth: 0,
      backup: null,
      backing: new Set(),
    };
    for (let d = 0; d <= this.#maxDepth; d++) this.#open.push(new Set());
    this.#refreshOpen(this.#root);
  }

  /** Children a viewer may have: its uplink share, less for a flaky one, none when it cannot relay. */
  capacityOf(viewer: RelayViewer): number {
    if (!viewer.canRelay || viewer.uplinkBps <= 0) return 0;
    const byUplink = Math.floor((viewer.uplinkBps * (1 - this.#headroom)) / this.#bitrate);
    // Each reconnect halves what it is trusted with: a relay that drops takes its children down.
    const trusted = Math.floor(byUplink / 2 ** Math.min(viewer.reconnects, 8));
    return Math.max(0, Math.min(this.#maxChildren, trusted));
  }

  has(id: string): boolean {
    return this.#nodes.has(id);
  }

  placement(id: string): Placement | undefined {
    const node = this.#nodes.get(id);
    return node && this.#placementOf(node);
  }

  /** Every viewer's placement (for a snapshot, or checking the tree). */
  placements(): Placement[] {
    return [...this.#nodes.values()].map((n) => this.#placementOf(n));
  }

  /** A viewer's children (whom it forwards to). */
  childrenOf(id: string): string[] {
    const node = id === ROOT ? this.#root : this.#nodes.get(id);
    return node ? [...node.children].map((c) => c.id) : [];
  }

  depthOf(id: string): number | undefined {
    const node = this.#nodes.get(id);
    return node && !this.#unplaced.has(node) ? node.depth : undefined;
  }

  get size(): number {
    return this.#nodes.size;
  }

  /** How many viewers the root sends to itself. */
  get rootFanout(): number {
    return this.#root.children.size;
  }

  /** A viewer arrives: one new edge under the best slot, or a strong newcomer adopts root leaves. */
  join(viewer: RelayViewer, now: number): PlanChange {
    if (this.#nodes.has(viewer.id)) throw new Error(`viewer ${viewer.id} is in the tree already`);
    const node: TreeNode = {
      id: viewer.id,
      viewer,
      capacity: this.capacityOf(viewer),
      parent: null,
      children: new Set(),
      depth: 0,
      backup: null,
      backing: new Set(),
    };
    this.#nodes.set(viewer.id, node);
    const touched = new Set<TreeNode>([node]);
    let edges = 0;
    // A strong newcomer goes straight under the root when the root is serving leaves it can take.
    const adopts = node.capacity > 1 && this.#rootLeaves(2).length >= 2 && this.#hasRoom(this.#root);
    const parent = adopts ? this.#root : this.#bestSlot(node, now, this.#maxDepth - 1);
    if (!parent) {
      this.#unplaced.add(node);
      return this.#change(touched, 0, 0);
    }
    this.#attach(node, parent);
    edges++;
    // A relay hanging off the root takes over root leaves it can carry: the root's egress is
    // what the tree exists to save. Each adopted leaf is one edge moved.
    if (parent === this.#root && node.capacity > 1) {
      for (const leaf of this.#rootLeaves(node.capacity + 1)) {
        if (node.children.size >= node.capacity) break;
        if (leaf === node) continue;
        this.#attach(leaf, node);
        touched.add(leaf);
        edges++;
      }
    }
    this.#serveUnplaced(touched, now);
    this.#repairBackups(touched, now);
    return this.#change(touched, edges, 0);
  }

  /** A viewer leaves (or its session ended): its children move to their backups, or the best slot. */
  leave(id: string, now: number): PlanChange {
    const node = this.#nodes.get(id);
    if (!node) return { placements: [], edgesChanged: 0, interrupted: 0 };
    const interrupted = this.#unplaced.has(node) ? 0 : this.#subtreeSize(node) - 1;
    this.#nodes.delete(id);
    this.#unplaced.delete(node);
    this.#open[node.depth]?.delete(node);
    const touched = new Set<TreeNode>();
    const formerParent = node.parent;
    let edges = this.#rehome(node, touched, now);
    if (formerParent) this.#detach(node);
    // The leaver's slot is free again: the root hands over viewers it had to serve itself.
    if (formerParent && formerParent !== this.#root) edges += this.#shedRoot(formerParent, touched);
    node.backup?.backing.delete(node);
    for (const dependent of node.backing) {
      dependent.backup = null;
      touched.add(dependent);
    }
    this.#serveUnplaced(touched, now);
    this.#repairBackups(touched, now);
    touched.delete(node);
    return this.#change(touched, edges, interrupted);
  }

  /**
   * A relay stopped forwarding (its children said so) or reconnected: it is trusted with less
   * from now on, and children beyond its new capacity move away. It stays in the tree.
   */
  demote(id: string, now: number): PlanChange {
    const node = this.#nodes.get(id);
    if (!node?.viewer) return { placements: [], edgesChanged: 0, interrupted: 0 };
    node.viewer = { ...node.viewer, reconnects: node.viewer.reconnects + 1 };
    node.capacity = this.capacityOf(node.viewer);
    const touched = new Set<TreeNode>([node]);
    let edges = 0;
    let interrupted = 0;
    const excess = [...node.children].slice(node.capacity);
    for (const child of excess) {
      interrupted += this.#subtreeSize(child);
      this.#detach(child);
      edges += this.#place(child, touched, now);
    }
    for (const dependent of node.backing) {
      if (dependent.backup === node && !this.#canBack(node, dependent)) {
        node.backing.delete(dependent);
        dependent.backup = null;
        touched.add(dependent);
      }
    }
    this.#refreshOpen(node);
    this.#repairBackups(touched, now);
    return this.#change(touched, edges, interrupted);
  }

  /**
   * What the server measured about a viewer changed (its upload probe, an opt-out): its capacity
   * follows; children beyond it move away, a relay with new room takes viewers the root serves.
   */
  update(viewer: RelayViewer, now: number): PlanChange {
    const node = this.#nodes.get(viewer.id);
    if (!node) return { placements: [], edgesChanged: 0, interrupted: 0 };
    node.viewer = viewer;
    return this.#resize(node, now);
  }

  /**
   * `id` found its parent silent and switched to its backup by itself (as it was told to): the
   * tree follows (the backup when it still can take it, else the best slot); with `demoteParent`
   * the silent parent is trusted with less (the caller decides whether the report is believable).
   */
  failover(id: string, now: number, demoteParent = true): PlanChange {
    const node = this.#nodes.get(id);
    const parent = node?.parent;
    if (!node || !parent || this.#unplaced.has(node))
      return { placements: [], edgesChanged: 0, interrupted: 0 };
    const touched = new Set<TreeNode>([node]);
    const interrupted = this.#subtreeSize(node);
    this.#detach(node);
    const backup = node.backup;
    let edges = 0;
    const fits = backup !== null && backup.depth + 1 + this.#height(node) <= this.#maxDepth;
    if (backup && fits && backup !== parent && this.#canBack(backup, node)) {
      backup.backing.delete(node);
      node.backup = null;
      this.#attach(node, backup);
      edges++;
    } else if (parent === this.#root) {
      // The root is not demoted or avoided: the viewer connects to it again.
      this.#attach(node, parent);
      edges++;
    } else {
      // Keep it off the silent parent while it looks for a slot (back under it when none).
      const saved = parent.capacity;
      parent.capacity = parent.children.size;
      this.#refreshOpen(parent);
      const target = this.#bestSlot(node, now, this.#maxDepth - 1 - this.#height(node));
      parent.capacity = saved;
      this.#refreshOpen(parent);
      this.#attach(node, target ?? parent);
      edges++;
    }
    this.#repairBackups(touched, now);
    const change = this.#change(touched, edges, interrupted);
    if (demoteParent && parent !== this.#root) {
      const demoted = this.demote(parent.id, now);
      return {
        placements: mergePlacements(change.placements, demoted.placements),
        edgesChanged: change.edgesChanged + demoted.edgesChanged,
        interrupted: change.interrupted + demoted.interrupted,
      };
    }
    return change;
  }

  #resize(node: TreeNode, now: number): PlanChange {
    if (!node.viewer) return { placements: [], edgesChanged: 0, interrupted: 0 };
    node.capacity = this.capacityOf(node.viewer);
    const touched = new Set<TreeNode>([node]);
    let edges = 0;
    let interrupted = 0;
    for (const child of [...node.children].slice(node.capacity)) {
      interrupted += this.#subtreeSize(child);
      this.#detach(child);
      edges += this.#place(child, touched, now);
    }
    for (const dependent of [...node.backing]) {
      if (dependent.backup === node && !this.#canBack(node, dependent)) {
        node.backing.delete(dependent);
        dependent.backup = null;
        touched.add(dependent);
      }
    }
    this.#refreshOpen(node);
    if (!this.#unplaced.has(node) && node.parent) edges += this.#shedRoot(node, touched);
    this.#serveUnplaced(touched, now);
    this.#repairBackups(touched, now);
    return this.#change(touched, edges, interrupted);
  }

  /** The leaver's children re-attach: backup first (they were told it), else the best slot. */
  #rehome(node: TreeNode, touched: Set<TreeNode>, now: number): number {
    let edges = 0;
    for (const child of [...node.children]) {
      this.#detach(child);
      touched.add(child);
      const backup = child.backup;
      const fits = backup !== null && backup.depth + 1 + this.#height(child) <= this.#maxDepth;
      if (backup && fits && backup !== node && this.#canBack(backup, child)) {
        backup.backing.delete(child);
        child.backup = null;
        this.#attach(child, backup);
        edges++;
      } else {
        edges += this.#place(child, touched, now);
      }
    }
    return edges;
  }

  /** Move viewers the root serves under `relay` while it has room and their subtrees fit. */
  #shedRoot(relay: TreeNode, touched: Set<TreeNode>): number {
    let moved = 0;
    let seen = 0;
    // Deleting the visited entry while iterating a Set is safe: iteration goes on with the next.
    for (const candidate of this.#root.children) {
      if (!this.#hasRoom(relay) || !this.#nodes.has(relay.id) || ++seen > CANDIDATES) break;
      if (candidate === relay || this.#isWithin(relay, candidate)) continue;
      if (!this.#heightAtMost(candidate, this.#maxDepth - relay.depth - 1)) continue;
      this.#attach(candidate, relay);
      touched.add(candidate);
      moved++;
    }
    return moved;
  }

  /** Attach a detached subtree at the best slot its height allows (the root when none). */
  #place(child: TreeNode, touched: Set<TreeNode>, now: number): number {
    touched.add(child);
    const height = this.#height(child);
    const target = this.#bestSlot(child, now, this.#maxDepth - 1 - height);
    if (!target) {
      // Only a source-rooted tree can be full: the subtree waits, unserved, and says so.
      this.#markUnplaced(child, touched);
      return 0;
    }
    this.#attach(child, target);
    return 1;
  }

  /** Viewers left unserved get a slot as soon as one opens. */
  #serveUnplaced(touched: Set<TreeNode>, now: number): void {
    for (const node of [...this.#unplaced]) {
      const target = this.#bestSlot(node, now, this.#maxDepth - 1);
      if (!target) return;
      this.#unplaced.delete(node);
      this.#attach(node, target);
      touched.add(node);
    }
  }

  #markUnplaced(node: TreeNode, touched: Set<TreeNode>): void {
    for (const n of this.#subtree(node)) {
      if (n.parent) this.#detach(n);
      for (const c of [...n.children]) this.#detach(c);
      this.#unplaced.add(n);
      touched.add(n);
    }
  }

  /**
   * The slot for `node`: the shallowest open relay no deeper than
   * `maxParentDepth`, outside `node`'s own subtree; among equals, the most stable. Peers before
   * the root, which is used only when no peer has room: its egress is what the tree saves.
   */
  #bestSlot(node: TreeNode, now: number, maxParentDepth: number): TreeNode | null {
    for (let d = 1; d <= Math.min(maxParentDepth, this.#maxDepth); d++) {
      let best: TreeNode | null = null;
      let seen = 0;
      for (const candidate of this.#open[d] ?? []) {
        if (candidate === node || this.#isWithin(candidate, node)) continue;
        if (!best || this.#stability(candidate, now) > this.#stability(best, now)) best = candidate;
        if (++seen >= CANDIDATES) break;
      }
      if (best) return best;
    }
    return this.#hasRoom(this.#root) ? this.#root : null;
  }

  /** Stability for ranking parents: age counts, reconnects count against, capacity breaks ties. */
  #stability(node: TreeNode, now: number): number {
    const v = node.viewer;
    if (!v) return Number.POSITIVE_INFINITY;
    const ageMinutes = Math.max(0, now - v.since) / 60_000;
    return Math.log1p(ageMinutes) / (1 + v.reconnects) + node.capacity * 1e-3;
  }

  /** Whether `backup` can take `child` if its parent goes: a spare slot not yet promised, no deeper than now, not below it. */
  #canBack(backup: TreeNode, child: TreeNode): boolean {
    if (backup === child.parent || backup === child || this.#unplaced.has(backup)) return false;
    if (backup !== this.#root && !this.#nodes.has(backup.id)) return false;
    if (this.#isWithin(backup, child)) return false;
    const promised = backup.backing.size - (backup.backing.has(child) ? 1 : 0);
    if (backup.children.size + promised >= backup.capacity) return false;
    return child.parent === null || backup.depth <= child.parent.depth;
  }

  /** Give every touched viewer (and the children of touched relays) a valid backup. */
  #repairBackups(touched: Set<TreeNode>, now: number): void {
    // A moved subtree can make its members' backups stale (now too deep), and can carry a node
    // below a viewer that it backs: check the whole moved subtrees and who they back.
    const check = new Set<TreeNode>();
    for (const n of touched) {
      for (const m of this.#subtree(n)) {
        check.add(m);
        for (const dependent of m.backing) check.add(dependent);
      }
    }
    for (const node of check) {
      if (!this.#nodes.has(node.id) || this.#unplaced.has(node) || !node.parent) continue;
      if (node.backup && this.#canBack(node.backup, node)) continue;
      node.backup?.backing.delete(node);
      node.backup = null;
      const chosen = this.#findBackup(node, now);
      if (chosen) {
        node.backup = chosen;
        chosen.backing.add(node);
      }
      touched.add(node);
    }
  }

  #findBackup(node: TreeNode, now: number): TreeNode | null {
    const limit = node.parent?.depth ?? 0;
    for (let d = 1; d <= limit; d++) {
      let best: TreeNode | null = null;
      let seen = 0;
      for (const candidate of this.#open[d] ?? []) {
        if (++seen > CANDIDATES * 4) break;
        if (!this.#canBack(candidate, node)) continue;
        if (!best || this.#stability(candidate, now) > this.#stability(best, now)) best = candidate;
        if (seen >= CANDIDATES) break;
      }
      if (best) return best;
    }
    return this.#canBack(this.#root, node) ? this.#root : null;
  }

  #attach(child: TreeNode, parent: TreeNode): void {
    if (child.parent) this.#detach(child);
    child.parent = parent;
    parent.children.add(child);
    this.#refreshOpen(parent);
    this.#setDepth(child, parent.depth + 1);
  }

  #detach(child: TreeNode): void {
    const parent = child.parent;
    if (!parent) return;
    parent.children.delete(child);
    child.parent = null;
    this.#refreshOpen(parent);
  }

  #setDepth(node: TreeNode, depth: number): void {
    const stack: Array<[TreeNode, number]> = [[node, depth]];
    while (stack.length > 0) {
      const [n, d] = stack.pop() as [TreeNode, number];
      this.#open[n.depth]?.delete(n);
      n.depth = d;
      this.#refreshOpen(n);
      for (const c of n.children) stack.push([c, d + 1]);
    }
  }

  /** Up to `limit` viewers the root serves that forward to nobody. */
  #rootLeaves(limit: number): TreeNode[] {
    const out: TreeNode[] = [];
    for (const c of this.#root.children) {
      if (out.length >= limit) break;
      if (c.children.size === 0) out.push(c);
    }
    return out;
  }

  #hasRoom(node: TreeNode): boolean {
    return node.children.size < node.capacity;
  }

  /** Keep the open-slot index right for `node` (open = room for a child and not at the bottom). */
  #refreshOpen(node: TreeNode): void {
    const bucket = this.#open[node.depth];
    const live = node === this.#root || (this.#nodes.has(node.id) && !this.#unplaced.has(node));
    if (live && this.#hasRoom(node) && node.depth < this.#maxDepth && node !== this.#root) bucket?.add(node);
    else bucket?.delete(node);
  }

  /** Whether `candidate` lies in the subtree of `ancestor` (walks up at most maxDepth steps). */
  #isWithin(candidate: TreeNode, ancestor: TreeNode): boolean {
    for (let n: TreeNode | null = candidate; n; n = n.parent) if (n === ancestor) return true;
    return false;
  }

  #subtree(node: TreeNode): TreeNode[] {
    const out: TreeNode[] = [];
    const stack = [node];
    while (stack.length > 0) {
      const n = stack.pop() as TreeNode;
      out.push(n);
      for (const c of n.children) stack.push(c);
    }
    return out;
  }

  #subtreeSize(node: TreeNode): number {
    return this.#subtree(node).length;
  }

  /** Whether `node`'s subtree is at most `levels` deep below it; stops as soon as it is not. */
  #heightAtMost(node: TreeNode, levels: number): boolean {
    if (levels < 0) return false;
    const stack: Array<[TreeNode, number]> = [[node, 0]];
    while (stack.length > 0) {
      const [n, h] = stack.pop() as [TreeNode, number];
      if (h > levels) return false;
      for (const c of n.children) stack.push([c, h + 1]);
    }
    return true;
  }

  /** Levels below `node` (0 for a leaf). */
  #height(node: TreeNode): number {
    let h = 0;
    for (const n of this.#subtree(node)) h = Math.max(h, n.depth - node.depth);
    return h;
  }

  #placementOf(node: TreeNode): Placement {
    return {
      viewer: node.id,
      parent: this.#unplaced.has(node) ? null : (node.parent?.id ?? null),
      backup: node.backup?.id ?? null,
    };
  }

  #change(touched: Set<TreeNode>, edgesChanged: number, interrupted: number): PlanChange {
    const placements = [...touched].filter((n) => this.#nodes.has(n.id)).map((n) => this.#placementOf(n));
    return { placements, edgesChanged, interrupted };
  }
}

/** Two placement lists as one, the later placement of a viewer winning. */
function mergePlacements(a: Placement[], b: Placement[]): Placement[] {
  const byViewer = new Map<string, Placement>();
  for (const p of [...a, ...b]) byViewer.set(p.viewer, p);
  return [...byViewer.values()];
}
