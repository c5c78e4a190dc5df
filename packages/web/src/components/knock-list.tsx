/** The lobby as owners and admins see it: who knocked, with Admit and Deny. */
import { useEffect } from 'preact/hooks';
import type { App } from '../app.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import { Avatar } from '../ui/avatar.tsx';
import './moderation.css';

export function KnockList({ app, store }: { app: App; store: RoomStore }) {
  track(storeVersion(store, 'moderation'));
  // Knocks from before we joined: ask once.
  useEffect(() => {
    app.moderate('lobby.list', { room: store.id }).then(
      ({ knocks }) => {
        for (const knock of knocks) store.applyModeration({ type: 'lobby.knocked', knock });
      },
      () => undefined,
    );
  }, [app, store]);
  if (store.knocks.size === 0) return null;
  const answer = (knock: string, admit: boolean): void => {
    app.moderate('lobby.answer', { room: store.id, knock, admit }).then(
      () => store.applyModeration({ type: 'lobby.closed', knock }),
      (err: unknown) => app.toast(`Could not answer: ${errorText(err)}`),
    );
  };
  return (
    <section class="knocks card" data-testid="knock-list" aria-label="Waiting in the lobby">
      <h2 class="members__title">Waiting in the lobby</h2>
      <ul class="members__list" role="list">
        {[...store.knocks.values()].map((k) => (
          <li class="member knock" key={k.id} data-testid="knock" data-user={k.user.id}>
            <span class="member__avatar">
              <Avatar user={k.user} size={32} />
            </span>
            <span class="member__text">
              <span class="member__name">{k.user.name}</span>
            </span>
            <button
              type="button"
              class="btn btn--primary"
              data-testid="knock-admit"
              onClick={() => answer(k.id, true)}
            >
              Admit
            </button>
            <button type="button" class="btn" data-testid="knock-deny" onClick={() => answer(k.id, false)}>
              Deny
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
