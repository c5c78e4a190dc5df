import { randomBytes } from 'node:crypto';
import { PresenceError, type LiveRelayAssign } from '@presence/protocol';
import type { Broker } from '../../broker/broker.js';
import { RelayPlanner, ROOT, type PlanChange, type RelayViewer } from './relay-planner.js';

export interface RelayOptions {
  /** Stream bitrate assumed when the source does not say (bits/s). */
  relayBitrateBps: number;
  /** Most children one relay gets, however fast its uplink. */
  relayMaxChildren: number;
  /** Deepest level of the tree; the source serves who does not fit. */
  relayMaxDepth: number;
  /** Viewers the source sends to itself. */
  relayRootChildren: number;
  /** A child that received no frames for this long switches to its backup and reports it. */
  relaySilenceMs: number;
  /** Size of the upload probe. */
  relayProbeBytes: number;
  /** Whether TURN is configured (relay edges without `direct` need it). */
  turnAvailable: boolean;
}

/** A viewer as the server tracks it: what it measured, not what the viewer says. */
interface ViewerState {
  id: string;
  since: number;
  reconnects: number;
  /** Upload speed the server timed on the viewer's probe (0 before one). */
  probedBps: number;
  /** False after live.relay.prefs relay:false. */
  willing: boolean;
  /** Consecutive reports of forwarding far less than its children need. */
  underSending: number;
  /** In the tree now (false while its connection is down). */
  present: boolean;
  /** Reported silent by its children: a leaf until then. */
  suspectUntil: number;
}

interface RelayTree {
  room: string;
  source: string;
  bitrateBps: number;
  direct: boolean;
  planner: RelayPlanner;
  viewers: Map<string, ViewerState>;
  /** The last assignment sent to each participant (JSON), so only changes are sent. */
  sent: Map<string, string>;
  /** Per silent parent, who reported it recently (a single child's word does not demote a relay with others). */
  silentReports: Map<string, Map<string, number>>;
}

interface PendingProbe {
  room: string;
  session: string;
  expiresAt: number;
}

const PROBE_TTL_MS = 60_000;
/** Pending probes kept at most (bounded: a flood of live.relay.probe cannot grow memory). */
const MAX_PENDING_PROBES = 10_000;
/** How long a relay its children reported silent stays a leaf. */
const SUSPECT_MS = 60_000;
/** How long silence reports about one parent are remembered. */
const REPORT_WINDOW_MS = 10_000;

/**
 * Relayed broadcasts: per room, the relay tree the planner keeps, fed with what the server
 * measured itself (upload probes it timed, session age, disconnects, silence reports from
 * children), and turned into one `live.relay.assign` per participant whose place changed, sent
 * through the broker's directed channel like live.signal. Media never passes through here; the
 * viewers connect to each other with live.signal, and only along edges of the plan.
 */
export class RelayService {
  readonly #trees = new Map<string, RelayTree>();
  readonly #probes = new Map<string, PendingProbe>();
  readonly #broker: Broker;
  readonly #options: RelayOptions;
  readonly #now: () => number;

  constructor(deps: { broker: Broker; options: RelayOptions; now?: () => number }) {
    this.#broker = deps.broker;
    this.#options = deps.options;
    this.#now = deps.now ?? Date.now;
  }

  isRelayed(roomId: string): boolean {
    return this.#trees.has(roomId);
  }

  sourceOf(roomId: string): string | null {
    return this.#trees.get(roomId)?.source ?? null;
  }

  /** Start a broadcast with `source` at the root and `viewers` (the rest of the call) below it. */
  async start(
    roomId: string,
    source: string,
    viewers: string[],
    opts: { bitrateBps?: number | undefined; direct?: boolean | undefined } = {},
  ): Promise<void> {
    const direct = opts.direct === true;
    if (!direct && !this.#options.turnAvailable) {
      throw new PresenceError(
        'TURN_REQUIRED',
        'No TURN server is configured: start with direct: true to let viewers see each other’s addresses.',
      );
    }
    const bitrateBps = opts.bitrateBps ?? this.#options.relayBitrateBps;
    const tree: RelayTree = {
      room: roomId,
      source,
      bitrateBps,
      direct,
      planner: new RelayPlanner({
        bitrateBps,
        maxChildren: this.#options.relayMaxChildren,
        maxDepth: this.#options.relayMaxDepth,
        rootCapacity: this.#options.relayRootChildren,
      }),
      viewers: new Map(),
      sent: new Map(),
      silentReports: new Map(),
    };
    this.#trees.set(roomId, tree);
    await this.#send(tree, [source]);
    for (const v of viewers) await this.join(roomId, v);
  }

