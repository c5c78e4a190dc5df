/**
 * The direct-message window, docked at the bottom right (full screen on phones): one conversation
 * at a time, opened from a contact or a room member, or by an incoming message. Shows whether each
 * message was delivered, kept for later ("will be delivered when they are back"), or refused and
 * why ("Bob is busy and only accepts messages from important contacts").
 */
import { useSignal } from '@preact/signals';
import type { UserRef } from '@presence/protocol';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import type { App } from '../app.ts';
import { clockTime, fullDate } from '../format.ts';
import { dmNotice, presenceLine } from '../presence-format.ts';
import type { DmMessage } from '../presence-store.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import { autoGrow } from '../ui/auto-grow.ts';
import { Avatar } from '../ui/avatar.tsx';
import { Icon } from '../ui/icon.tsx';
import { ICONS } from '../ui/icons.ts';
import { UserDot } from '../ui/presence-dot.tsx';
import './presence.css';

const MAX_DM_LENGTH = 16_000;

export function DmDock({ app }: { app: App }) {
  const store = app.presence;
  const peer = useSignal<UserRef | null>(null);
  /** Bumped to focus the composer (opened on purpose, not by an incoming message). */
  const focusRequest = useSignal(0);

  useEffect(() => {
    const open = (user: UserRef, focus: boolean): void => {
      if (peer.value?.id !== user.id) peer.value = user;
      if (focus) focusRequest.value++;
      store.markDmRead(user.id);
    };
    const offs = [
      store.on('dmOpen', ({ peer: user }) => open(user, true)),
      store.on('dm', ({ peer: id }) => {
        if (peer.value?.id === id) {
          if (document.visibilityState === 'visible') store.markDmRead(id);
          return;
        }
        const convo = store.dms.get(id);
        const last = convo?.messages[convo.messages.length - 1];
        if (!convo || !last || last.own || convo.unread === 0) return;
        // A message from someone else: open it when no conversation is on screen, otherwise say so.
        if (!peer.value) open(convo.peer, false);
        else app.toast(`New message from ${convo.peer.name}`, 'info');
      }),
      app.on('identity', () => (peer.value = null)),
    ];
    const onVisible = (): void => {
      if (peer.value && document.visibilityState === 'visible') store.markDmRead(peer.value.id);
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      offs.forEach((off) => off());
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [app]);
  // The body is outside the tree: its class (which the phone layout keys on) is set from here.
  useEffect(() => {
    document.body.classList.toggle('dm-open', peer.value !== null);
  }, [peer.value]);

  const p = peer.value;
  return (
    <div class="dm-dock">
      {p && (
        <DmWindow
          key={p.id}
          app={app}
          peer={p}
          focusRequest={focusRequest.value}
          close={() => (peer.value = null)}
        />
      )}
    </div>
  );
}

function DmWindow({
  app,
  peer,
  focusRequest,
  close,
}: {
  app: App;
  peer: UserRef;
  focusRequest: number;
  close(): void;
}) {
  const store = app.presence;
  track(storeVersion(store, 'presence'), storeVersion(store, 'contacts'), storeVersion(store, 'dm'));
  const titleId = useRef(`dm-title-${Math.random().toString(36).slice(2, 8)}`).current;
  const list = useRef<HTMLOListElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const empty = useSignal(true);
  /** Whether the list was scrolled to the end before this render (taken on each `dm` event). */
  const atBottom = useRef(true);

  useEffect(() => {
    if (focusRequest > 0) input.current?.focus({ preventScroll: true });
  }, [focusRequest]);
  useEffect(
    () =>
      store.on('dm', ({ peer: id }) => {
        const l = list.current;
        if (id === peer.id && l) atBottom.current = l.scrollHeight - l.scrollTop - l.clientHeight < 40;
      }),
    [store, peer.id],
  );

  const presence = store.presenceOf(peer.id);
  const contact = store.isContact(peer.id);
  // Say beforehand what will happen to a message, when their presence tells.
  const notice = dmNotice(peer.name, presence?.state, contact);
  const messages = store.dms.get(peer.id)?.messages ?? [];
  const lastOwn = messages[messages.length - 1]?.own ?? false;
  // Follow the conversation while at its end, and after sending (scrolling is the element's own).
  useLayoutEffect(() => {
    const l = list.current;
    if (l && (atBottom.current || lastOwn)) l.scrollTop = l.scrollHeight;
    atBottom.current = false;
  }, [messages.length, messages[messages.length - 1]]);

  const submit = (): void => {
    const area = input.current;
    if (!area) return;
    const text = area.value.trim();
    if (!text) return;
    if (text.length > MAX_DM_LENGTH) {
      area.setCustomValidity(`At most ${MAX_DM_LENGTH} characters.`);
      area.reportValidity();
      return;
    }
    area.value = '';
    autoGrow(area);
    empty.value = true;
    void store.sendDm(peer, text);
  };

  return (
    <section
      class="dm-window"
      data-testid="dm-window"
      data-user={peer.id}
      data-state={presence?.state ?? 'unknown'}
      role="region"
      aria-labelledby={titleId}
    >
      <header class="dm-window__head">
        <span class="contact__avatar">
          <Avatar user={peer} size={32} />
          <UserDot user={peer.id} />
        </span>
        <div class="dm-window__who">
          <h2 class="dm-window__name" id={titleId}>
            {peer.name}
          </h2>
          <span class="dm-window__presence" data-testid="dm-presence">
            {presence ? presenceLine(presence) : contact ? '' : 'Not a contact'}
          </span>
        </div>
        <button
          type="button"
          class="icon-btn"
          data-testid="dm-close"
          aria-label={`Close the conversation with ${peer.name}`}
          title="Close"
          onClick={close}
        >
          <Icon paths={ICONS.x} />
        </button>
      </header>
      <ol class="dm-window__messages" data-testid="dm-messages" aria-live="polite" ref={list}>
        {messages.length === 0 ? (
          <li class="dm-window__empty muted small">{`Messages between you and ${peer.name} show up here.`}</li>
        ) : (
          messages.map((m) => <DmRow key={m.key} m={m} peer={peer} />)
        )}
      </ol>
      <p class="dm-window__notice" data-testid="dm-notice" hidden={notice === ''}>
        {notice}
      </p>
      <form
        class="dm-window__composer"
        aria-label={`Send ${peer.name} a message`}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
          input.current?.focus();
        }}
      >
        <div class="composer__box">
          <textarea
            class="composer__input dm-window__input"
            data-testid="dm-composer"
            rows={1}
            placeholder={`Message ${peer.name}`}
            aria-label={`Message to ${peer.name}`}
            autocomplete="off"
            enterkeyhint="send"
            ref={input}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
                e.preventDefault();
                submit();
              } else if (e.key === 'Escape') {
                e.preventDefault();
                close();
              }
            }}
            onInput={(e) => {
              const area = e.currentTarget;
              area.setCustomValidity('');
              autoGrow(area);
              empty.value = area.value.trim() === '';
            }}
          />
          <button
            type="submit"
            class="composer__send"
            data-testid="dm-send"
            aria-label="Send"
            title="Send (Enter)"
            disabled={empty.value}
          >
            <Icon paths={ICONS.send} />
          </button>
        </div>
      </form>
    </section>
  );
}

