import { useEffect } from 'preact/hooks';
import { isSignedIn } from '../account.ts';
import type { App } from '../app.ts';
import { ICONS } from '../ui/icons.ts';
import { Icon } from '../ui/icon.tsx';
import { openAccountDialog } from './account-dialogs.tsx';
import './access.css';

/**
 * A private room one is not a member of (`room.join` answered FORBIDDEN, or its preview 403):
 * explain that it takes an invite, and offer to log in in case the account is a member.
 */
export function InviteOnlyCard({ app }: { app: App }) {
  const signedIn = app.me ? isSignedIn(app) : app.account !== null;
  useEffect(() => {
    document.title = 'Invite-only room · Presence';
  }, []);
  return (
    <div class="landing">
      <div class="card landing__card access-card" data-testid="room-invite-only" role="alert">
        <div class="access-card__icon" aria-hidden="true">
          <Icon paths={ICONS.lock} />
        </div>
        <h1 class="landing__title">This room is invite-only</h1>
        <p class="landing__lead">
          Only its members and people with an invite link can join. Ask someone in the room to send you an
          invite.
        </p>
        <div class="access-card__actions">
          <a class="btn btn--primary" href="/" data-link="">
            Go to the start page
          </a>
          {!signedIn && (
            <button type="button" class="btn" onClick={() => openAccountDialog(app, 'login')}>
              Log in
            </button>
          )}
        </div>
        {!signedIn && (
          <p class="small muted access-card__hint">Already a member with an account? Log in to open it.</p>
        )}
      </div>
    </div>
  );
}
