import { isSignedIn } from '../account.ts';
import type { App } from '../app.ts';
import { h, icon, ICONS } from '../dom.ts';
import { openAccountDialog } from './account-dialogs.ts';
import './access.css';

/**
 * A private room one is not a member of (`room.join` answered FORBIDDEN, or its preview 403):
 * explain that it takes an invite, and offer to log in in case the account is a member.
 */
export function inviteOnlyCard(app: App): HTMLElement {
  const signedIn = app.me ? isSignedIn(app) : app.account !== null;
  document.title = 'Invite-only room · Presence';
  return h(
    'div',
    { class: 'landing' },
    h(
      'div',
      { class: 'card landing__card access-card', testid: 'room-invite-only', role: 'alert' },
      h('div', { class: 'access-card__icon', 'aria-hidden': 'true' }, icon(ICONS.lock)),
      h('h1', { class: 'landing__title' }, 'This room is invite-only'),
      h(
        'p',
        { class: 'landing__lead' },
        'Only its members and people with an invite link can join. Ask someone in the room to send you an invite.',
      ),
      h(
        'div',
        { class: 'access-card__actions' },
        h('a', { class: 'btn btn--primary', href: '/', dataset: { link: '' } }, 'Go to the start page'),
        signedIn
          ? null
          : h(
              'button',
              { type: 'button', class: 'btn', on: { click: () => openAccountDialog(app, 'login') } },
              'Log in',
            ),
      ),
      signedIn
        ? null
        : h(
            'p',
            { class: 'small muted access-card__hint' },
            'Already a member with an account? Log in to open it.',
          ),
    ),
  );
}
