/**
 * What someone sees instead of a room that moderation keeps them out of: banned, a password to
 * type, or a lobby to knock on and wait in until an owner or admin answers.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { App } from '../app.ts';
import type { RoomStore } from '../room-store.ts';
import { errorCode, errorText } from '../sdk.ts';
import { guestKey } from '../storage.ts';
import './access.css';

export function BannedCard({ store }: { store: RoomStore }) {
  useEffect(() => {
    document.title = 'Banned · Presence';
  }, []);
  return (
    <div class="landing">
      <div class="card landing__card access-card" data-testid="room-banned" role="alert">
        <h1 class="landing__title">You can’t join this room</h1>
        <p class="landing__lead">{store.error || 'A moderator banned you from this room.'}</p>
        <a class="btn btn--primary" href="/" data-link="">
          Go to the start page
        </a>
      </div>
    </div>
  );
}

/** After a kick: the room is gone from view; joining again is one click (a ban would refuse it). */
export function RemovedCard({ store }: { store: RoomStore }) {
  useEffect(() => {
    document.title = 'Removed · Presence';
  }, []);
  return (
    <div class="landing">
      <div class="card landing__card access-card" data-testid="room-removed" role="alert">
        <h1 class="landing__title">You were removed from this room</h1>
        <p class="landing__lead">{store.error}</p>
        <div class="landing__actions">
          <button
            type="button"
            class="btn btn--primary"
            data-testid="rejoin-room"
            onClick={() => void store.join()}
          >
            Join again
          </button>
          <a class="btn" href="/" data-link="">
            Go to the start page
          </a>
        </div>
      </div>
    </div>
  );
}

export function PasswordCard({ store }: { store: RoomStore }) {
  const busy = useSignal(false);
  const wrong = store.errorCode === 'PASSWORD_WRONG';
  useEffect(() => {
    document.title = 'Password · Presence';
  }, []);
  const submit = (e: Event): void => {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).elements.namedItem('password') as HTMLInputElement;
    if (!input.value) return;
    store.password = input.value;
    busy.value = true;
    void store.join().finally(() => (busy.value = false));
  };
  return (
    <div class="landing">
      <div class="card landing__card access-card" data-testid="room-password">
        <h1 class="landing__title">This room has a password</h1>
        <p class="landing__lead">Ask someone in the room for it, or for an invite link.</p>
        <form class="name-form" noValidate onSubmit={submit}>
          <label class="field__label" for="room-password-input">
            Password
          </label>
          <div class="name-form__row">
            <input
              id="room-password-input"
              class="input input--large"
              data-testid="room-password-input"
              type="password"
              name="password"
              autocomplete="off"
              maxLength={200}
              aria-invalid={wrong ? 'true' : undefined}
            />
            <button
              type="submit"
              class={`btn btn--primary btn--large${busy.value ? ' is-busy' : ''}`}
              data-testid="room-password-submit"
              disabled={busy.value}
            >
              Join
            </button>
          </div>
          <p class="form-error" role="alert" data-testid="room-password-error" hidden={!wrong}>
            That is not the room’s password.
          </p>
        </form>
      </div>
    </div>
  );
}

type LobbyState = 'idle' | 'waiting' | 'denied' | 'failed';

/** Knock, then wait for the answer; admitted, the room joins by itself. */
export function LobbyCard({ app, store }: { app: App; store: RoomStore }) {
  const state = useSignal<LobbyState>('idle');
  const error = useSignal('');
  const knock = useSignal<string | null>(null);
  useEffect(() => {
    document.title = 'Lobby · Presence';
    return app.on('lobbyOutcome', (event) => {
      if (event.room !== store.id || event.knock !== knock.value) return;
      if (event.admitted) void store.join();
      else state.value = 'denied';
    });
  }, [app, store]);
  const ask = async (): Promise<void> => {
    state.value = 'waiting';
    try {
      const key = guestKey();
      const result = await app.moderate('lobby.knock', {
        room: store.id,
        ...(key !== undefined ? { guestKey: key } : {}),
        ...(store.password !== undefined ? { password: store.password } : {}),
      });
      knock.value = result.knock;
      if (result.admitted) void store.join();
    } catch (err) {
      state.value = 'failed';
      error.value = errorText(err);
      if (errorCode(err) === 'BANNED') void store.join();
    }
  };
  return (
    <div class="landing">
      <div class="card landing__card access-card" data-testid="room-lobby" data-state={state.value}>
        <h1 class="landing__title">
          {state.value === 'denied' ? 'You were not let in' : 'This room has a lobby'}
        </h1>
        <p class="landing__lead" role="status" data-testid="lobby-status">
          {state.value === 'idle' && 'Knock, and an owner or admin of the room will let you in.'}
          {state.value === 'waiting' && 'Waiting for an owner or admin to let you in…'}
          {state.value === 'denied' && 'A moderator declined your request to join.'}
          {state.value === 'failed' && error.value}
        </p>
        {state.value === 'waiting' ? (
          <span class="spinner" aria-hidden="true" />
        ) : (
          <button type="button" class="btn btn--primary" data-testid="lobby-knock" onClick={() => void ask()}>
            {state.value === 'idle' ? 'Knock' : 'Knock again'}
          </button>
        )}
      </div>
    </div>
  );
}