function DmStatus({ m, peer }: { m: DmMessage; peer: UserRef }) {
  if (m.status === 'sending') return <span class="dm-msg__status">Sending…</span>;
  if (m.status === 'delivered') return <span class="dm-msg__status">Delivered</span>;
  if (m.status === 'queued') {
    return (
      <span class="dm-msg__status dm-msg__status--queued" data-testid="dm-queued">
        {`Kept for ${peer.name}: will be delivered when they are back`}
      </span>
    );
  }
  if (m.status === 'failed') {
    return (
      <span class="dm-msg__status dm-msg__status--failed" data-testid="dm-error" role="alert">
        {m.error}
      </span>
    );
  }
  if (m.offline) return <span class="dm-msg__status">Sent while you were away</span>;
  return null;
}

function DmRow({ m, peer }: { m: DmMessage; peer: UserRef }) {
  return (
    <li
      class={`dm-msg${m.own ? ' dm-msg--own' : ''} is-${m.status}`}
      data-testid="dm-message"
      data-own={String(m.own)}
      data-status={m.status}
      data-offline={String(m.offline)}
      data-id={m.id || undefined}
    >
      {m.html !== null ? (
        // The server renders markdown and sanitizes it: `html` is safe to insert; `text` never is.
        <div class="dm-msg__text" dangerouslySetInnerHTML={{ __html: m.html }} />
      ) : (
        <div class="dm-msg__text">{m.text}</div>
      )}
      <div class="dm-msg__meta">
        <time dateTime={new Date(m.ts).toISOString()} title={fullDate(m.ts)}>
          {clockTime(m.ts)}
        </time>
        <DmStatus m={m} peer={peer} />
      </div>
    </li>
  );
}
