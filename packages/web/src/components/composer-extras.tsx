/**
 * The composer's extras: the message being replied to, the `@name` menu (members of the room),
 * the attach button with upload progress, and drafts kept per room across reloads.
 */
import type { Member } from '@presence/protocol';
import { useRef } from 'preact/hooks';
import { Icon } from '../ui/icon.tsx';
import './chat-extras.css';

export interface ReplyTarget {
  seq: number;
  name: string;
  text: string;
}

export function ReplyBanner({ reply, cancel }: { reply: ReplyTarget; cancel(): void }) {
  return (
    <div class="composer__reply" data-testid="composer-reply">
      <span>
        Replying to <strong>{reply.name}</strong>
      </span>
      <span class="composer__reply-text muted">{reply.text}</span>
      <button
        type="button"
        class="icon-btn"
        aria-label="Cancel reply"
        data-testid="cancel-reply"
        onClick={cancel}
      >
        <Icon paths="M18 6 6 18|M6 6l12 12" />
      </button>
    </div>
  );
}

/** Members whose name starts with (then contains) the query, case-insensitively; at most 8. */
export function matchMembers(members: readonly Member[], query: string, me: string | null): Member[] {
  const q = query.toLowerCase();
  const others = members.filter((m) => m.id !== me);
  const starts = others.filter((m) => m.name.toLowerCase().startsWith(q));
  const contains = others.filter(
    (m) => !m.name.toLowerCase().startsWith(q) && m.name.toLowerCase().includes(q),
  );
  return [...starts, ...contains].slice(0, 8);
}

export function MentionMenu({
  matches,
  active,
  pick,
  label,
}: {
  matches: Member[];
  active: number;
  pick(m: Member): void;
  /** The name as shown, told apart from same-named members. */
  label(m: Member): string;
}) {
  if (matches.length === 0) return null;
  return (
    <ul class="mention-menu" role="listbox" data-testid="mention-menu" aria-label="Mention someone">
      {matches.map((m, i) => (
        <li key={m.id} role="option" aria-selected={i === active ? 'true' : 'false'}>
          <button
            type="button"
            class={`mention-menu__item${i === active ? ' is-active' : ''}`}
            data-testid="mention-option"
            data-user={m.id}
            // mousedown keeps the textarea's focus and caret.
            onMouseDown={(e) => {
              e.preventDefault();
              pick(m);
            }}
          >
            {label(m)}
          </button>
        </li>
      ))}
    </ul>
  );
}

export function AttachButton({ attach, disabled }: { attach(file: File): void; disabled: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        type="file"
        hidden
        ref={input}
        data-testid="attach-input"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (file) attach(file);
        }}
      />
      <button
        type="button"
        class="composer__attach icon-btn"
        data-testid="attach"
        aria-label="Attach a file or image"
        title="Attach a file or image"
        disabled={disabled}
        onClick={() => input.current?.click()}
      >
        <Icon paths="M21.44 11.05 12.25 20.24a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48" />
      </button>
    </>
  );
}

export function UploadProgress({ name, fraction }: { name: string; fraction: number }) {
  return (
    <div class="upload-progress" data-testid="upload-progress" role="status">
      <span>Uploading {name}…</span>
      <progress max={1} value={fraction} />
      <span>{Math.round(fraction * 100)}%</span>
    </div>
  );
}

const DRAFT_PREFIX = 'presence-draft:';

/** The draft kept for a room in this browser (localStorage, so it survives a reload). */
export function loadDraft(key: string): string {
  try {
    return localStorage.getItem(DRAFT_PREFIX + key) ?? '';
  } catch {
    return '';
  }
}

export function saveDraft(key: string, text: string): void {
  try {
    if (text.trim() === '') localStorage.removeItem(DRAFT_PREFIX + key);
    else localStorage.setItem(DRAFT_PREFIX + key, text);
  } catch {
    // Storage full or disabled: drafts are a convenience.
  }
}
