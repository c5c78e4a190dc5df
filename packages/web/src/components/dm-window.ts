/**
 * The direct-message window, docked at the bottom right (full screen on phones): one conversation
 * at a time, opened from a contact or a room member, or by an incoming message. Shows whether each
 * message was delivered, kept for later ("will be delivered when they are back"), or refused and
 * why ("Bob is busy and only accepts messages from important contacts").
 */
import type { UserRef } from '@presence/protocol';
import type { App } from '../app.ts';
import { h, icon, ICONS, replaceChildren } from '../dom.ts';
import { clockTime, fullDate } from '../format.ts';
import { dmNotice, presenceLine } from '../presence-format.ts';
import type { DmMessage } from '../presence-store.ts';
import { avatar } from './avatar.ts';
import { autoGrow } from '../ui/auto-grow.ts';
import { presenceDot } from './presence-dot.ts';
import './presence.css';

const MAX_DM_LENGTH = 16_000;

export function dmDock(app: App): HTMLElement {
  const store = app.presence;
  const el = h('div', { class: 'dm-dock' });
  let peer: UserRef | null = null;
  let view: DmWindow | null = null;

  const close = (): void => {
    view?.destroy();
    view = null;
    peer = null;
    document.body.classList.remove('dm-open');
  };

  const open = (user: UserRef, focus: boolean): void => {
    if (peer?.id !== user.id) {
      close();
      peer = user;
      view = dmWindow(app, user, close);
      el.appendChild(view.root);
      document.body.classList.add('dm-open');
    }
    view?.render();
    if (focus) view?.focus();
    store.markDmRead(user.id);
  };

  store.on('dmOpen', ({ peer: user }) => open(user, true));
  store.on('dm', ({ peer: id }) => {
    if (peer?.id === id) {
      view?.render();
      if (document.visibilityState === 'visible') store.markDmRead(id);
      return;
    }
    const convo = store.dms.get(id);
    const last = convo?.messages[convo.messages.length - 1];
    if (!convo || !last || last.own || convo.unread === 0) return;
    // A message from someone else: open it when no conversation is on screen, otherwise say so.
    if (!peer) open(convo.peer, false);
    else app.toast(`New message from ${convo.peer.name}`, 'info');
  });
  document.addEventListener('visibilitychange', () => {
    if (peer && document.visibilityState === 'visible') store.markDmRead(peer.id);
  });
  app.on('identity', close);
  return el;
}

interface DmWindow {
  root: HTMLElement;
  render(): void;
  focus(): void;
  destroy(): void;
}

