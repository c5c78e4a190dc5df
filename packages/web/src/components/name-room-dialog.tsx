import { useSignal } from '@preact/signals';
import type { RoomInfo, Visibility } from '@presence/protocol';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { openDialog } from '../ui/modal.tsx';
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
  openDialog({ className: 'dialog', labelledBy: 'name-room-title' }, (close) => (
    <NameRoomForm info={info} save={save} close={close} />
  ));
}

function NameRoomForm({
  info,
  save,
  close,
}: {
  info: RoomInfo;
  save: (name: string, visibility: Visibility) => Promise<void>;
  close(): void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const visibility = useSignal<Visibility>(info.visibility);
  const busy = useSignal(false);
  const error = useSignal('');
  // After showModal (the dialog's own layout effect runs after its children's): a timer.
  useLayoutEffect(() => {
    const timer = window.setTimeout(() => input.current?.select(), 0);
    return () => window.clearTimeout(timer);
  }, []);
  return (
    <form
      method="dialog"
      onSubmit={(e) => {
        e.preventDefault();
        const name = input.current?.value.trim() ?? '';
        if (!name) return;
        busy.value = true;
        error.value = '';
        save(name, visibility.value).then(close, (err: unknown) => {
          busy.value = false;
          error.value = err instanceof Error ? err.message : 'Could not save the name.';
        });
      }}
    >
      <h2 id="name-room-title" class="dialog__title">
        {info.name ? 'Rename this room' : 'Name this room'}
      </h2>
      <p class="muted">
        {info.persistent
          ? 'This room is kept: its history and members are saved.'
          : 'Named rooms are kept: history and members are saved, and the link keeps working after everyone leaves.'}
      </p>
      <label class="field__label" for="room-name-input">
        Room name
      </label>
      <input
        id="room-name-input"
        class="input"
        data-testid="room-name-input"
        type="text"
        required
        maxLength={80}
        autocomplete="off"
        placeholder="e.g. Team standup"
        defaultValue={info.name ?? ''}
        ref={input}
      />
      <fieldset class="choices choices--compact">
        <legend class="field__label">Who can join</legend>
        {VISIBILITY_CHOICES.map((choice) => (
          <label key={choice.value} class="choice" for={`room-visibility-${choice.value}`}>
            <input
              type="radio"
              name="room-visibility"
              id={`room-visibility-${choice.value}`}
              value={choice.value}
              data-testid={choice.testid}
              checked={visibility.value === choice.value}
              onChange={() => (visibility.value = choice.value)}
            />
            <span class="choice__text">
              <span class="choice__label">{choice.label}</span>
              <span class="choice__hint">{choice.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <p class="form-error" role="alert" hidden={error.value === ''}>
        {error.value}
      </p>
      <div class="dialog__buttons">
        <button type="button" class="btn" onClick={close}>
          Cancel
        </button>
        <button type="submit" class="btn btn--primary" data-testid="room-name-save" disabled={busy.value}>
          Save
        </button>
      </div>
    </form>
  );
}