  stop(roomId: string): void {
    this.#trees.delete(roomId);
    for (const [token, p] of this.#probes) if (p.room === roomId) this.#probes.delete(token);
  }

  /** A participant joined the relayed call (or came back): a leaf until its probe is timed. */
  async join(roomId: string, session: string): Promise<void> {
    const tree = this.#trees.get(roomId);
    if (!tree || session === tree.source) return;
    const now = this.#now();
    let state = tree.viewers.get(session);
    if (state?.present) {
      // live.join again on the same connection: resend its assignment.
      tree.sent.delete(session);
      await this.#send(tree, [session]);
      return;
    }
    if (state) {
      state.present = true;
    } else {
      state = {
        id: session,
        since: now,
        reconnects: 0,
        probedBps: 0,
        willing: true,
        underSending: 0,
        present: true,
        suspectUntil: 0,
      };
      tree.viewers.set(session, state);
    }
    tree.sent.delete(session);
    await this.#apply(tree, tree.planner.join(this.#viewerOf(state), now), [session]);
  }

  /**
   * A participant is gone from the tree: it left (`forget`) or its connection dropped (it keeps
   * its record, with one more disconnect against it, for when it comes back).
   */
  async leave(roomId: string, session: string, forget: boolean): Promise<void> {
    const tree = this.#trees.get(roomId);
    if (!tree) return;
    const state = tree.viewers.get(session);
    if (!state) return;
    if (forget) tree.viewers.delete(session);
    else if (state.present) state.reconnects++;
    const wasPresent = state.present;
    state.present = false;
    tree.sent.delete(session);
    if (wasPresent) await this.#apply(tree, tree.planner.leave(session, this.#now()), []);
  }

  /** A one-time token for an upload probe. */
  probe(roomId: string, session: string): { url: string; bytes: number; expiresAt: number } {
    const tree = this.#requireViewer(roomId, session);
    if (this.#probes.size >= MAX_PENDING_PROBES) this.#sweepProbes();
    if (this.#probes.size >= MAX_PENDING_PROBES) {
      throw new PresenceError('RATE_LIMITED', 'Too many upload probes are pending; try again shortly.');
    }
    const token = randomBytes(18).toString('base64url');
    const expiresAt = this.#now() + PROBE_TTL_MS;
    this.#probes.set(token, { room: tree.room, session, expiresAt });
    return { url: `/api/live/relay/probe/${token}`, bytes: this.#options.relayProbeBytes, expiresAt };
  }

  /** The probe's bytes arrived: the server's own timing sets the viewer's uplink. */
  async probed(token: string, bytes: number, elapsedMs: number): Promise<number> {
    const probe = this.#probes.get(token);
    this.#probes.delete(token);
    if (!probe || probe.expiresAt < this.#now()) {
      throw new PresenceError('FORBIDDEN', 'Unknown or expired probe: ask for one with live.relay.probe.');
    }
    if (bytes < this.#options.relayProbeBytes) {
      throw new PresenceError('INVALID_MESSAGE', `Send all ${this.#options.relayProbeBytes} bytes.`);
    }
    const bps = Math.round((bytes * 8 * 1000) / Math.max(elapsedMs, 0.1));
    const tree = this.#trees.get(probe.room);
    const state = tree?.viewers.get(probe.session);
    if (tree && state) {
      state.probedBps = bps;
      if (state.present)
        await this.#apply(tree, tree.planner.update(this.#viewerOf(state), this.#now()), [state.id]);
    }
    return bps;
  }

  /** Forward to others or not: an opted-out viewer is a leaf. */
  async prefs(roomId: string, session: string, relay: boolean): Promise<void> {
    const tree = this.#requireViewer(roomId, session);
    const state = tree.viewers.get(session);
    if (!state || state.willing === relay) return;
    state.willing = relay;
    if (state.present)
      await this.#apply(tree, tree.planner.update(this.#viewerOf(state), this.#now()), [session]);
  }

  /**
   * A viewer's report. `silent`: its parent sent nothing for silenceMs and it moved to its backup
   * (the tree follows; the parent is demoted when it is its only child or a second child says so
   * too, so one liar cannot demote a relay). `sendingBps`: a relay forwarding far less than its
   * children need, twice in a row, is demoted.
   */
  async report(
    roomId: string,
    session: string,
    report: { silent?: string | undefined; sendingBps?: number | undefined },
  ): Promise<void> {
    const tree = this.#requireViewer(roomId, session);
    const now = this.#now();
    const planner = tree.planner;
    if (report.silent !== undefined) {
      const placement = planner.placement(session);
      const parent = placement?.parent === ROOT ? tree.source : placement?.parent;
      if (parent === report.silent) {
        const reports = tree.silentReports.get(parent) ?? new Map<string, number>();
        for (const [who, at] of reports) if (at < now - REPORT_WINDOW_MS) reports.delete(who);
        reports.set(session, now);
        tree.silentReports.set(parent, reports);
        const siblings = parent === tree.source ? 0 : planner.childrenOf(parent).length;
        const believable = parent !== tree.source && (siblings <= 1 || reports.size >= 2);
        // The reporter moved to its backup already: the tree follows.
        await this.#apply(tree, planner.failover(session, now, false), [session]);
        const silent = tree.viewers.get(parent);
        if (believable && silent?.present) {
          // A relay that stopped forwarding forwards to nobody for a while: out of the tree and
          // back in as a leaf (its other children move to their backups), one failure against it.
          silent.reconnects++;
          silent.suspectUntil = now + SUSPECT_MS;
          tree.silentReports.delete(parent);
          await this.#apply(tree, planner.leave(parent, now), []);
          tree.sent.delete(parent);
          await this.#apply(tree, planner.join(this.#viewerOf(silent), now), [parent]);
        }
      }
    }
    if (report.sendingBps !== undefined) {
      const state = tree.viewers.get(session);
      const children = planner.childrenOf(session).length;
      if (state && children > 0 && report.sendingBps < 0.5 * children * tree.bitrateBps) {
        state.underSending++;
        if (state.underSending >= 2) {
          state.underSending = 0;
          state.reconnects++;
          await this.#apply(tree, planner.demote(session, now), [session]);
        }
      } else if (state) {
        state.underSending = 0;
      }
    }
  }

  /**
   * Relay edges only: a participant may signal its parent, its backup and its children (both
   * ways), so nobody connects to the source or to a relay the server did not send it to.
   */
  mayConnect(roomId: string, from: string, to: string): boolean {
    const tree = this.#trees.get(roomId);
    if (!tree) return true;
    return this.#linked(tree, from, to) || this.#linked(tree, to, from);
  }

  /** Whether peers of this room's relay edges must hide their addresses (TURN only). */
  hidesAddresses(roomId: string): boolean {
    const tree = this.#trees.get(roomId);
    return tree !== undefined && !tree.direct;
  }

  /** Whether `child` is assigned to `parent` (now, as its backup, or in the last assignment sent). */
  #linked(tree: RelayTree, child: string, parent: string): boolean {
    if (child === tree.source) return false;
    const p = tree.planner.placement(child);
    const asRoot = parent === tree.source ? ROOT : parent;
    if (p && (p.parent === asRoot || p.backup === asRoot)) return true;
    // An assignment in flight: the child may still be finishing with the parent it was told.
    const sent = tree.sent.get(child);
    if (!sent) return false;
    const last = JSON.parse(sent) as LiveRelayAssign;
    return last.parent === parent || last.backup === parent;
  }

  #requireViewer(roomId: string, session: string): RelayTree {
    const tree = this.#trees.get(roomId);
    if (!tree) throw new PresenceError('FORBIDDEN', 'This call is not a relayed broadcast.');
    if (!tree.viewers.has(session))
      throw new PresenceError('FORBIDDEN', 'Only viewers of the broadcast do that.');
    return tree;
  }

  #viewerOf(state: ViewerState): RelayViewer {
    return {
      id: state.id,
      uplinkBps: state.probedBps,
      since: state.since,
      reconnects: state.reconnects,
      canRelay: state.willing && state.suspectUntil <= this.#now(),
    };
  }

