import { typingText } from '../format.ts';
import type { RoomStore } from '../room-store.ts';
import { storeVersion, track } from '../state/store-signal.ts';

/** "Alice is typing…" under the messages; empty (but present, for screen readers) otherwise. */
export function TypingIndicator({ store }: { store: RoomStore }) {
  track(storeVersion(store, 'typing'));
  const line = typingText(store.typing.names());
  return (
    <div class={`typing${line ? ' is-active' : ''}`} data-testid="typing" aria-live="polite">
      <span class="typing__dots" aria-hidden="true">
        <i />
        <i />
        <i />
      </span>
      <span class="typing__text">{line}</span>
    </div>
  );
}
