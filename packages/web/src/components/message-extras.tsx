/**
 * What a message row shows besides its text: the message it replies to, its reactions (toggle,
 * count, who on hover), its file (an image inline at preview size, anything else a download card),
 * and the reply / react buttons every message has.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { downloadFile } from '@presence/client';
import type { FileRef, ReplyRef } from '@presence/protocol';
import type { TimelineMessage } from '../timeline.ts';
import { Icon } from '../ui/icon.tsx';
import './chat-extras.css';

/** Feather-style paths for the buttons here. */
const REPLY_ICON = 'M9 14 4 9l5-5|M20 20v-7a4 4 0 0 0-4-4H4';
const SMILE_ICON = 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20z|M8 14s1.5 2 4 2 4-2 4-2|M9 9h.01|M15 9h.01';

/** What the rows need from the room and the app for these parts. */
export interface ExtraActions {
  react(msg: TimelineMessage, emoji: string, on: boolean): void;
  reply(msg: TimelineMessage): void;
  /** Scroll to a message and flash it (a reply's quote). */
  jump(seq: number): void;
  /** A member's display name, for "who reacted". */
  nameOf(userId: string): string;
  /** A name as shown, told apart from members with the same name. */
  label(user: { id: string; name: string }): string;
  /** The session token, to fetch files. */
  token(): string | null;
}

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀'] as const;

export function ReplyQuote({ reply, jump }: { reply: ReplyRef; jump(seq: number): void }) {
  return (
    <button
      type="button"
      class="msg__reply"
      data-testid="reply-quote"
      data-seq={String(reply.seq)}
      title="Show the message this replies to"
      onClick={() => jump(reply.seq)}
    >
      <span class="msg__reply-name">{reply.name}</span>
      <span class="msg__reply-text">{reply.text}</span>
    </button>
  );
}

export function ReactionBar({
  msg,
  me,
  actions,
}: {
  msg: TimelineMessage;
  me: string | null;
  actions: ExtraActions;
}) {
  const entries = Object.entries(msg.reactions ?? {});
  if (entries.length === 0) return null;
  return (
    <div class="reactions" data-testid="reactions">
      {entries.map(([emoji, users]) => {
        const mine = me !== null && users.includes(me);
        const who = users.map((u) => (u === me ? 'You' : actions.nameOf(u))).join(', ');
        return (
          <button
            key={emoji}
            type="button"
            class={`reaction${mine ? ' is-mine' : ''}`}
            data-testid="reaction"
            data-emoji={emoji}
            aria-pressed={mine ? 'true' : 'false'}
            title={`${who} reacted with ${emoji}`}
            aria-label={`${emoji} ${users.length}: ${who}`}
            onClick={() => actions.react(msg, emoji, !mine)}
          >
            <span class="reaction__emoji">{emoji}</span>
            <span class="reaction__count" data-testid="reaction-count">
              {users.length}
            </span>
          </button>
        );
      })}
    </div>
  );
}

/** Reply and react buttons, shown on hover or focus like the edit buttons. */
export function MessageTools({
  msg,
  me,
  actions,
}: {
  msg: TimelineMessage;
  me: string | null;
  actions: ExtraActions;
}) {
  const picking = useSignal(false);
  return (
    <div class={`msg__tools${picking.value ? ' is-open' : ''}`}>
      <button
        type="button"
        class="icon-btn"
        data-testid="reply-message"
        aria-label="Reply"
        title="Reply"
        onClick={() => actions.reply(msg)}
      >
        <Icon paths={REPLY_ICON} />
      </button>
      <button
        type="button"
        class="icon-btn"
        data-testid="react-message"
        aria-label="Add a reaction"
        aria-expanded={picking.value ? 'true' : 'false'}
        title="React"
        onClick={() => (picking.value = !picking.value)}
      >
        <Icon paths={SMILE_ICON} />
      </button>
      {picking.value && (
        <div class="emoji-picker" role="menu" data-testid="emoji-picker">
          {QUICK_REACTIONS.map((emoji) => (
            <button
              key={emoji}
              type="button"
              role="menuitem"
              class="emoji-picker__item"
              data-testid="pick-emoji"
              data-emoji={emoji}
              onClick={() => {
                picking.value = false;
                const mine = me !== null && (msg.reactions?.[emoji] ?? []).includes(me);
                actions.react(msg, emoji, !mine);
              }}
            >
              {emoji}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** Largest preview of an inline image, in CSS pixels. */
const PREVIEW = { w: 360, h: 280 };

function previewSize(file: FileRef): { width: number; height: number } | null {
  if (!file.w || !file.h) return null;
  const scale = Math.min(1, PREVIEW.w / file.w, PREVIEW.h / file.h);
  return { width: Math.max(1, Math.round(file.w * scale)), height: Math.max(1, Math.round(file.h * scale)) };
}

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * An attached file. Files are members-only, so they are fetched with the session token and shown
 * from a blob: URL (an <img src> could not send the token).
 */
export function Attachment({ file, token }: { file: FileRef; token: () => string | null }) {
  const url = useSignal<string | null>(null);
  const failed = useSignal(false);
  const image = INLINE.has(file.type);
  useEffect(() => {
    if (!image) return;
    let live = true;
    let made: string | null = null;
    void downloadFile(file.id, { token: token() ?? '' }).then(
      (blob) => {
        if (!live) return;
        made = URL.createObjectURL(blob);
        url.value = made;
      },
      () => {
        if (live) failed.value = true;
      },
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [file.id]);

  const download = async (): Promise<void> => {
    try {
      const blob = await downloadFile(file.id, { token: token() ?? '' });
      const href = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = href;
      a.download = file.name;
      a.click();
      window.setTimeout(() => URL.revokeObjectURL(href), 10_000);
    } catch {
      failed.value = true;
    }
  };

  if (image && !failed.value) {
    const size = previewSize(file);
    return (
      <div class="attachment attachment--image" data-testid="attachment-image">
        {url.value ? (
          <img
            src={url.value}
            alt={file.name}
            data-testid="attachment-img"
            {...(size ? { width: size.width, height: size.height } : {})}
            class="attachment__img"
          />
        ) : (
          <div
            class="attachment__placeholder"
            style={size ? { width: `${size.width}px`, height: `${size.height}px` } : {}}
          />
        )}
      </div>
    );
  }
  return (
    <div class="attachment attachment--file" data-testid="attachment-file">
      <span class="attachment__icon">
        <Icon paths="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z|M14 2v6h6" />
      </span>
      <span class="attachment__name">{file.name}</span>
      <span class="attachment__size muted small">{sizeText(file.size)}</span>
      <button
        type="button"
        class="btn btn--small"
        data-testid="attachment-download"
        onClick={() => void download()}
      >
        Download
      </button>
      {failed.value && <span class="muted small">Not available</span>}
    </div>
  );
}
