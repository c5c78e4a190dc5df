import type { FileRef, ReplyRef, RoomEvent, UserRef } from '@presence/protocol';
import { applyReactionEvent } from '@presence/client';

/**
 * A room's timeline as the UI shows it: messages and small notices, keyed and ordered by seq.
 * Pure data (no DOM), so the merge rules are unit-tested:
 *
 * - Everything is de-duplicated by seq, so a reload after `resync` or an overlapping history
 *   page never shows an event twice.
 * - Messages from snapshots (`room.join` recent, `room.history`) already carry their current text
 *   and deleted flag; the `message.edited`/`message.deleted` events inside a snapshot are therefore
 *   not re-applied (an older edit would overwrite a newer text). Live edit/delete events are
 *   applied in order and also remembered per target, so a message that arrives later in an older
 *   snapshot page still ends up with its latest text.
 * - A new epoch voids every position: the timeline restarts.
 */

export type MessageEventT = Extract<RoomEvent, { type: 'message' }>;

export interface TimelineMessage {
  kind: 'message';
  seq: number;
  ts: number;
  from: UserRef;
  text: string;
  html: string;
  nonce?: string;
  edited?: number;
  deleted: boolean;
  reply?: ReplyRef;
  mentions?: string[];
  /** emoji → user ids, kept current by `reaction` events. */
  reactions?: Record<string, string[]>;
  file?: FileRef;
  /** Who deleted it, when this tab saw the deletion happen (a moderator when not the author). */
  deletedBy?: string;
  /** Deleted by a moderator (from history: the store keeps that, not who). */
  removedByModerator?: boolean;
}

export interface TimelineNotice {
  kind: 'notice';
  seq: number;
  ts: number;
  text: string;
}

export type TimelineItem = TimelineMessage | TimelineNotice;

export interface TimelineChange {
  /** The timeline was cleared (new epoch or a gap too wide to bridge): re-render everything. */
  reset: boolean;
  /** Seqs of items that appeared. */
  added: number[];
  /** Seqs of items whose content changed (edited, deleted). */
  updated: number[];
}

/** The latest edit or delete known for a message; `seq` is the edit event's own seq (newest wins). */
type LiveEdit =
  | { deleted: true; ts: number; seq: number; by: string }
  | { deleted: false; ts: number; seq: number; text: string; html: string };

/** How a sequenced event that is not a chat message reads in the timeline (null: not shown). */
export type NoticeText = (event: Exclude<RoomEvent, MessageEventT>) => string | null;

export function defaultNoticeText(event: Exclude<RoomEvent, MessageEventT>): string | null {
  switch (event.type) {
    case 'member.joined':
      return `${event.user.name} joined`;
    case 'member.left':
      return event.reason === 'timeout'
        ? `${event.user.name} left (connection lost)`
        : `${event.user.name} left`;
    case 'member.updated':
      return event.user.role === 'admin'
        ? `${event.by.name} made ${event.user.name} an admin`
        : `${event.by.name} made ${event.user.name} a ${event.user.role}`;
    case 'room.updated':
      return event.name !== null ? `${event.by.name} named the room “${event.name}”` : null;
    default:
      return null;
  }
}

export class Timeline {
  epoch: string | null = null;
  /** Ordered seqs of visible items. */
  readonly order: number[] = [];
  readonly items = new Map<number, TimelineItem>();
  /** Lowest seq any loaded page covered (messages or not): the `before` for the next history page. */
  oldestLoaded = Number.POSITIVE_INFINITY;
  /** Highest seq seen. */
  newest = 0;
  /** Whether older events exist that are not loaded. */
  hasMoreBefore = false;
  private readonly liveEdits = new Map<number, LiveEdit>();

  constructor(private readonly noticeText: NoticeText = defaultNoticeText) {}

  get size(): number {
    return this.order.length;
  }

  /** The newest message (not notice), e.g. to edit with ArrowUp or mark read. */
  lastMessage(predicate: (m: TimelineMessage) => boolean = () => true): TimelineMessage | undefined {
    for (let i = this.order.length - 1; i >= 0; i--) {
      const item = this.items.get(this.order[i] as number);
      if (item?.kind === 'message' && predicate(item)) return item;
    }
    return undefined;
  }

