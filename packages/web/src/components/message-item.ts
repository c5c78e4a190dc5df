import { h, icon, ICONS, replaceChildren } from '../dom.ts';
import { clockTime, fullDate } from '../format.ts';
import type { PendingMessage } from '../room-store.ts';
import type { TimelineItem, TimelineMessage } from '../timeline.ts';
import { avatar } from './avatar.ts';
import { presenceDot } from './presence-dot.ts';

export interface MessageActions {
  me(): string | null;
  /** Name and avatar to show on our own pending messages. */
  meUser(): { name: string; avatar: string } | null;
  edit(msg: TimelineMessage, text: string): Promise<void>;
  remove(msg: TimelineMessage): Promise<void>;
  /** A pending message of ours that failed: send it again, or drop it. */
  resend(nonce: string): void;
  discard(nonce: string): void;
}

function timeEl(ts: number, hidden = false): HTMLTimeElement {
  return h(
    'time',
    {
      class: 'msg__time',
      datetime: new Date(ts).toISOString(),
      title: fullDate(ts),
      'aria-hidden': hidden ? 'true' : undefined,
    },
    clockTime(ts),
  );
}

/** One timeline row: a chat message or a small notice ("Alice joined"). */
export function renderItem(item: TimelineItem, actions: MessageActions): HTMLLIElement {
  if (item.kind === 'notice') {
    return h(
      'li',
      { class: 'notice', testid: 'notice', dataset: { seq: String(item.seq) } },
      h('span', { class: 'notice__text' }, item.text),
      ' ',
      timeEl(item.ts),
    );
  }
  const own = item.from.id === actions.me();
  const el = h('li', {
    class: `msg${own ? ' msg--own' : ''}`,
    testid: 'message',
    dataset: { seq: String(item.seq), own: String(own), user: item.from.id },
  });
  fillMessage(el, item, actions);
  return el;
}

const PENDING_LABEL: Record<PendingMessage['state'], string> = {
  sending: 'Sending…',
  waiting: 'Not sent yet: it goes when the connection is back',
  failed: 'Not sent',
};

/**
 * Our message on its way: plain text (no markdown yet) and where it is instead of a time. A
 * failed one says why and offers Retry and Discard.
 */
export function renderPending(
  msg: PendingMessage,
  me: { name: string; avatar: string } | null,
  actions: Pick<MessageActions, 'resend' | 'discard'>,
): HTMLLIElement {
  const failed = msg.state === 'failed';
  return h(
    'li',
    {
      class: `msg msg--own msg--pending${failed ? ' msg--failed' : ''}`,
      testid: 'message-pending',
      dataset: { nonce: msg.nonce, state: msg.state },
    },
    h('div', { class: 'msg__gutter' }, me ? avatar(me, 36, 'msg__avatar') : null),
    h(
      'div',
      { class: 'msg__main' },
      h(
        'div',
        { class: 'msg__meta' },
        h('span', { class: 'msg__author' }, me?.name ?? 'You'),
        h('span', { class: 'msg__time', testid: 'pending-state' }, PENDING_LABEL[msg.state]),
      ),
      h('div', { class: 'msg__text msg__text--plain' }, msg.text),
      failed
        ? h(
            'div',
            { class: 'msg__failed', role: 'alert' },
            h('span', { class: 'msg__error', testid: 'pending-error' }, msg.error ?? ''),
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn--small',
                testid: 'pending-retry',
                on: { click: () => actions.resend(msg.nonce) },
              },
              'Retry',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn--small',
                testid: 'pending-discard',
                on: { click: () => actions.discard(msg.nonce) },
              },
              'Discard',
            ),
          )
        : null,
    ),
  );
}

