/**
 * One timeline row — a chat message or a small notice ("Alice joined") — and our own messages on
 * their way. Rows are drawn from the timeline's items as they are now; the message list decides
 * grouping, day dividers and which row is being edited.
 */
import { useSignal } from '@preact/signals';
import { memo } from 'preact/compat';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { ICONS } from '../ui/icons.ts';
import { clockTime, fullDate } from '../format.ts';
import type { PendingMessage } from '../room-store.ts';
import type { TimelineMessage, TimelineNotice } from '../timeline.ts';
import { autoGrow } from '../ui/auto-grow.ts';
import { Avatar } from '../ui/avatar.tsx';
import { Icon } from '../ui/icon.tsx';
import { UserDot } from '../ui/presence-dot.tsx';
import { Attachment, MessageTools, ReactionBar, ReplyQuote, type ExtraActions } from './message-extras.tsx';
import { highlightMentions } from '../mentions.ts';
import { foreignId } from '../names.ts';

const FLAG_ICON = 'M4 15s1-1 4-1 5 2 8 2 4-1 4-1V3s-1 1-4 1-5-2-8-2-4 1-4 1z|M4 22v-7';

export interface MessageActions {
  me(): string | null;
  /** Name and avatar to show on our own pending messages. */
  meUser(): { name: string; avatar: string } | null;
  edit(msg: TimelineMessage, text: string): Promise<void>;
  remove(msg: TimelineMessage): Promise<void>;
  /** A pending message of ours that failed: send it again, or drop it. */
  resend(nonce: string): void;
  discard(nonce: string): void;
  /** Replies, reactions, files (absent: the row shows none of their buttons). */
  extras?: ExtraActions;
  /** Owners and admins may delete anyone's message. */
  canModerate?(): boolean;
  /** Report someone else's message to the room's admins. */
  report?(msg: TimelineMessage): void;
}

function Time({ ts, hidden = false }: { ts: number; hidden?: boolean }) {
  return (
    <time
      class="msg__time"
      dateTime={new Date(ts).toISOString()}
      title={fullDate(ts)}
      aria-hidden={hidden ? 'true' : undefined}
    >
      {clockTime(ts)}
    </time>
  );
}

export const NoticeRow = memo(function NoticeRow({
  item,
  day,
}: {
  item: TimelineNotice;
  day: string | undefined;
}) {
  return (
    <li class="notice" data-testid="notice" data-seq={String(item.seq)} data-day={day}>
      <span class="notice__text">{item.text}</span> <Time ts={item.ts} />
    </li>
  );
});

/**
 * A message row. Rows only render again when what they show changed: the timeline edits its
 * items in place, so what an edit or delete changes (`html`, `deleted`, `edited`, `reactions`) is passed as
 * props of its own for `memo` to compare; a long timeline then costs one row per change.
 */
export const MessageRow = memo(function MessageRow({
  msg,
  own,
  cont,
  day,
  editing,
  setEditing,
  actions,
}: {
  msg: TimelineMessage;
  html: string;
  deleted: boolean;
  edited: number | undefined;
  /** A new object on every change (the timeline replaces it), so a reaction re-renders the row. */
  reactions: Record<string, string[]> | undefined;
  own: boolean;
  /** Grouped under the previous message's avatar. */
  cont: boolean;
  day: string | undefined;
  editing: boolean;
  setEditing(seq: number, editing: boolean): void;
  actions: MessageActions;
}) {
  const cls = [
    'msg',
    own && 'msg--own',
    msg.deleted && 'msg--deleted',
    cont && 'msg--cont',
    editing && 'is-editing',
    !own && !msg.deleted && msg.mentions?.includes(actions.me() ?? '') && 'msg--mention',
  ];
  const extras = actions.extras;
  return (
    <li
      class={cls.filter(Boolean).join(' ')}
      data-testid="message"
      data-seq={String(msg.seq)}
      data-own={String(own)}
      data-user={msg.from.id}
      data-day={day}
    >
      <div class="msg__gutter">
        <Avatar user={msg.from} size={36} extraClass="msg__avatar" />
        <UserDot user={msg.from.id} extraClass="msg__dot" />
        <Time ts={msg.ts} hidden />
      </div>
      <div class="msg__main">
        <div class="msg__meta">
          <span class="msg__author">{extras ? extras.label(msg.from) : msg.from.name}</span>
          {foreignId(msg.from.id) && (
            <span class="msg__server" data-testid="message-server">
              {foreignId(msg.from.id)}
            </span>
          )}
          <Time ts={msg.ts} />
          {msg.edited !== undefined && !msg.deleted && (
            <span class="msg__edited" title={`Edited ${fullDate(msg.edited)}`}>
              (edited)
            </span>
          )}
        </div>
        {msg.reply && extras && <ReplyQuote reply={msg.reply} jump={extras.jump} />}
        {editing ? (
          <EditForm msg={msg} actions={actions} done={() => setEditing(msg.seq, false)} />
        ) : msg.deleted ? (
          <div class="msg__text" data-testid="message-text">
            {msg.removedByModerator === true ||
            (msg.deletedBy !== undefined && msg.deletedBy !== msg.from.id) ? (
              <em class="msg__deleted" data-testid="removed-by-moderator">
                removed by a moderator
              </em>
            ) : (
              <em class="msg__deleted">message deleted</em>
            )}
          </div>
        ) : (
          // The server renders markdown and sanitizes the result (allowlisted tags, safe links
          // only): `html` is safe to insert. `text` is never inserted as HTML.
          // highlightMentions only wraps escaped `@name` text of mentioned members in a span.
          <div
            class="msg__text"
            data-testid="message-text"
            dangerouslySetInnerHTML={{
              __html:
                extras && msg.mentions
                  ? highlightMentions(msg.html, msg.mentions, (id) =>
                      extras.nameOf(id).replace(/ \([^)]*\)$/, ''),
                    )
                  : msg.html,
            }}
          />
        )}
        {msg.file && extras && !msg.deleted && <Attachment file={msg.file} token={extras.token} />}
        {extras && !msg.deleted && <ReactionBar msg={msg} me={actions.me()} actions={extras} />}
      </div>
      {extras && !msg.deleted && !editing && <MessageTools msg={msg} me={actions.me()} actions={extras} />}
      {!own && !msg.deleted && (actions.report || actions.canModerate?.()) && (
        <div class="msg__actions">
          {actions.report && (
            <button
              type="button"
              class="icon-btn"
              data-testid="report-message"
              aria-label="Report message"
              title="Report to the room’s admins"
              onClick={() => actions.report?.(msg)}
            >
              <Icon paths={FLAG_ICON} />
            </button>
          )}
          {actions.canModerate?.() && (
            <button
              type="button"
              class="icon-btn icon-btn--danger"
              data-testid="moderator-delete-message"
              aria-label="Remove message"
              title="Remove (as a moderator)"
              onClick={() => {
                if (window.confirm(`Remove ${msg.from.name}’s message for everyone?`))
                  void actions.remove(msg);
              }}
            >
              <Icon paths={ICONS.trash} />
            </button>
          )}
        </div>
      )}
      {own && !msg.deleted && !editing && (
        <div class="msg__actions">
          <button
            type="button"
            class="icon-btn"
            data-testid="edit-message"
            aria-label="Edit message"
            title="Edit"
            onClick={() => setEditing(msg.seq, true)}
          >
            <Icon paths={ICONS.edit} />
          </button>
          <button
            type="button"
            class="icon-btn icon-btn--danger"
            data-testid="delete-message"
            aria-label="Delete message"
            title="Delete"
            onClick={() => {
              if (window.confirm('Delete this message for everyone?')) void actions.remove(msg);
            }}
          >
            <Icon paths={ICONS.trash} />
          </button>
        </div>
      )}
    </li>
  );
});