  /** Send the assignments a plan change touched: the moved viewers, and their old and new parents. */
  async #apply(tree: RelayTree, change: PlanChange, also: string[]): Promise<void> {
    const affected = new Set<string>(also);
    for (const p of change.placements) {
      affected.add(p.viewer);
      const before = tree.sent.get(p.viewer);
      if (before) {
        const last = JSON.parse(before) as LiveRelayAssign;
        if (last.parent) affected.add(last.parent);
      }
      affected.add(p.parent === ROOT || p.parent === null ? tree.source : p.parent);
    }
    await this.#send(tree, [...affected]);
  }

  async #send(tree: RelayTree, sessions: string[]): Promise<void> {
    for (const session of sessions) {
      const assign = this.assignment(tree.room, session);
      if (!assign) continue;
      const json = JSON.stringify(assign);
      if (tree.sent.get(session) === json) continue;
      tree.sent.set(session, json);
      await this.#broker.sendDirect(session, json);
    }
  }

  /** A participant's place in the tree now (undefined when it is not in it). */
  assignment(roomId: string, session: string): LiveRelayAssign | undefined {
    const tree = this.#trees.get(roomId);
    if (!tree) return undefined;
    const planner = tree.planner;
    const base = {
      type: 'live.relay.assign' as const,
      room: tree.room,
      source: tree.source,
      icePolicy: tree.direct ? ('all' as const) : ('relay' as const),
      silenceMs: this.#options.relaySilenceMs,
      bitrateBps: tree.bitrateBps,
    };
    if (session === tree.source) {
      return {
        ...base,
        role: 'source',
        parent: null,
        backup: null,
        children: planner.childrenOf(ROOT),
        capacity: this.#options.relayRootChildren,
        depth: null,
      };
    }
    const state = tree.viewers.get(session);
    const placement = planner.placement(session);
    if (!state?.present || !placement) return undefined;
    const named = (id: string | null) => (id === ROOT ? tree.source : id);
    return {
      ...base,
      role: 'viewer',
      parent: named(placement.parent),
      backup: named(placement.backup),
      children: planner.childrenOf(session),
      capacity: planner.capacityOf(this.#viewerOf(state)),
      depth: planner.depthOf(session) ?? null,
    };
  }

  #sweepProbes(): void {
    const now = this.#now();
    for (const [token, p] of this.#probes) if (p.expiresAt < now) this.#probes.delete(token);
  }
}
