/**
 * The contacts panel of the sidebar: pending requests (accept / deny, cancel), contacts by group
 * (a contact in several groups shows in each; the important group first, with a star), presence
 * dots, status texts and "last seen", "add contact" by user id, block and unblock.
 */
import type { Contact, UserRef } from '@presence/protocol';
import type { App } from '../app.ts';
import { h, icon, replaceChildren } from '../dom.ts';
import { lastSeenText, STATE_LABEL, stateRank } from '../presence-format.ts';
import { errorCode, errorText } from '../sdk.ts';
import { avatar } from './avatar.ts';
import { clearError, field, openModal, showError } from './modal.ts';
import { PERSON_ICONS } from './person-menu.ts';
import { openPopupMenu } from './popup-menu.ts';
import { presenceDot } from './presence-dot.ts';
import { badgeCount } from '../format.ts';
import { PRESENCE_LIMITS } from '@presence/protocol';
import './presence.css';

const STAR = 'M12 2l3.09 6.26L22 9.27l-5 4.87 1.18 6.88L12 17.77l-6.18 3.25L7 14.14 2 9.27l6.91-1.01L12 2z';
const MORE = 'M12 12h.01|M19 12h.01|M5 12h.01';
const CHECK = 'M20 6 9 17l-5-5';
const X = 'M18 6 6 18|M6 6l12 12';

