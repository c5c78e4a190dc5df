/**
 * The status picker in the top bar: one's own state (chatty, online, busy, away) with its dot, a
 * status text, and "appear offline" (hidden). Idleness is reported by idle.ts and shows here as
 * "Away (idle)" until the next input.
 */
import { useSignal } from '@preact/signals';
import { PRESENCE_LIMITS } from '@presence/protocol';
import { useEffect, useRef } from 'preact/hooks';
import type { App } from '../app.ts';
import { DEVICE_STATES, STATE_HINT, STATE_LABEL } from '../presence-format.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import { Icon } from '../ui/icon.tsx';
import './presence.css';

const CHEVRON = 'M6 9l6 6 6-6';

export function StatusPicker({ app }: { app: App }) {
  const store = app.presence;
  track(storeVersion(store, 'me'), storeVersion(store, 'presence'), storeVersion(app, 'me'));
  const open = useSignal(false);
  /** What is typed in the status field while it has focus (null: show the saved status). */
  const draft = useSignal<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const text = useRef<HTMLInputElement>(null);

  const setOpen = (next: boolean, focusToggle = false): void => {
    open.value = next;
    if (!next && focusToggle) toggle.current?.focus();
  };
  // Opening moves focus into the panel (once it is shown).
  useEffect(() => {
    if (!open.value) return;
    const checked = panel.current?.querySelector<HTMLInputElement>('input[type="radio"]:checked');
    (checked ?? text.current)?.focus();
  }, [open.value]);
  // The saved status shows again once the store has it, unless the field is being edited.
  useEffect(
    () =>
      store.on('me', () => {
        if (document.activeElement !== text.current) draft.value = null;
      }),
    [store],
  );
  useEffect(() => {
    const outside = (e: MouseEvent): void => {
      if (open.value && e.target instanceof Node && !root.current?.contains(e.target)) open.value = false;
    };
    document.addEventListener('click', outside);
    return () => document.removeEventListener('click', outside);
  }, []);

  const mine = store.mine;
  const words = mine.hidden
    ? 'Hidden'
    : mine.idle && mine.state !== 'away'
      ? `${STATE_LABEL.away} (idle)`
      : STATE_LABEL[mine.state];
  const title = `Your status: ${words}${mine.status ? ` — ${mine.status}` : ''}`;
  const shownText = draft.value ?? mine.status ?? '';
  // Saved on Enter (the form) and Clear, not on blur: an echo of an earlier change can re-render
  // the field with the old status before it loses focus, and a blur must not save that.
  const saveText = (): void => {
    const value = (text.current?.value ?? '').trim() || null;
    if (value !== store.mine.status) void store.setStatus(value);
  };

  return (
    <div
      class="status-picker"
      data-testid="status-picker"
      ref={root}
      hidden={app.me === null || store.unavailable}
      data-state={mine.state}
      data-hidden={String(mine.hidden)}
    >
      <button
        type="button"
        class="btn btn--small status-picker__toggle"
        data-testid="status-toggle"
        aria-haspopup="dialog"
        aria-expanded={open.value ? 'true' : 'false'}
        aria-controls="status-panel"
        title={title}
        aria-label={title}
        ref={toggle}
        onClick={() => setOpen(!open.value)}
      >
        <span class="status-dot" aria-hidden="true" data-state={mine.hidden ? 'offline' : store.myState()} />
        <span class="status-picker__label">
          <span class="status-picker__state">{words}</span>
          {mine.status && <span class="status-picker__text">{mine.status}</span>}
        </span>
        <Icon paths={CHEVRON} />
      </button>
      <div
        id="status-panel"
        class="status-panel"
        role="dialog"
        aria-label="Your status"
        hidden={!open.value}
        ref={panel}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            setOpen(false, true);
          }
        }}
      >
        <fieldset class="status-panel__states" data-testid="status-state" role="radiogroup">
          <legend class="sr-only">Your state</legend>
          {DEVICE_STATES.map((state) => (
            <label key={state} class="status-option" data-testid={`status-state-${state}`} data-state={state}>
              <input
                type="radio"
                name="presence-state"
                value={state}
                class="status-option__radio"
                checked={state === mine.state}
                onChange={(e) => {
                  if (e.currentTarget.checked) void store.setState(state);
                }}
              />
              <span class="status-dot" data-state={state} aria-hidden="true" />
              <span class="status-option__text">
                <span class="status-option__name">{STATE_LABEL[state]}</span>
                <span class="status-option__hint">{STATE_HINT[state]}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <form
          class="status-panel__text"
          onSubmit={(e) => {
            e.preventDefault();
            saveText();
          }}
        >
          <label class="field__label" for="status-text">
            Status message
          </label>
          <div class="status-panel__text-row">
            <input
              id="status-text"
              class="input"
              data-testid="status-text"
              type="text"
              maxLength={PRESENCE_LIMITS.statusLength}
              placeholder="What are you up to?"
              autocomplete="off"
              enterkeyhint="done"
              ref={text}
              value={shownText}
              onFocus={(e) => (draft.value = e.currentTarget.value)}
              onInput={(e) => (draft.value = e.currentTarget.value)}
            />
            <button
              type="button"
              class="icon-btn status-panel__clear"
              data-testid="status-text-clear"
              aria-label="Clear the status message"
              title="Clear"
              hidden={!mine.status && shownText === ''}
              onClick={() => {
                if (text.current) text.current.value = '';
                draft.value = '';
                saveText();
                text.current?.focus();
              }}
            >
              <Icon paths="M18 6 6 18|M6 6l12 12" />
            </button>
          </div>
        </form>
        <div class="status-panel__hidden">
          <label class="checkbox" for="status-hidden">
            <input
              type="checkbox"
              data-testid="status-hidden"
              id="status-hidden"
              checked={mine.hidden}
              onChange={(e) => void store.setHidden(e.currentTarget.checked)}
            />
            Appear offline
          </label>
          <p class="muted small">Everyone else sees you as offline; you can still use everything.</p>
        </div>
        <p class="muted small status-panel__idle" data-testid="status-idle">
          {mine.idle
            ? 'You are idle: others see you as away until you are back.'
            : `After ${Math.round(store.idleDelayMs / 60_000) || 1} min without input, others see you as away.`}
        </p>
      </div>
    </div>
  );
}
