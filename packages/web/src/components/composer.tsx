/** The message box: Enter sends, Shift+Enter is a newline; reports typing while keys are pressed. */
import { useSignal } from '@preact/signals';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { ICONS } from '../ui/icons.ts';
import { TypingSender } from '../typing.ts';
import { autoGrow } from '../ui/auto-grow.ts';
import { Icon } from '../ui/icon.tsx';

export interface ComposerProps {
  /** "Message <label>" in the empty box. */
  roomLabel: string;
  maxLength: () => number;
  /** Takes the message over (shown as pending in the timeline); the composer is cleared. */
  send(text: string): void;
  typing(typing: boolean): void;
  /** ArrowUp in an empty composer: edit the last own message. Returns whether it did. */
  editLast(): boolean;
  /** Focus the box once shown. */
  autoFocus?: boolean;
}

export function Composer({ roomLabel, maxLength, send, typing, editLast, autoFocus = false }: ComposerProps) {
  const input = useRef<HTMLTextAreaElement>(null);
  const empty = useSignal(true);
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
    send(text);
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
      <div class="composer__box">
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
          }}
          onBlur={() => sender.stop()}
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
        `code`
      </p>
    </form>
  );
}
