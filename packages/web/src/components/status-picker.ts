/**
 * The status picker in the top bar: one's own state (chatty, online, busy, away) with its dot, a
 * status text, and "appear offline" (hidden). Idleness is reported by idle.ts and shows here as
 * "Away (idle)" until the next input.
 */
import type { DeviceState } from '@presence/protocol';
import type { App } from '../app.ts';
import { h, icon, replaceChildren } from '../dom.ts';
import { DEVICE_STATES, STATE_HINT, STATE_LABEL } from '../presence-format.ts';
import { PRESENCE_LIMITS } from '@presence/protocol';
import './presence.css';

const CHEVRON = 'M6 9l6 6 6-6';

export function statusPicker(app: App): HTMLElement {
  const store = app.presence;
  const dot = h('span', { class: 'status-dot', 'aria-hidden': 'true' });
  const label = h('span', { class: 'status-picker__label' });
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'btn btn--small status-picker__toggle',
      testid: 'status-toggle',
      'aria-haspopup': 'dialog',
      'aria-expanded': 'false',
      'aria-controls': 'status-panel',
    },
    dot,
    label,
    icon(CHEVRON),
  );

  const radios = new Map<DeviceState, HTMLInputElement>();
  const options = DEVICE_STATES.map((state) => {
    const radio = h('input', {
      type: 'radio',
      name: 'presence-state',
      value: state,
      class: 'status-option__radio',
    });
    radio.addEventListener('change', () => {
      if (radio.checked) void store.setState(state);
    });
    radios.set(state, radio);
    return h(
      'label',
      { class: 'status-option', testid: `status-state-${state}`, dataset: { state } },
      radio,
      h('span', { class: 'status-dot', dataset: { state }, 'aria-hidden': 'true' }),
      h(
        'span',
        { class: 'status-option__text' },
        h('span', { class: 'status-option__name' }, STATE_LABEL[state]),
        h('span', { class: 'status-option__hint' }, STATE_HINT[state]),
      ),
    );
  });
  const stateGroup = h(
    'fieldset',
    { class: 'status-panel__states', testid: 'status-state', role: 'radiogroup' },
    h('legend', { class: 'sr-only' }, 'Your state'),
    ...options,
  );

  const text = h('input', {
    id: 'status-text',
    class: 'input',
    testid: 'status-text',
    type: 'text',
    maxlength: String(PRESENCE_LIMITS.statusLength),
    placeholder: 'What are you up to?',
    autocomplete: 'off',
    enterkeyhint: 'done',
  });
  const clear = h(
    'button',
    {
      type: 'button',
      class: 'icon-btn status-panel__clear',
      testid: 'status-text-clear',
      'aria-label': 'Clear the status message',
      title: 'Clear',
    },
    icon('M18 6 6 18|M6 6l12 12'),
  );
  const saveText = (): void => {
    const value = text.value.trim() || null;
    if (value !== store.mine.status) void store.setStatus(value);
  };
  const textForm = h(
    'form',
    {
      class: 'status-panel__text',
      on: {
        submit: (e) => {
          e.preventDefault();
          saveText();
        },
      },
    },
    h('label', { class: 'field__label', for: 'status-text' }, 'Status message'),
    h('div', { class: 'status-panel__text-row' }, text, clear),
  );
  text.addEventListener('change', saveText);
  clear.addEventListener('click', () => {
    text.value = '';
    saveText();
    text.focus();
  });

  const hidden = h('input', { type: 'checkbox', testid: 'status-hidden', id: 'status-hidden' });
  hidden.addEventListener('change', () => void store.setHidden(hidden.checked));
  const hiddenRow = h(
    'div',
    { class: 'status-panel__hidden' },
    h('label', { class: 'checkbox', for: 'status-hidden' }, hidden, 'Appear offline'),
    h('p', { class: 'muted small' }, 'Everyone else sees you as offline; you can still use everything.'),
  );
  const idleNote = h('p', { class: 'muted small status-panel__idle', testid: 'status-idle' });

  const panel = h(
    'div',
    {
      id: 'status-panel',
      class: 'status-panel',
      role: 'dialog',
      'aria-label': 'Your status',
      hidden: true,
    },
    stateGroup,
    textForm,
    hiddenRow,
    idleNote,
  );
  const el = h('div', { class: 'status-picker', testid: 'status-picker' }, toggle, panel);

  const setOpen = (open: boolean, focusToggle = false): void => {
    panel.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) (radios.get(store.mine.state) ?? text).focus();
    else if (focusToggle) toggle.focus();
  };
  toggle.addEventListener('click', () => setOpen(panel.hidden));
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      setOpen(false, true);
    }
  });
  document.addEventListener('click', (e) => {
    if (!panel.hidden && e.target instanceof Node && !el.contains(e.target)) setOpen(false);
  });

  const render = (): void => {
    el.hidden = app.me === null || store.unavailable;
    const mine = store.mine;
    const shown = store.myState();
    dot.dataset['state'] = mine.hidden ? 'offline' : shown;
    el.dataset['state'] = mine.state;
    el.dataset['hidden'] = String(mine.hidden);
    const words = mine.hidden
      ? 'Hidden'
      : mine.idle && mine.state !== 'away'
        ? `${STATE_LABEL.away} (idle)`
        : STATE_LABEL[mine.state];
    replaceChildren(label, h('span', { class: 'status-picker__state' }, words));
    if (mine.status) label.append(h('span', { class: 'status-picker__text' }, mine.status));
    toggle.title = `Your status: ${words}${mine.status ? ` — ${mine.status}` : ''}`;
    toggle.setAttribute('aria-label', toggle.title);
    for (const [state, radio] of radios) radio.checked = state === mine.state;
    if (document.activeElement !== text) text.value = mine.status ?? '';
    clear.hidden = !mine.status && text.value === '';
    hidden.checked = mine.hidden;
    idleNote.textContent = mine.idle
      ? 'You are idle: others see you as away until you are back.'
      : `After ${Math.round(store.idleDelayMs / 60_000) || 1} min without input, others see you as away.`;
  };
  text.addEventListener('input', () => {
    clear.hidden = text.value === '' && !store.mine.status;
  });
  store.on('me', render);
  store.on('presence', render);
  app.on('me', render);
  render();
  return el;
}