/** The inline editor: Enter saves, Shift+Enter is a newline, Escape cancels. */
function EditForm({ msg, actions, done }: { msg: TimelineMessage; actions: MessageActions; done(): void }) {
  const input = useRef<HTMLTextAreaElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const busy = useSignal(false);
  useLayoutEffect(() => {
    const area = input.current;
    if (!area) return;
    area.value = msg.text;
    autoGrow(area);
    area.focus({ preventScroll: true });
    area.setSelectionRange(area.value.length, area.value.length);
    // Show the whole editor, buttons included (a plain focus would only bring the textarea in).
    form.current?.scrollIntoView({ block: 'nearest' });
    // Only when the editor opens: later renders must not reset what is being typed.
  }, []);
  const save = async (): Promise<void> => {
    const text = input.current?.value.trim() ?? '';
    if (text === '' || text === msg.text.trim()) {
      done();
      return;
    }
    busy.value = true;
    try {
      await actions.edit(msg, text);
      done();
    } catch {
      busy.value = false;
      // Focus once the textarea is enabled again (after this render).
      window.setTimeout(() => input.current?.focus(), 0);
    }
  };
  return (
    <form
      class="msg__edit"
      ref={form}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <textarea
        class="input msg__edit-input"
        data-testid="edit-input"
        aria-label="Edit message"
        rows={1}
        ref={input}
        disabled={busy.value}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            done();
          } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void save();
          }
        }}
        onInput={(e) => autoGrow(e.currentTarget)}
      />
      <div class="msg__edit-buttons">
        <span class="muted small">Enter to save · Esc to cancel</span>
        <button type="button" class="btn btn--small" onClick={done}>
          Cancel
        </button>
        <button type="submit" class="btn btn--small btn--primary" data-testid="edit-save">
          Save
        </button>
      </div>
    </form>
  );
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
export function PendingRow({
  msg,
  me,
  actions,
}: {
  msg: PendingMessage;
  me: { name: string; avatar: string } | null;
  actions: Pick<MessageActions, 'resend' | 'discard'>;
}) {
  const failed = msg.state === 'failed';
  return (
    <li
      class={`msg msg--own msg--pending${failed ? ' msg--failed' : ''}`}
      data-testid="message-pending"
      data-nonce={msg.nonce}
      data-state={msg.state}
    >
      <div class="msg__gutter">{me && <Avatar user={me} size={36} extraClass="msg__avatar" />}</div>
      <div class="msg__main">
        <div class="msg__meta">
          <span class="msg__author">{me?.name ?? 'You'}</span>
          <span class="msg__time" data-testid="pending-state">
            {PENDING_LABEL[msg.state]}
          </span>
        </div>
        <div class="msg__text msg__text--plain">{msg.text}</div>
        {failed && (
          <div class="msg__failed" role="alert">
            <span class="msg__error" data-testid="pending-error">
              {msg.error ?? ''}
            </span>
            <button
              type="button"
              class="btn btn--small"
              data-testid="pending-retry"
              onClick={() => actions.resend(msg.nonce)}
            >
              Retry
            </button>
            <button
              type="button"
              class="btn btn--small"
              data-testid="pending-discard"
              onClick={() => actions.discard(msg.nonce)}
            >
              Discard
            </button>
          </div>
        )}
      </div>
    </li>
  );
}
