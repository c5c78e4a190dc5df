import { h, icon, replaceChildren } from '../dom.ts';
import { dayKey, dayLabel } from '../format.ts';
import type { RoomStore } from '../room-store.ts';
import type { TimelineChange, TimelineItem } from '../timeline.ts';
import { fillMessage, renderItem, renderPending, startEdit, type MessageActions } from './message-item.ts';

/** Messages closer than this from the same sender are grouped under one avatar. */
const GROUP_MS = 5 * 60_000;
/** Distance from the bottom (px) that still counts as "at the bottom". */
const BOTTOM_SLACK = 48;
/** Distance from the top (px) at which the previous page starts loading. */
const TOP_PRELOAD = 240;

export interface MessageList {
  el: HTMLElement;
  /** Scroll to the newest message and keep following (after sending). */
  followBottom(): void;
  /** Whether the newest message is in view. */
  atBottom(): boolean;
  /** Edit the newest own message (ArrowUp in an empty composer). */
  editLastOwn(): boolean;
  destroy(): void;
}

/**
 * The scrollable timeline. Follows new messages while at the bottom, loads older pages when
 * scrolled to the top (keeping what is on screen in place), and calls `onSeenLatest` whenever the
 * newest event is visible so the room can be marked read.
 */
export function messageList(
  store: RoomStore,
  actions: MessageActions,
  onSeenLatest: () => void,
): MessageList {
  const rows = new Map<number, HTMLLIElement>();
  const list = h('ol', { class: 'timeline', 'aria-label': 'Messages' });
  const pendingList = h('ol', { class: 'timeline timeline--pending', 'aria-label': 'Sending' });
  const historyTop = h('div', { class: 'history-top', testid: 'history-top' });
  const jump = h(
    'button',
    { type: 'button', class: 'jump-latest', hidden: true, testid: 'jump-latest' },
    icon('M12 5v14|M19 12l-7 7-7-7'),
    'New messages',
  );
  const scroller = h(
    'div',
    {
      class: 'scroller',
      testid: 'message-list',
      role: 'log',
      'aria-live': 'polite',
      'aria-relevant': 'additions',
      tabindex: '0',
    },
    historyTop,
    list,
    pendingList,
  );
  const el = h('div', { class: 'message-pane' }, scroller, jump);

  let stick = true;
  const isAtBottom = (): boolean =>
    scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= BOTTOM_SLACK;
  const toBottom = (): void => {
    scroller.scrollTop = scroller.scrollHeight;
    stick = true;
    jump.hidden = true;
  };

  const renderHistoryTop = (): void => {
    const t = store.timeline;
    let state: string;
    if (store.loadingHistory) {
      state = 'loading';
      replaceChildren(
        historyTop,
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        'Loading earlier messages…',
      );
    } else if (store.historyError) {
      state = 'error';
      replaceChildren(historyTop, `Earlier messages are not available: ${store.historyError}`);
    } else if (t.hasMoreBefore) {
      state = 'more';
      replaceChildren(
        historyTop,
        h(
          'button',
          { type: 'button', class: 'btn btn--small btn--ghost', on: { click: () => void loadOlder() } },
          'Load earlier messages',
        ),
      );
    } else {
      state = 'start';
      const persistent = store.info?.persistent;
      replaceChildren(
        historyTop,
        h('strong', null, 'This is the beginning of the room.'),
        h(
          'span',
          { class: 'muted small' },
          persistent
            ? ' History is kept.'
            : ' This room is temporary: it disappears when everyone has left. Name it to keep it.',
        ),
      );
    }
    historyTop.dataset['state'] = state;
  };

  /** Group consecutive messages, mark day changes. Cheap enough to redo for every change. */
  const regroup = (): void => {
    let prev: TimelineItem | undefined;
    for (const seq of store.timeline.order) {
      const item = store.timeline.items.get(seq);
      const row = rows.get(seq);
      if (!item || !row) continue;
      const day = dayKey(item.ts);
      if (!prev || dayKey(prev.ts) !== day) row.dataset['day'] = dayLabel(item.ts);
      else delete row.dataset['day'];
      if (item.kind === 'message') {
        const grouped =
          prev?.kind === 'message' &&
          prev.from.id === item.from.id &&
          item.ts - prev.ts < GROUP_MS &&
          dayKey(prev.ts) === day;
        row.classList.toggle('msg--cont', grouped);
      }
      prev = item;
    }
  };

  const renderAll = (): void => {
    rows.clear();
    const items: HTMLLIElement[] = [];
    for (const seq of store.timeline.order) {
      const item = store.timeline.items.get(seq);
      if (!item) continue;
      const row = renderItem(item, actions);
      rows.set(seq, row);
      items.push(row);
    }
    replaceChildren(list, ...items);
    regroup();
    renderHistoryTop();
  };

  const applyChange = (change: TimelineChange): void => {
    const wasStuck = stick;
    const prevHeight = scroller.scrollHeight;
    const prevTop = scroller.scrollTop;
    const firstBefore = list.firstElementChild
      ? Number((list.firstElementChild as HTMLElement).dataset['seq'])
      : 0;
    if (change.reset) {
      renderAll();
      toBottom();
      afterLayout();
      return;
    }
    let prepended = false;
    let appendedOthers = false;
    // Newest first: each row's successor is then already in the list to insert before.
    for (const seq of [...change.added].sort((x, y) => y - x)) {
      const item = store.timeline.items.get(seq);
      if (!item || rows.has(seq)) continue;
      const row = renderItem(item, actions);
      rows.set(seq, row);
      const next = store.timeline.next(seq);
      const nextRow = next ? rows.get(next.seq) : undefined;
      if (nextRow) list.insertBefore(row, nextRow);
      else list.appendChild(row);
      if (firstBefore && seq < firstBefore) prepended = true;
      else if (item.kind === 'message' && item.from.id !== actions.me()) appendedOthers = true;
    }
    for (const seq of change.updated) {
      const item = store.timeline.items.get(seq);
      const row = rows.get(seq);
      if (item?.kind === 'message' && row && !row.classList.contains('is-editing'))
        fillMessage(row, item, actions);
    }
    regroup();
    renderHistoryTop();
    if (wasStuck) toBottom();
    else if (prepended) scroller.scrollTop = prevTop + (scroller.scrollHeight - prevHeight);
    else if (appendedOthers) jump.hidden = false;
    afterLayout();
  };

  const renderPendingRows = (): void => {
    const wasStuck = stick;
    const me = actions.meUser();
    replaceChildren(pendingList, ...[...store.pending.values()].map((p) => renderPending(p, me, actions)));
    if (wasStuck) toBottom();
  };

  const loadOlder = async (): Promise<void> => {
    if (store.loadingHistory || !store.timeline.hasMoreBefore) return;
    await store.loadOlder();
  };

  /** After a render: fill a short screen with older pages, report the latest as seen. */
  const afterLayout = (): void => {
    requestAnimationFrame(() => {
      if (scroller.scrollTop < TOP_PRELOAD && store.timeline.hasMoreBefore && !store.loadingHistory) {
        void loadOlder();
      }
      if (isAtBottom()) onSeenLatest();
    });
  };

  scroller.addEventListener(
    'scroll',
    () => {
      stick = isAtBottom();
      if (stick) {
        jump.hidden = true;
        onSeenLatest();
      }
      if (scroller.scrollTop < TOP_PRELOAD) void loadOlder();
    },
    { passive: true },
  );
  jump.addEventListener('click', () => {
    toBottom();
    onSeenLatest();
  });

  // Keep the bottom in view while following: late layout (fonts, code blocks), a phone keyboard.
  const resize = new ResizeObserver(() => {
    if (stick) scroller.scrollTop = scroller.scrollHeight;
  });
  resize.observe(scroller);
  resize.observe(list);

  const offs = [
    store.on('timeline', applyChange),
    store.on('history', renderHistoryTop),
    store.on('info', renderHistoryTop),
    store.on('pending', renderPendingRows),
  ];
  renderAll();
  renderPendingRows();
  requestAnimationFrame(() => {
    toBottom();
    afterLayout();
  });

  return {
    el,
    followBottom: toBottom,
    atBottom: isAtBottom,
    editLastOwn() {
      const me = actions.me();
      const msg = store.timeline.lastMessage((m) => m.from.id === me && !m.deleted);
      const row = msg ? rows.get(msg.seq) : undefined;
      if (!msg || !row) return false;
      row.scrollIntoView({ block: 'nearest' });
      startEdit(row, msg, actions);
      return true;
    },
    destroy() {
      resize.disconnect();
      for (const off of offs) off();
    },
  };
}