/** (Re)fill a message row, e.g. after an edit or delete. */
export function fillMessage(el: HTMLLIElement, msg: TimelineMessage, actions: MessageActions): void {
  const own = el.dataset['own'] === 'true';
  el.classList.toggle('msg--deleted', msg.deleted);
  const body = h('div', { class: 'msg__text', testid: 'message-text' });
  if (msg.deleted) {
    body.appendChild(h('em', { class: 'msg__deleted' }, 'message deleted'));
  } else {
    // The server renders markdown and sanitizes the result (allowlisted tags, safe links only):
    // `html` is safe to insert. `text` is never inserted as HTML.
    body.innerHTML = msg.html;
  }
  const meta = h(
    'div',
    { class: 'msg__meta' },
    h('span', { class: 'msg__author' }, msg.from.name),
    timeEl(msg.ts),
    msg.edited !== undefined && !msg.deleted
      ? h('span', { class: 'msg__edited', title: `Edited ${fullDate(msg.edited)}` }, '(edited)')
      : null,
  );
  const tools =
    own && !msg.deleted
      ? h(
          'div',
          { class: 'msg__actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'icon-btn',
              testid: 'edit-message',
              'aria-label': 'Edit message',
              title: 'Edit',
              on: { click: () => startEdit(el, msg, actions) },
            },
            icon(ICONS.edit),
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'icon-btn icon-btn--danger',
              testid: 'delete-message',
              'aria-label': 'Delete message',
              title: 'Delete',
              on: {
                click: () => {
                  if (window.confirm('Delete this message for everyone?')) void actions.remove(msg);
                },
              },
            },
            icon(ICONS.trash),
          ),
        )
      : null;
  replaceChildren(
    el,
    h(
      'div',
      { class: 'msg__gutter' },
      avatar(msg.from, 36, 'msg__avatar'),
      presenceDot(msg.from.id, undefined, 'msg__dot'),
      timeEl(msg.ts, true),
    ),
    h('div', { class: 'msg__main' }, meta, body),
    tools,
  );
}

/** Swap the text for an inline editor: Enter saves, Shift+Enter is a newline, Escape cancels. */
export function startEdit(el: HTMLLIElement, msg: TimelineMessage, actions: MessageActions): void {
  const body = el.querySelector<HTMLElement>('.msg__text');
  if (!body || el.classList.contains('is-editing')) return;
  el.classList.add('is-editing');
  const input = h('textarea', {
    class: 'input msg__edit-input',
    testid: 'edit-input',
    'aria-label': 'Edit message',
    rows: 1,
  });
  input.value = msg.text;
  const cancel = (): void => {
    el.classList.remove('is-editing');
    fillMessage(el, msg, actions);
  };
  const save = async (): Promise<void> => {
    const text = input.value.trim();
    if (text === '' || text === msg.text.trim()) {
      cancel();
      return;
    }
    input.disabled = true;
    try {
      await actions.edit(msg, text);
      el.classList.remove('is-editing');
      fillMessage(el, msg, actions);
    } catch {
      input.disabled = false;
      input.focus();
    }
  };
  const form = h(
    'form',
    {
      class: 'msg__edit',
      on: {
        submit: (e) => {
          e.preventDefault();
          void save();
        },
      },
    },
    input,
    h(
      'div',
      { class: 'msg__edit-buttons' },
      h('span', { class: 'muted small' }, 'Enter to save · Esc to cancel'),
      h('button', { type: 'button', class: 'btn btn--small', on: { click: cancel } }, 'Cancel'),
      h('button', { type: 'submit', class: 'btn btn--small btn--primary', testid: 'edit-save' }, 'Save'),
    ),
  );
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      cancel();
    } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void save();
    }
  });
  input.addEventListener('input', () => autoGrow(input));
  body.replaceWith(form);
  el.querySelector('.msg__actions')?.remove();
  autoGrow(input);
  input.focus({ preventScroll: true });
  input.setSelectionRange(input.value.length, input.value.length);
  // Show the whole editor, buttons included (a plain focus would only bring the textarea in).
  form.scrollIntoView({ block: 'nearest' });
}

/** Grow a textarea with its content up to its CSS max-height. */
export function autoGrow(area: HTMLTextAreaElement): void {
  area.style.height = 'auto';
  area.style.height = `${area.scrollHeight + 2}px`;
}
