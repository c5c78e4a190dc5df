import { h, icon, ICONS } from '../dom.ts';
import { TypingSender } from '../typing.ts';
import { autoGrow } from './message-item.ts';

export interface ComposerOptions {
  roomLabel: () => string;
  maxLength: () => number;
  /** Takes the message over (shown as pending in the timeline); the composer is cleared. */
  send(text: string): void;
  typing(typing: boolean): void;
  /** ArrowUp in an empty composer: edit the last own message. Returns whether it did. */
  editLast(): boolean;
}

/** The message box: Enter sends, Shift+Enter is a newline; reports typing while keys are pressed. */
export function composer(opts: ComposerOptions): {
  el: HTMLFormElement;
  focus(): void;
  /** Re-read the room label (after a rename). */
  refresh(): void;
  destroy(): void;
} {
  const typing = new TypingSender((t) => opts.typing(t));
  const input = h('textarea', {
    id: 'composer-input',
    class: 'composer__input',
    testid: 'composer',
    rows: 1,
    placeholder: `Message ${opts.roomLabel()}`,
    autocomplete: 'off',
    enterkeyhint: 'send',
    'aria-describedby': 'composer-hint',
  });
  const sendBtn = h(
    'button',
    {
      type: 'submit',
      class: 'composer__send',
      testid: 'send',
      'aria-label': 'Send message',
      title: 'Send (Enter)',
    },
    icon(ICONS.send),
  );
  const hint = h(
    'p',
    { id: 'composer-hint', class: 'composer__hint' },
    h('kbd', null, 'Enter'),
    ' to send · ',
    h('kbd', null, 'Shift'),
    '+',
    h('kbd', null, 'Enter'),
    ' for a new line · **bold**, *italic*, `code`',
  );
  const form = h(
    'form',
    { class: 'composer', 'aria-label': 'Send a message' },
    h('label', { class: 'sr-only', for: 'composer-input' }, 'Message'),
    h('div', { class: 'composer__box' }, input, sendBtn),
    hint,
  );

  const syncButton = (): void => {
    sendBtn.disabled = input.value.trim() === '';
  };

  const submit = (): void => {
    const text = input.value.trim();
    if (!text) return;
    if (text.length > opts.maxLength()) {
      input.setCustomValidity(`At most ${opts.maxLength()} characters.`);
      input.reportValidity();
      return;
    }
    typing.stop();
    input.value = '';
    autoGrow(input);
    syncButton();
    opts.send(text);
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
    } else if (e.key === 'ArrowUp' && input.value === '' && !e.shiftKey) {
      if (opts.editLast()) e.preventDefault();
    }
  });
  input.addEventListener('input', () => {
    input.setCustomValidity('');
    autoGrow(input);
    syncButton();
    typing.input(input.value.trim() !== '');
  });
  input.addEventListener('blur', () => typing.stop());
  syncButton();

  return {
    el: form,
    focus: () => input.focus({ preventScroll: true }),
    refresh: () => {
      input.placeholder = `Message ${opts.roomLabel()}`;
    },
    destroy: () => typing.stop(),
  };
}
