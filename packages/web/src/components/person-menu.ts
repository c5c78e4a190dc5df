/** What one can do with another person from a member list entry: message, add as contact, block. */
import type { UserRef } from '@presence/protocol';
import type { App } from '../app.ts';
import { errorText } from '../sdk.ts';
import { openPopupMenu, type MenuItem } from './popup-menu.tsx';

const MESSAGE_ICON = 'M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z';
const ADD_ICON =
  'M16 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2|M8.5 3a4 4 0 1 0 0 8 4 4 0 0 0 0-8z|M20 8v6|M23 11h-6';
const BLOCK_ICON = 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20z|M4.93 4.93l14.14 14.14';

export const PERSON_ICONS = { message: MESSAGE_ICON, add: ADD_ICON, block: BLOCK_ICON } as const;

/** Contacts need stable ids: only accounts (guest ids start with "~") have them. */
export function isAccountId(id: string): boolean {
  return !id.startsWith('~');
}

export function personMenuItems(app: App, user: UserRef): MenuItem[] {
  const store = app.presence;
  const items: MenuItem[] = [
    {
      label: `Message ${user.name}`,
      testid: 'dm-open',
      icon: MESSAGE_ICON,
      action: () => store.openDm(user),
    },
  ];
  const canContact = store.isAccount && isAccountId(user.id) && store.contacts !== null;
  if (canContact && !store.isContact(user.id) && !store.hasOutgoing(user.id) && !store.isBlocked(user.id)) {
    items.push({
      label: 'Add contact',
      testid: 'add-contact',
      icon: ADD_ICON,
      action: () => {
        store.remember(user);
        store.requestContact(user.id).then(
          (status) =>
            app.toast(
              status === 'accepted'
                ? `${user.name} is now one of your contacts.`
                : `Contact request sent to ${user.name}.`,
              'info',
            ),
          (err: unknown) => app.toast(`Could not add ${user.name}: ${errorText(err)}`),
        );
      },
    });
  }
  if (canContact) {
    const blocked = store.isBlocked(user.id);
    items.push({
      label: blocked ? 'Unblock' : 'Block',
      testid: blocked ? 'contact-unblock' : 'contact-block',
      icon: BLOCK_ICON,
      danger: !blocked,
      action: () => {
        if (!blocked && !window.confirm(`Block ${user.name}? They will not be able to message or add you.`))
          return;
        store
          .contactAction(blocked ? 'unblock' : 'block', user.id)
          .catch((err: unknown) =>
            app.toast(`Could not ${blocked ? 'unblock' : 'block'}: ${errorText(err)}`),
          );
      },
    });
  }
  return items;
}

export function openPersonMenu(app: App, anchor: HTMLElement, user: UserRef, extra: MenuItem[] = []): void {
  openPopupMenu(anchor, [...personMenuItems(app, user), ...extra], `Actions for ${user.name}`);
}