export function contactsPanel(app: App): HTMLElement {
  const store = app.presence;
  const count = h('span', { class: 'contacts__count' });
  const addBtn = h(
    'button',
    {
      type: 'button',
      class: 'icon-btn',
      testid: 'add-contact',
      'aria-label': 'Add a contact',
      title: 'Add a contact',
      'aria-expanded': 'false',
      'aria-controls': 'add-contact-form',
    },
    icon(PERSON_ICONS.add),
  );
  const idInput = h('input', {
    id: 'add-contact-input',
    class: 'input',
    testid: 'add-contact-input',
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'e.g. bob@chat.example.org',
  });
  const messageInput = h('input', {
    id: 'add-contact-message',
    class: 'input',
    testid: 'add-contact-message',
    type: 'text',
    maxlength: String(PRESENCE_LIMITS.contactMessage),
    autocomplete: 'off',
    placeholder: 'Optional',
  });
  const addError = h('p', { class: 'form-error', role: 'alert', testid: 'add-contact-error', hidden: true });
  const submit = h(
    'button',
    { type: 'submit', class: 'btn btn--small btn--primary', testid: 'add-contact-submit' },
    'Send request',
  );
  const addForm = h(
    'form',
    { id: 'add-contact-form', class: 'contacts__add', testid: 'add-contact-form', hidden: true },
    field(idInput, 'User id', 'Their id is in their account menu.'),
    field(messageInput, 'Message'),
    addError,
    h(
      'div',
      { class: 'contacts__add-buttons' },
      h(
        'button',
        { type: 'button', class: 'btn btn--small', on: { click: () => setAdding(false, true) } },
        'Cancel',
      ),
      submit,
    ),
  );
  const setAdding = (open: boolean, focusButton = false): void => {
    addForm.hidden = !open;
    addBtn.setAttribute('aria-expanded', String(open));
    if (open) idInput.focus();
    else {
      addForm.reset();
      clearError(addError, addForm);
      if (focusButton) addBtn.focus();
    }
  };
  addBtn.addEventListener('click', () => setAdding(addForm.hidden));
  addForm.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      setAdding(false, true);
    }
  });
  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = idInput.value.trim();
    clearError(addError, addForm);
    if (id === app.userId) {
      showError(addError, 'That is your own id.', idInput);
      return;
    }
    if (id.length < 3) {
      showError(addError, 'Enter their user id (like bob@chat.example.org).', idInput);
      return;
    }
    submit.disabled = true;
    store.requestContact(id, messageInput.value).then(
      (status) => {
        submit.disabled = false;
        setAdding(false);
        const name = store.person(id)?.name ?? id;
        app.toast(
          status === 'accepted' ? `${name} is now one of your contacts.` : `Contact request sent to ${name}.`,
          'info',
        );
      },
      (err: unknown) => {
        submit.disabled = false;
        const code = errorCode(err);
        showError(
          addError,
          code === 'USER_NOT_FOUND'
            ? 'There is no user with this id.'
            : code === 'FORBIDDEN'
              ? `You cannot add this user: ${errorText(err)}`
              : errorText(err),
          idInput,
        );
      },
    );
  });

  const note = h('p', { class: 'muted small contacts__note', testid: 'contacts-note' });
  const body = h('div', { class: 'contacts__body' });
  const el = h(
    'section',
    { class: 'contacts', testid: 'contacts-panel', 'aria-labelledby': 'contacts-title' },
    h(
      'div',
      { class: 'contacts__head' },
      h('h2', { class: 'sidebar__title', id: 'contacts-title' }, 'Contacts ', count),
      addBtn,
    ),
    addForm,
    note,
    body,
  );

  let blockedOpen = false;

  const contactButton = (user: UserRef, extra: Node | null, withDot: boolean): HTMLButtonElement => {
    const convo = store.dms.get(user.id);
    const unread = convo?.unread ?? 0;
    return h(
      'button',
      {
        type: 'button',
        class: 'contact__main',
        testid: 'dm-open',
        title: `Message ${user.name}`,
        on: { click: () => store.openDm(user) },
      },
      h('span', { class: 'contact__avatar' }, avatar(user, 28), withDot ? presenceDot(user.id) : null),
      h('span', { class: 'contact__text' }, h('span', { class: 'contact__name' }, user.name), extra),
      unread > 0
        ? h(
            'span',
            { class: 'badge', testid: 'dm-unread', 'aria-label': `${unread} unread` },
            badgeCount(unread),
          )
        : null,
    );
  };

  const contactItem = (c: Contact): HTMLLIElement => {
    const p = store.presenceOf(c.user.id);
    const state = p?.state ?? 'unknown';
    let line: Node | null = null;
    if (p?.state === 'offline' && p.lastActive !== null) {
      line = h('span', { class: 'contact__line', testid: 'last-seen' }, lastSeenText(p.lastActive));
    } else if (p && p.status && p.state !== 'offline') {
      line = h(
        'span',
        { class: 'contact__line', testid: 'contact-status', title: p.status },
        `${STATE_LABEL[p.state]} · ${p.status}`,
      );
    } else if (p) {
      line = h('span', { class: 'contact__line' }, STATE_LABEL[p.state]);
    }
    const more = h(
      'button',
      {
        type: 'button',
        class: 'icon-btn contact__more',
        testid: 'contact-menu',
        'aria-haspopup': 'menu',
        'aria-expanded': 'false',
        'aria-label': `More for ${c.user.name}`,
        title: 'More',
      },
      icon(MORE),
    );
    more.addEventListener('click', () =>
      openPopupMenu(
        more,
        [
          {
            label: `Message ${c.user.name}`,
            testid: 'dm-open',
            icon: PERSON_ICONS.message,
            action: () => store.openDm(c.user),
          },
          {
            label: 'Groups…',
            testid: 'contact-groups',
            icon: 'M3 6h18|M3 12h18|M3 18h12',
            action: () => openGroupsDialog(app, c),
          },
          {
            label: 'Remove contact',
            testid: 'contact-remove',
            icon: X,
            danger: true,
            action: () => {
              if (!window.confirm(`Remove ${c.user.name} from your contacts?`)) return;
              run(app, store.contactAction('remove', c.user.id), 'remove the contact');
            },
          },
          {
            label: 'Block',
            testid: 'contact-block',
            icon: PERSON_ICONS.block,
            danger: true,
            action: () => {
              if (!window.confirm(`Block ${c.user.name}? They will not be able to message or add you.`))
                return;
              run(app, store.contactAction('block', c.user.id), 'block');
            },
          },
        ],
        `Actions for ${c.user.name}`,
      ),
    );
    return h(
      'li',
      {
        class: `contact is-${state}`,
        testid: 'contact-item',
        dataset: { user: c.user.id, state },
      },
      contactButton(c.user, line, true),
      more,
    );
  };

  const section = (title: Node | string, testid: string, items: HTMLElement[], data = {}): HTMLElement =>
    h(
      'section',
      { class: 'contacts__section', testid, dataset: data },
      h('h3', { class: 'contacts__section-title' }, title),
      h('ul', { class: 'contacts__list', role: 'list' }, ...items),
    );

  const render = (): void => {
    // Re-rendered as a whole: keep the focus on the same control of the same person.
    const active = document.activeElement instanceof HTMLElement && el.contains(document.activeElement);
    const focusKey = active
      ? {
          testid: (document.activeElement as HTMLElement).dataset['testid'],
          user: (document.activeElement as HTMLElement).closest<HTMLElement>('[data-user]')?.dataset['user'],
          group: (document.activeElement as HTMLElement).closest<HTMLElement>('[data-group]')?.dataset[
            'group'
          ],
        }
      : null;
    if (active && body.contains(document.activeElement)) (document.activeElement as HTMLElement).blur();

    const snap = store.contacts;
    el.hidden = app.me === null;
    addBtn.hidden = !store.isAccount || snap === null;
    count.textContent = snap && snap.contacts.length > 0 ? String(snap.contacts.length) : '';
    if (!store.isAccount) {
      note.textContent = 'Log in to keep a contact list and see when your contacts are around.';
    } else if (!snap) {
      note.textContent = store.contactsError || 'Loading…';
    } else if (snap.contacts.length === 0 && snap.incoming.length === 0 && snap.outgoing.length === 0) {
      note.textContent = 'No contacts yet. Add one by their user id, or from a room’s member list.';
    } else {
      note.textContent = '';
    }
    note.hidden = note.textContent === '';
    if (!snap || !store.isAccount) {
      replaceChildren(body);
      return;
    }

    const parts: HTMLElement[] = [];
    if (snap.incoming.length > 0) {
      parts.push(
        section(
          'Requests',
          'contact-requests',
          snap.incoming.map((r) =>
            h(
              'li',
              { class: 'contact contact--request', testid: 'contact-request', dataset: { user: r.user.id } },
              h(
                'div',
                { class: 'contact__main contact__main--static' },
                h('span', { class: 'contact__avatar' }, avatar(r.user, 28)),
                h(
                  'span',
                  { class: 'contact__text' },
                  h('span', { class: 'contact__name' }, r.user.name),
                  h(
                    'span',
                    { class: 'contact__line', title: r.user.id },
                    r.message ? `“${r.message}”` : r.user.id,
                  ),
                ),
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'icon-btn contact__accept',
                  testid: 'contact-accept',
                  'aria-label': `Accept ${r.user.name}`,
                  title: 'Accept',
                  on: { click: () => run(app, store.contactAction('accept', r.user.id), 'accept') },
                },
                icon(CHECK),
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'icon-btn icon-btn--danger',
                  testid: 'contact-deny',
                  'aria-label': `Decline ${r.user.name}`,
                  title: 'Decline',
                  on: { click: () => run(app, store.contactAction('deny', r.user.id), 'decline') },
                },
                icon(X),
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'icon-btn icon-btn--danger',
                  testid: 'contact-block',
                  'aria-label': `Block ${r.user.name}`,
                  title: 'Block: no more requests or messages from them',
                  on: {
                    click: () => {
                      if (
                        !window.confirm(`Block ${r.user.name}? They will not be able to message or add you.`)
                      )
                        return;
                      run(app, store.contactAction('block', r.user.id), 'block');
                    },
                  },
                },
                icon(PERSON_ICONS.block),
              ),
            ),
          ),
        ),
      );
    }

    // Groups: the important one first; a contact in several groups is listed in each.
    const important = snap.importantGroup;
    const sorted = [...snap.contacts].sort(
      (a, b) =>
        stateRank(store.stateOf(a.user.id)) - stateRank(store.stateOf(b.user.id)) ||
        a.user.name.localeCompare(b.user.name, undefined, { sensitivity: 'base' }),
    );
    for (const group of store.groups()) {
      const members = sorted.filter((c) => c.groups.includes(group));
      const isImportant = group === important;
      const star = h(
        'button',
        {
          type: 'button',
          class: `icon-btn contacts__star${isImportant ? ' is-on' : ''}`,
          testid: 'contact-group-important',
          'aria-pressed': String(isImportant),
          'aria-label': isImportant
            ? `“${group}” is important (click to unmark)`
            : `Mark “${group}” important`,
          title: isImportant
            ? 'Important: these contacts can message you while you are busy. Click to unmark.'
            : 'Mark important: these contacts can message you while you are busy',
          on: {
            click: () =>
              run(app, store.setImportant(isImportant ? null : group), 'change the important group'),
          },
        },
        icon(STAR),
      );
      parts.push(
        section(
          h(
            'span',
            { class: 'contacts__group-title' },
            h('span', { class: 'contacts__group-name' }, group),
            isImportant ? h('span', { class: 'tag tag--saved' }, 'Important') : null,
            star,
          ),
          'contact-group',
          members.map(contactItem),
          { group },
        ),
      );
    }
    const ungrouped = sorted.filter((c) => c.groups.length === 0);
    if (ungrouped.length > 0) {
      parts.push(
        section(
          store.groups().length > 0 ? 'Other contacts' : 'All contacts',
          'contact-group',
          ungrouped.map(contactItem),
          { group: '' },
        ),
      );
    }

    if (snap.outgoing.length > 0) {
      parts.push(
        section(
          'Waiting for an answer',
          'contact-outgoing-list',
          snap.outgoing.map((r) =>
            h(
              'li',
              {
                class: 'contact contact--outgoing',
                testid: 'contact-outgoing',
                dataset: { user: r.user.id },
              },
              // No presence until they accept: a pending request shows none.
              contactButton(r.user, h('span', { class: 'contact__line' }, 'Request sent'), false),
              h(
                'button',
                {
                  type: 'button',
                  class: 'icon-btn icon-btn--danger',
                  testid: 'contact-cancel',
                  'aria-label': `Cancel the request to ${r.user.name}`,
                  title: 'Cancel the request',
                  on: {
                    click: () => run(app, store.contactAction('cancel', r.user.id), 'cancel the request'),
                  },
                },
                icon(X),
              ),
            ),
          ),
        ),
      );
    }

    if (snap.blocked.length > 0) {
      const details = h(
        'details',
        { class: 'contacts__blocked', testid: 'contacts-blocked' },
        h('summary', { class: 'contacts__section-title' }, `Blocked (${snap.blocked.length})`),
        h(
          'ul',
          { class: 'contacts__list', role: 'list' },
          ...snap.blocked.map((u) =>
            h(
              'li',
              { class: 'contact contact--blocked', testid: 'blocked-item', dataset: { user: u.id } },
              h(
                'div',
                { class: 'contact__main contact__main--static' },
                h('span', { class: 'contact__avatar' }, avatar(u, 28)),
                h('span', { class: 'contact__text' }, h('span', { class: 'contact__name' }, u.name)),
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'btn btn--small',
                  testid: 'contact-unblock',
                  on: { click: () => run(app, store.contactAction('unblock', u.id), 'unblock') },
                },
                'Unblock',
              ),
            ),
          ),
        ),
      );
      details.open = blockedOpen;
      details.addEventListener('toggle', () => (blockedOpen = details.open));
      parts.push(details);
    }
    replaceChildren(body, ...parts);

    if (focusKey?.testid) {
      const candidates = el.querySelectorAll<HTMLElement>(`[data-testid="${focusKey.testid}"]`);
      for (const c of candidates) {
        if (c.closest<HTMLElement>('[data-user]')?.dataset['user'] !== focusKey.user) continue;
        if (c.closest<HTMLElement>('[data-group]')?.dataset['group'] !== focusKey.group) continue;
        c.focus({ preventScroll: true });
        break;
      }
    }
  };
  store.on('contacts', render);
  store.on('presence', (changed) => {
    if (changed.size === 0 || [...changed].some((id) => store.isContact(id))) render();
  });
  store.on('dm', ({ peer }) => {
    if (store.isContact(peer) || store.hasOutgoing(peer)) render();
  });
  app.on('me', render);
  // "last seen 3 min ago" ages.
  window.setInterval(() => {
    if (store.contacts?.contacts.some((c) => store.stateOf(c.user.id) === 'offline')) render();
  }, 30_000);
  render();
  return el;
}

