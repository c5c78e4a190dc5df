/**
 * The scrollable timeline. Follows new messages while at the bottom, loads older pages when
 * scrolled to the top (keeping what is on screen in place), and calls `onSeenLatest` whenever the
 * newest event is visible so the room can be marked read.
 *
 * The rows are derived from the room store on every change. Scrolling stays imperative, and has
 * to: where the reader is (at the bottom, or reading older messages) is read from the scroller
 * before a change is drawn and restored after it, which is what a browser's scroll anchoring
 * cannot do for a list that grows at both ends.
 */
import { useSignal } from '@preact/signals';
import { useCallback, useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { dayKey, dayLabel } from '../format.ts';
import type { RoomStore } from '../room-store.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import type { TimelineChange, TimelineItem } from '../timeline.ts';
import { Icon } from '../ui/icon.tsx';
import { MessageRow, NoticeRow, PendingRow, type MessageActions } from './message-item.tsx';

/** Messages closer than this from the same sender are grouped under one avatar. */
const GROUP_MS = 5 * 60_000;
/** Distance from the bottom (px) that still counts as "at the bottom". */
const BOTTOM_SLACK = 48;
/** Distance from the top (px) at which the previous page starts loading. */
const TOP_PRELOAD = 240;

/** What the room view asks of the list (the composer's Enter and ArrowUp). */
export interface MessageListHandle {
  /** Scroll to the newest message and keep following (after sending). */
  followBottom(): void;
  /** Whether the newest message is in view. */
  atBottom(): boolean;
  /** Edit the newest own message (ArrowUp in an empty composer). */
  editLastOwn(): boolean;
}

/** The scroller as it was before a change was drawn (several changes may be drawn at once). */
interface Before {
  stick: boolean;
  height: number;
  top: number;
  firstSeq: number;
  reset: boolean;
  added: number[];
}

function HistoryTop({ store, loadOlder }: { store: RoomStore; loadOlder(): void }) {
  let state: string;
  let body;
  if (store.loadingHistory) {
    state = 'loading';
    body = (
      <>
        <span class="spinner" aria-hidden="true" />
        Loading earlier messages…
      </>
    );
  } else if (store.historyError) {
    state = 'error';
    body = `Earlier messages are not available: ${store.historyError}`;
  } else if (store.timeline.hasMoreBefore) {
    state = 'more';
    body = (
      <button type="button" class="btn btn--small btn--ghost" onClick={loadOlder}>
        Load earlier messages
      </button>
    );
  } else {
    state = 'start';
    body = (
      <>
        <strong>This is the beginning of the room.</strong>
        <span class="muted small">
          {store.info?.persistent
            ? ' History is kept.'
            : ' This room is temporary: it disappears when everyone has left. Name it to keep it.'}
        </span>
      </>
    );
  }
  return (
    <div class="history-top" data-testid="history-top" data-state={state}>
      {body}
    </div>
  );
}

export function MessageList({
  store,
  actions,
  onSeenLatest,
  handle,
}: {
  store: RoomStore;
  actions: MessageActions;
  onSeenLatest(): void;
  /** Filled in by the list for the room view. */
  handle: { current: MessageListHandle | null };
}) {
  track(
    storeVersion(store, 'timeline'),
    storeVersion(store, 'history'),
    storeVersion(store, 'info'),
    storeVersion(store, 'pending'),
  );
  const editing = useSignal<number | null>(null);
  const jumpShown = useSignal(false);
  const scroller = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  const before = useRef<Before | null>(null);
  const seen = useRef(onSeenLatest);
  seen.current = onSeenLatest;

  const isAtBottom = (): boolean => {
    const s = scroller.current;
    return !s || s.scrollHeight - s.scrollTop - s.clientHeight <= BOTTOM_SLACK;
  };
  const toBottom = (): void => {
    const s = scroller.current;
    if (s) s.scrollTop = s.scrollHeight;
    stick.current = true;
    jumpShown.value = false;
  };
  const loadOlder = (): void => {
    if (store.loadingHistory || !store.timeline.hasMoreBefore) return;
    void store.loadOlder();
  };
  /** After a render: fill a short screen with older pages, report the latest as seen. */
  const afterLayout = (): void => {
    requestAnimationFrame(() => {
      const s = scroller.current;
      if (!s) return;
      if (s.scrollTop < TOP_PRELOAD && store.timeline.hasMoreBefore && !store.loadingHistory) loadOlder();
      if (isAtBottom()) seen.current();
    });
  };

  handle.current = {
    followBottom: toBottom,
    atBottom: isAtBottom,
    editLastOwn() {
      const me = actions.me();
      const msg = store.timeline.lastMessage((m) => m.from.id === me && !m.deleted);
      if (!msg) return false;
      list.current?.querySelector(`[data-seq="${msg.seq}"]`)?.scrollIntoView({ block: 'nearest' });
      editing.value = msg.seq;
      return true;
    },
  };

  // Where the reader was, taken when the store changes (before the change is drawn).
  useEffect(() => {
    const remember = (change: TimelineChange | null): void => {
      const s = scroller.current;
      const first = list.current?.firstElementChild as HTMLElement | null | undefined;
      const b = (before.current ??= {
        stick: stick.current,
        height: s?.scrollHeight ?? 0,
        top: s?.scrollTop ?? 0,
        firstSeq: first ? Number(first.dataset['seq']) : 0,
        reset: false,
        added: [],
      });
      if (change) {
        b.reset ||= change.reset;
        b.added.push(...change.added);
      }
    };
    const offs = [store.on('timeline', remember), store.on('pending', () => remember(null))];
    return () => offs.forEach((off) => off());
  }, [store]);

  // ... and put back once it is drawn.
  useLayoutEffect(() => {
    const b = before.current;
    before.current = null;
    const s = scroller.current;
    if (!b || !s) return;
    if (b.reset || b.stick) {
      toBottom();
    } else {
      const me = actions.me();
      const prepended = b.firstSeq > 0 && b.added.some((seq) => seq < b.firstSeq);
      const othersAdded = b.added.some((seq) => {
        const item = store.timeline.items.get(seq);
        return seq >= b.firstSeq && item?.kind === 'message' && item.from.id !== me;
      });
      if (prepended) s.scrollTop = b.top + (s.scrollHeight - b.height);
      else if (othersAdded) jumpShown.value = true;
    }
    afterLayout();
  });

  useEffect(() => {
    const s = scroller.current;
    const l = list.current;
    if (!s || !l) return;
    const onScroll = (): void => {
      stick.current = isAtBottom();
      if (stick.current) {
        jumpShown.value = false;
        seen.current();
      }
      if (s.scrollTop < TOP_PRELOAD) loadOlder();
    };
    s.addEventListener('scroll', onScroll, { passive: true });
    // Keep the bottom in view while following: late layout (fonts, code blocks), a phone keyboard.
    const resize = new ResizeObserver(() => {
      if (stick.current) s.scrollTop = s.scrollHeight;
    });
    resize.observe(s);
    resize.observe(l);
    const first = requestAnimationFrame(() => {
      toBottom();
      afterLayout();
    });
    return () => {
      s.removeEventListener('scroll', onScroll);
      resize.disconnect();
      cancelAnimationFrame(first);
    };
  }, [store]);

  const me = actions.me();
  const rows = [];
  const setEditing = useCallback((seq: number, on: boolean) => {
    editing.value = on ? seq : editing.value === seq ? null : editing.value;
  }, []);
  let prev: TimelineItem | undefined;
  for (const seq of store.timeline.order) {
    const item = store.timeline.items.get(seq);
    if (!item) continue;
    const newDay = !prev || dayKey(prev.ts) !== dayKey(item.ts);
    const day = newDay ? dayLabel(item.ts) : undefined;
    if (item.kind === 'notice') {
      rows.push(<NoticeRow key={seq} item={item} day={day} />);
    } else {
      const cont =
        prev?.kind === 'message' && prev.from.id === item.from.id && item.ts - prev.ts < GROUP_MS && !newDay;
      rows.push(
        <MessageRow
          key={seq}
          msg={item}
          own={item.from.id === me}
          cont={cont}
          day={day}
          html={item.html}
          deleted={item.deleted}
          edited={item.edited}
          reactions={item.reactions}
          editing={editing.value === seq}
          setEditing={setEditing}
          actions={actions}
        />,
      );
    }
    prev = item;
  }
  const meUser = actions.meUser();

  return (
    <div class="message-pane">
      <div
        class="scroller"
        data-testid="message-list"
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        tabIndex={0}
        ref={scroller}
      >
        <HistoryTop store={store} loadOlder={loadOlder} />
        <ol class="timeline" aria-label="Messages" ref={list}>
          {rows}
        </ol>
        <ol class="timeline timeline--pending" aria-label="Sending">
          {[...store.pending.values()].map((p) => (
            <PendingRow key={p.nonce} msg={p} me={meUser} actions={actions} />
          ))}
        </ol>
      </div>
      <button
        type="button"
        class="jump-latest"
        hidden={!jumpShown.value}
        data-testid="jump-latest"
        onClick={() => {
          toBottom();
          seen.current();
        }}
      >
        <Icon paths="M12 5v14|M19 12l-7 7-7-7" />
        New messages
      </button>
    </div>
  );
}