  private clear(epoch: string | null): void {
    this.epoch = epoch;
    this.order.length = 0;
    this.items.clear();
    this.liveEdits.clear();
    this.oldestLoaded = Number.POSITIVE_INFINITY;
    this.newest = 0;
    this.hasMoreBefore = false;
  }

  /**
   * Merge a snapshot page (oldest first). `kind: 'join'` is the recent window of a (re)join: when it
   * does not connect to what is loaded, the older items are dropped rather than leaving a silent hole.
   */
  applySnapshot(
    epoch: string,
    events: readonly RoomEvent[],
    opts: { kind: 'join' | 'history'; hasMoreBefore: boolean; currentReactions?: boolean },
  ): TimelineChange {
    const change: TimelineChange = { reset: false, added: [], updated: [] };
    const sorted = [...events].sort((a, b) => a.seq - b.seq);
    const first = sorted[0];
    if (this.epoch !== epoch) {
      change.reset = this.epoch !== null || this.order.length > 0;
      this.clear(epoch);
    } else if (opts.kind === 'join' && first && this.newest > 0 && first.seq > this.newest + 1) {
      change.reset = true;
      this.clear(epoch);
    }
    const fresh = this.oldestLoaded === Number.POSITIVE_INFINITY;
    for (const event of sorted) {
      this.newest = Math.max(this.newest, event.seq);
      // Unnamed rooms keep events as they happened: an edit or delete in a snapshot must be
      // applied (for named rooms the message already carries its current state; applying is a no-op).
      if (event.type === 'message.edited' || event.type === 'message.deleted') {
        const target = this.recordEdit(event);
        if (target !== null && !change.added.includes(target)) change.updated.push(target);
        continue;
      }
      if (event.type === 'reaction') {
        // Named rooms' messages carry their current reactions: replaying older events would undo later ones.
        if (opts.currentReactions !== true && this.applyReaction(event)) change.updated.push(event.target);
        continue;
      }
      if (this.items.has(event.seq)) continue;
      const item = this.toItem(event);
      if (!item) continue;
      if (item.kind === 'message') this.overlayLiveEdit(item);
      this.insert(item);
      change.added.push(item.seq);
    }
    if (first) this.oldestLoaded = Math.min(this.oldestLoaded, first.seq);
    // A re-join merged onto loaded history keeps what scroll-back already knows.
    if (opts.kind === 'history' || fresh) {
      this.hasMoreBefore = opts.hasMoreBefore && this.oldestLoaded > 1;
    }
    return change;
  }

  /** Apply one live event (in order, already de-duplicated by the SDK; duplicates are harmless). */
  applyLive(event: RoomEvent): TimelineChange {
    const change: TimelineChange = { reset: false, added: [], updated: [] };
    if (this.epoch !== null && this.epoch !== event.epoch) {
      change.reset = true;
      this.clear(event.epoch);
      this.hasMoreBefore = event.seq > 1;
    }
    this.epoch = event.epoch;
    if (this.oldestLoaded === Number.POSITIVE_INFINITY) {
      this.oldestLoaded = event.seq;
      this.hasMoreBefore = event.seq > 1;
    }
    this.newest = Math.max(this.newest, event.seq);
    if (event.type === 'message.edited' || event.type === 'message.deleted') {
      const target = this.recordEdit(event);
      if (target !== null) change.updated.push(target);
      return change;
    }
    if (event.type === 'reaction') {
      if (this.applyReaction(event)) change.updated.push(event.target);
      return change;
    }
    if (this.items.has(event.seq)) return change;
    const item = this.toItem(event);
    if (!item) return change;
    if (item.kind === 'message') this.overlayLiveEdit(item);
    this.insert(item);
    change.added.push(item.seq);
    return change;
  }

