import type { RoomInfo, Visibility } from '@presence/protocol';
import { h } from '../dom.ts';
import './access.css';

/** Who can join, as the dialog offers it (`room-public-input` is the test id tests have used for "listed"). */
const VISIBILITY_CHOICES: readonly { value: Visibility; testid: string; label: string; hint: string }[] = [
  {
    value: 'public',
    testid: 'room-public-input',
    label: 'Public',
    hint: 'Listed in the public room directory; anyone can join.',
  },
  {
    value: 'link',
    testid: 'room-visibility-link',
    label: 'Anyone with the link',
    hint: 'Not listed; anyone who has the room link can join.',
  },
  {
    value: 'private',
    testid: 'room-visibility-private',
    label: 'Invite only',
    hint: 'Members and people with an invite link only.',
  },
];

/**
 * "Name this room" / room settings: a modal dialog. Naming makes the room persistent (history and
 * members are kept); the owner also chooses who can join: public (listed), link, or invite only.
 */
export function openNameRoomDialog(
  info: RoomInfo,
  save: (name: string, visibility: Visibility) => Promise<void>,
): void {
  const input = h('input', {
    id: 'room-name-input',
    class: 'input',
    testid: 'room-name-input',
    type: 'text',
    required: true,
    maxLength: 80,
    autocomplete: 'off',
    placeholder: 'e.g. Team standup',
  });
  input.value = info.name ?? '';
  const radios = VISIBILITY_CHOICES.map((choice) =>
    h('input', {
      type: 'radio',
      name: 'room-visibility',
      id: `room-visibility-${choice.value}`,
      value: choice.value,
      testid: choice.testid,
      checked: info.visibility === choice.value,
    }),
  );
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const saveBtn = h(
    'button',
    { type: 'submit', class: 'btn btn--primary', testid: 'room-name-save' },
    'Save',
  );
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'name-room-title' });
  const close = (): void => {
    dialog.close();
    dialog.remove();
  };
  const form = h(
    'form',
    {
      method: 'dialog',
      on: {
        submit: (e) => {
          e.preventDefault();
          const name = input.value.trim();
          if (!name) return;
          saveBtn.disabled = true;
          error.hidden = true;
          const visibility = (radios.find((r) => r.checked)?.value ?? info.visibility) as Visibility;
          save(name, visibility).then(close, (err: unknown) => {
            saveBtn.disabled = false;
            error.hidden = false;
            error.textContent = err instanceof Error ? err.message : 'Could not save the name.';
          });
        },
      },
    },
    h(
      'h2',
      { id: 'name-room-title', class: 'dialog__title' },
      info.name ? 'Rename this room' : 'Name this room',
    ),
    h(
      'p',
      { class: 'muted' },
      info.persistent
        ? 'This room is kept: its history and members are saved.'
        : 'Named rooms are kept: history and members are saved, and the link keeps working after everyone leaves.',
    ),
    h('label', { class: 'field__label', for: 'room-name-input' }, 'Room name'),
    input,
    h(
      'fieldset',
      { class: 'choices choices--compact' },
      h('legend', { class: 'field__label' }, 'Who can join'),
      ...VISIBILITY_CHOICES.map((choice, i) =>
        h(
          'label',
          { class: 'choice', for: `room-visibility-${choice.value}` },
          radios[i],
          h(
            'span',
            { class: 'choice__text' },
            h('span', { class: 'choice__label' }, choice.label),
            h('span', { class: 'choice__hint' }, choice.hint),
          ),
        ),
      ),
    ),
    error,
    h(
      'div',
      { class: 'dialog__buttons' },
      h('button', { type: 'button', class: 'btn', on: { click: close } }, 'Cancel'),
      saveBtn,
    ),
  );
  dialog.appendChild(form);
  dialog.addEventListener('close', () => dialog.remove());
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) close();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  input.select();
}