function dmWindow(app: App, peer: UserRef, onClose: () => void): DmWindow {
  const store = app.presence;
  const titleId = `dm-title-${Math.random().toString(36).slice(2, 8)}`;
  const line = h('span', { class: 'dm-window__presence', testid: 'dm-presence' });
  const list = h('ol', { class: 'dm-window__messages', testid: 'dm-messages', 'aria-live': 'polite' });
  const notice = h('p', { class: 'dm-window__notice', testid: 'dm-notice', hidden: true });
  const input = h('textarea', {
    class: 'composer__input dm-window__input',
    testid: 'dm-composer',
    rows: 1,
    placeholder: `Message ${peer.name}`,
    'aria-label': `Message to ${peer.name}`,
    autocomplete: 'off',
    enterkeyhint: 'send',
  });
  const sendBtn = h(
    'button',
    {
      type: 'submit',
      class: 'composer__send',
      testid: 'dm-send',
      'aria-label': 'Send',
      title: 'Send (Enter)',
    },
    icon(ICONS.send),
  );
  const form = h(
    'form',
    { class: 'dm-window__composer', 'aria-label': `Send ${peer.name} a message` },
    h('div', { class: 'composer__box' }, input, sendBtn),
  );
  const root = h(
    'section',
    {
      class: 'dm-window',
      testid: 'dm-window',
      dataset: { user: peer.id },
      role: 'region',
      'aria-labelledby': titleId,
    },
    h(
      'header',
      { class: 'dm-window__head' },
      h('span', { class: 'contact__avatar' }, avatar(peer, 32), presenceDot(peer.id)),
      h(
        'div',
        { class: 'dm-window__who' },
        h('h2', { class: 'dm-window__name', id: titleId }, peer.name),
        line,
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'icon-btn',
          testid: 'dm-close',
          'aria-label': `Close the conversation with ${peer.name}`,
          title: 'Close',
          on: { click: onClose },
        },
        icon(ICONS.x),
      ),
    ),
    list,
    notice,
    form,
  );

  const syncButton = (): void => {
    sendBtn.disabled = input.value.trim() === '';
  };
  const submit = (): void => {
    const text = input.value.trim();
    if (!text) return;
    if (text.length > MAX_DM_LENGTH) {
      input.setCustomValidity(`At most ${MAX_DM_LENGTH} characters.`);
      input.reportValidity();
      return;
    }
    input.value = '';
    autoGrow(input);
    syncButton();
    void store.sendDm(peer, text);
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
    input.focus();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    }
  });
  input.addEventListener('input', () => {
    input.setCustomValidity('');
    autoGrow(input);
    syncButton();
  });
  syncButton();

  const renderPresence = (): void => {
    const p = store.presenceOf(peer.id);
    line.textContent = p ? presenceLine(p) : store.isContact(peer.id) ? '' : 'Not a contact';
    root.dataset['state'] = p?.state ?? 'unknown';
    // Say beforehand what will happen to a message, when their presence tells.
    const text = dmNotice(peer.name, p?.state, store.isContact(peer.id));
    notice.textContent = text;
    notice.hidden = text === '';
  };

  const render = (): void => {
    renderPresence();
    const convo = store.dms.get(peer.id);
    const messages = convo?.messages ?? [];
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    if (messages.length === 0) {
      replaceChildren(
        list,
        h(
          'li',
          { class: 'dm-window__empty muted small' },
          `Messages between you and ${peer.name} show up here.`,
        ),
      );
    } else {
      replaceChildren(list, ...messages.map((m) => messageRow(m, peer)));
    }
    if (atBottom || messages[messages.length - 1]?.own) list.scrollTop = list.scrollHeight;
  };

  const offPresence = store.on('presence', (changed) => {
    if (changed.size === 0 || changed.has(peer.id)) renderPresence();
  });
  const offContacts = store.on('contacts', renderPresence);

  return {
    root,
    render,
    focus: () => input.focus({ preventScroll: true }),
    destroy: () => {
      offPresence();
      offContacts();
      root.remove();
    },
  };
}

function messageRow(m: DmMessage, peer: UserRef): HTMLLIElement {
  const body = h('div', { class: 'dm-msg__text' });
  // The server renders markdown and sanitizes it: `html` is safe to insert; `text` never is.
  if (m.html !== null) body.innerHTML = m.html;
  else body.textContent = m.text;
  let status: Node | null = null;
  if (m.status === 'sending') status = h('span', { class: 'dm-msg__status' }, 'Sending…');
  else if (m.status === 'delivered') status = h('span', { class: 'dm-msg__status' }, 'Delivered');
  else if (m.status === 'queued')
    status = h(
      'span',
      { class: 'dm-msg__status dm-msg__status--queued', testid: 'dm-queued' },
      `Kept for ${peer.name}: will be delivered when they are back`,
    );
  else if (m.status === 'failed')
    status = h(
      'span',
      { class: 'dm-msg__status dm-msg__status--failed', testid: 'dm-error', role: 'alert' },
      m.error,
    );
  else if (m.offline) status = h('span', { class: 'dm-msg__status' }, 'Sent while you were away');
  return h(
    'li',
    {
      class: `dm-msg${m.own ? ' dm-msg--own' : ''} is-${m.status}`,
      testid: 'dm-message',
      dataset: {
        own: String(m.own),
        status: m.status,
        offline: String(m.offline),
        ...(m.id ? { id: m.id } : {}),
      },
    },
    body,
    h(
      'div',
      { class: 'dm-msg__meta' },
      h('time', { datetime: new Date(m.ts).toISOString(), title: fullDate(m.ts) }, clockTime(m.ts)),
      status,
    ),
  );
}