function run(app: App, work: Promise<unknown>, what: string): void {
  work.catch((err: unknown) => app.toast(`Could not ${what}: ${errorText(err)}`));
}

/** Choose the groups of a contact: existing ones as checkboxes, new ones typed (comma-separated). */
function openGroupsDialog(app: App, contact: Contact): void {
  const store = app.presence;
  const existing = store.groups();
  const boxes = existing.map((group) => {
    const box = h('input', { type: 'checkbox', value: group, testid: 'contact-group-option' });
    box.checked = contact.groups.includes(group);
    return { group, box };
  });
  const input = h('input', {
    id: 'contact-groups-new',
    class: 'input',
    testid: 'contact-groups-input',
    type: 'text',
    autocomplete: 'off',
    placeholder: 'e.g. Work, Family',
  });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  openModal({
    id: 'contact-groups',
    title: `Groups of ${contact.user.name}`,
    testid: 'contact-groups-dialog',
    body: (close) => {
      const form = h(
        'form',
        { class: 'stack' },
        boxes.length > 0
          ? h(
              'fieldset',
              { class: 'contacts__group-boxes' },
              h('legend', { class: 'field__label' }, 'Groups'),
              ...boxes.map(({ group, box }) => h('label', { class: 'checkbox' }, box, group)),
            )
          : null,
        field(input, boxes.length > 0 ? 'New groups' : 'Groups', 'Separate several with commas.'),
        error,
        h(
          'div',
          { class: 'dialog__buttons' },
          h('button', { type: 'button', class: 'btn', on: { click: close } }, 'Cancel'),
          h('button', { type: 'submit', class: 'btn btn--primary', testid: 'contact-groups-save' }, 'Save'),
        ),
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        clearError(error, form);
        const typed = input.value
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean);
        const tooLong = typed.find((g) => g.length > PRESENCE_LIMITS.groupName);
        if (tooLong) {
          showError(error, `A group name has at most ${PRESENCE_LIMITS.groupName} characters.`, input);
          return;
        }
        const groups = [...new Set([...boxes.filter((b) => b.box.checked).map((b) => b.group), ...typed])];
        if (groups.length > PRESENCE_LIMITS.groups) {
          showError(error, `At most ${PRESENCE_LIMITS.groups} groups.`, input);
          return;
        }
        store
          .setGroups(contact.user.id, groups)
          .then(close, (err: unknown) => showError(error, errorText(err)));
      });
      return [form];
    },
  });
  (boxes[0]?.box ?? input).focus();
}