  private toItem(event: RoomEvent): TimelineItem | null {
    if (event.type === 'message') {
      const msg: TimelineMessage = {
        kind: 'message',
        seq: event.seq,
        ts: event.ts,
        from: event.from,
        text: event.deleted ? '' : event.text,
        html: event.deleted ? '' : event.html,
        deleted: event.deleted === true,
      };
      if (event.deleted === true && event.removedByModerator === true) msg.removedByModerator = true;
      if (event.nonce !== undefined) msg.nonce = event.nonce;
      if (event.edited !== undefined) msg.edited = event.edited;
      if (!event.deleted) {
        if (event.reply) msg.reply = event.reply;
        if (event.mentions) msg.mentions = event.mentions;
        if (event.reactions) msg.reactions = event.reactions;
        if (event.file) msg.file = event.file;
      }
      return msg;
    }
    if (event.type === 'message.edited' || event.type === 'message.deleted' || event.type === 'reaction') {
      return null;
    }
    const text = this.noticeText(event);
    return text === null ? null : { kind: 'notice', seq: event.seq, ts: event.ts, text };
  }

  /** Bring a message up to the latest live edit of it; true when something changed. */
  /**
   * Remember an edit or delete (a delete is final; otherwise the newest edit wins, whatever order
   * pages arrive in) and apply it to the message if loaded. Returns the message's seq if it changed.
   */
  private recordEdit(
    event: Extract<RoomEvent, { type: 'message.edited' | 'message.deleted' }>,
  ): number | null {
    const edit: LiveEdit =
      event.type === 'message.deleted'
        ? { deleted: true, ts: event.ts, seq: event.seq, by: event.by.id }
        : { deleted: false, ts: event.ts, seq: event.seq, text: event.text, html: event.html };
    const previous = this.liveEdits.get(event.target);
    if (!previous || (!previous.deleted && (edit.deleted || edit.seq > previous.seq))) {
      this.liveEdits.set(event.target, edit);
    }
    const target = this.items.get(event.target);
    return target?.kind === 'message' && this.overlayLiveEdit(target) ? target.seq : null;
  }

  /** Apply a reaction to its message if loaded; true when the message changed. */
  private applyReaction(event: Extract<RoomEvent, { type: 'reaction' }>): boolean {
    const target = this.items.get(event.target);
    if (target?.kind !== 'message' || target.deleted) return false;
    const next = applyReactionEvent(target.reactions, event);
    if (next === target.reactions) return false;
    if (next) target.reactions = next;
    else delete target.reactions;
    return true;
  }

  private overlayLiveEdit(msg: TimelineMessage): boolean {
    const edit = this.liveEdits.get(msg.seq);
    if (!edit || msg.deleted) return false;
    if (edit.deleted) {
      msg.deleted = true;
      msg.deletedBy = edit.by;
      msg.text = '';
      msg.html = '';
      delete msg.reply;
      delete msg.reactions;
      delete msg.file;
      delete msg.mentions;
      return true;
    }
    if (msg.text === edit.text && msg.html === edit.html && msg.edited !== undefined) return false;
    // A message that already carries a newer edit (history of named rooms is in its current
    // state) must not be rolled back by an older edit event on the same page.
    if (msg.edited !== undefined && msg.edited >= edit.ts) return false;
    msg.text = edit.text;
    msg.html = edit.html;
    msg.edited = Math.max(msg.edited ?? 0, edit.ts);
    return true;
  }

  private insert(item: TimelineItem): void {
    this.items.set(item.seq, item);
    const order = this.order;
    // Appending is by far the common case.
    if (order.length === 0 || (order[order.length - 1] as number) < item.seq) {
      order.push(item.seq);
      return;
    }
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((order[mid] as number) < item.seq) lo = mid + 1;
      else hi = mid;
    }
    order.splice(lo, 0, item.seq);
  }

  /** The item before `seq` in order, for grouping consecutive messages. */
  previous(seq: number): TimelineItem | undefined {
    const i = this.indexOf(seq);
    return i > 0 ? this.items.get(this.order[i - 1] as number) : undefined;
  }

  /** The item after `seq` in order. */
  next(seq: number): TimelineItem | undefined {
    const i = this.indexOf(seq);
    return i >= 0 && i + 1 < this.order.length ? this.items.get(this.order[i + 1] as number) : undefined;
  }

  indexOf(seq: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.order[mid] as number) < seq) lo = mid + 1;
      else hi = mid;
    }
    return this.order[lo] === seq ? lo : -1;
  }
}
