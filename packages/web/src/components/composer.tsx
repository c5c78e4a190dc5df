/** The message box: Enter sends, Shift+Enter is a newline; reports typing while keys are pressed. */
import { useSignal } from '@preact/signals';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { ICONS } from '../ui/icons.ts';
import { TypingSender } from '../typing.ts';
import { autoGrow } from '../ui/auto-grow.ts';
import { Icon } from '../ui/icon.tsx';
import type { Member } from '@presence/protocol';
import { mentionedIds, mentionQuery } from '../mentions.ts';
import {
  AttachButton,
  loadDraft,
  matchMembers,
  MentionMenu,
  ReplyBanner,
  saveDraft,
  UploadProgress,
  type ReplyTarget,
} from './composer-extras.tsx';

export interface ComposerProps {
  /** "Message <label>" in the empty box. */
  roomLabel: string;
  maxLength: () => number;
  /** Takes the message over (shown as pending in the timeline); the composer is cleared. */
  send(text: string, mentions: string[]): void;
  /** Kept per room across reloads under this key. */
  draftKey?: string;
  /** Members for `@name` completion, and the label that tells same-named ones apart. */
  members?: () => Member[];
  memberLabel?: (m: Member) => string;
  me?: () => string | null;
  replyTo?: ReplyTarget | null;
  cancelReply?: () => void;
  attach?: (file: File) => void;
  upload?: { name: string; fraction: number } | null;
  typing(typing: boolean): void;
  /** ArrowUp in an empty composer: edit the last own message. Returns whether it did. */
  editLast(): boolean;
  /** Focus the box once shown. */
  autoFocus?: boolean;
}

export function Composer({
  roomLabel,
  maxLength,
  send,
  typing,
  editLast,
  autoFocus = false,
  draftKey,
  members,
  memberLabel = (m) => m.name,
  me = () => null,
  replyTo = null,
  cancelReply = () => undefined,
  attach,
  upload = null,
}: ComposerProps) {
  const input = useRef<HTMLTextAreaElement>(null);
  const empty = useSignal(true);
  /** Members picked from the menu (id → name): mentioned if `@name` is still in the text. */
  const picked = useRef(new Map<string, string>());
  const mention = useSignal<{ start: number; matches: Member[]; active: number } | null>(null);
  useEffect(() => {
    const area = input.current;
    if (!area || draftKey === undefined) return;
    area.value = loadDraft(draftKey);
    autoGrow(area);
    empty.value = area.value.trim() === '';
  }, [draftKey]);
  useEffect(() => {
    if (replyTo) input.current?.focus();
  }, [replyTo?.seq]);
  const findMention = (area: HTMLTextAreaElement): void => {
    const q = members ? mentionQuery(area.value, area.selectionStart) : null;
    const matches = q && members ? matchMembers(members(), q.query, me()) : [];
    mention.value = q && matches.length > 0 ? { start: q.start, matches, active: 0 } : null;
  };
  const pick = (m: Member): void => {
    const area = input.current;
    const at = mention.value;
    if (!area || !at) return;
    const caret = area.selectionStart;
    const insert = `@${m.name} `;
    area.value = area.value.slice(0, at.start) + insert + area.value.slice(caret);
    const pos = at.start + insert.length;
    area.setSelectionRange(pos, pos);
    picked.current.set(m.id, m.name);
    mention.value = null;
    empty.value = false;
    if (draftKey !== undefined) saveDraft(draftKey, area.value);
    area.focus();
  };
  const report = useRef(typing);
  report.current = typing;
  const sender = useMemo(() => new TypingSender((t) => report.current(t)), []);
  useEffect(() => () => sender.stop(), [sender]);
  useEffect(() => {
    if (autoFocus) input.current?.focus({ preventScroll: true });
  }, []);

  const submit = (): void => {
    const area = input.current;
    if (!area) return;
    const text = area.value.trim();
    if (!text) return;
    if (text.length > maxLength()) {
      area.setCustomValidity(`At most ${maxLength()} characters.`);
      area.reportValidity();
      return;
    }
    sender.stop();
    area.value = '';
    autoGrow(area);
    empty.value = true;
    mention.value = null;
    if (draftKey !== undefined) saveDraft(draftKey, '');
    const ids = mentionedIds(text, picked.current);
    picked.current.clear();
    send(text, ids);
  };

  return (
    <form
      class="composer"
      aria-label="Send a message"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
        input.current?.focus();
      }}
    >
      <label class="sr-only" for="composer-input">
        Message
      </label>
      {replyTo && <ReplyBanner reply={replyTo} cancel={cancelReply} />}
      {upload && <UploadProgress name={upload.name} fraction={upload.fraction} />}
      <div class="composer__box">
        {mention.value && (
          <MentionMenu
            matches={mention.value.matches}
            active={mention.value.active}
            pick={pick}
            label={memberLabel}
          />
        )}
        {attach && <AttachButton attach={attach} disabled={upload !== null} />}
        <textarea
          id="composer-input"
          class="composer__input"
          data-testid="composer"
          rows={1}
          placeholder={`Message ${roomLabel}`}
          autocomplete="off"
          enterkeyhint="send"
          aria-describedby="composer-hint"
          ref={input}
          onKeyDown={(e) => {
            const open = mention.value;
            if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
              e.preventDefault();
              const n = open.matches.length;
              mention.value = { ...open, active: (open.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n };
              return;
            }
            if (open && (e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey) {
              const m = open.matches[open.active];
              if (m) {
                e.preventDefault();
                pick(m);
                return;
              }
            }
            if (open && e.key === 'Escape') {
              e.preventDefault();
              mention.value = null;
              return;
            }
            if (e.key === 'Escape' && replyTo) {
              e.preventDefault();
              cancelReply();
              return;
            }
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
              e.preventDefault();
              submit();
            } else if (e.key === 'ArrowUp' && e.currentTarget.value === '' && !e.shiftKey) {
              if (editLast()) e.preventDefault();
            }
          }}
          onInput={(e) => {
            const area = e.currentTarget;
            area.setCustomValidity('');
            autoGrow(area);
            empty.value = area.value.trim() === '';
            sender.input(!empty.value);
            if (draftKey !== undefined) saveDraft(draftKey, area.value);
            findMention(area);
          }}
          onBlur={() => {
            sender.stop();
            mention.value = null;
          }}
        />
        <button
          type="submit"
          class="composer__send"
          data-testid="send"
          aria-label="Send message"
          title="Send (Enter)"
          disabled={empty.value}
        >
          <Icon paths={ICONS.send} />
        </button>
      </div>
      <p id="composer-hint" class="composer__hint">
        <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line · **bold**, *italic*,
        ~~strike~~, `code` · <kbd>@</kbd> to mention
      </p>
    </form>
  );
}
