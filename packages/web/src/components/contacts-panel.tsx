/**
 * The contacts panel of the sidebar: pending requests (accept / deny, cancel), contacts by group
 * (a contact in several groups shows in each; the important group first, with a star), presence
 * dots, status texts and "last seen", "add contact" by user id, block and unblock.
 */
import { useSignal } from '@preact/signals';
import { PRESENCE_LIMITS, type Contact, type UserRef } from '@presence/protocol';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { App } from '../app.ts';
import { badgeCount } from '../format.ts';
import { lastSeenText, STATE_LABEL, stateRank } from '../presence-format.ts';
import { errorCode, errorText } from '../sdk.ts';
import { clockTick, storeVersion, track } from '../state/store-signal.ts';
import { Avatar } from '../ui/avatar.tsx';
import { describedBy, Field, FormError } from '../ui/field.tsx';
import { Icon } from '../ui/icon.tsx';
import { openComponentModal } from '../ui/modal.tsx';
import { UserDot } from '../ui/presence-dot.tsx';
import { PERSON_ICONS } from './person-menu.ts';
import { openPopupMenu } from './popup-menu.tsx';
import './presence.css';

const STAR = 'M12 2l3.09 6.26L22 9.27l-5 4.87 1.18 6.88L12 17.77l-6.18 3.25L7 14.14 2 9.27l6.91-1.01L12 2z';
const MORE = 'M12 12h.01|M19 12h.01|M5 12h.01';
const CHECK = 'M20 6 9 17l-5-5';
const X = 'M18 6 6 18|M6 6l12 12';

function run(app: App, work: Promise<unknown>, what: string): void {
  work.catch((err: unknown) => app.toast(`Could not ${what}: ${errorText(err)}`));
}

export function ContactsPanel({ app }: { app: App }) {
  const store = app.presence;
  track(
    storeVersion(store, 'contacts'),
    storeVersion(store, 'presence'),
    storeVersion(store, 'dm'),
    storeVersion(app, 'me'),
    // "last seen 3 min ago" ages.
    clockTick(30_000),
  );
  const adding = useSignal(false);
  const blockedOpen = useSignal(false);
  const addButton = useRef<HTMLButtonElement>(null);

  const snap = store.contacts;
  const note = !store.isAccount
    ? 'Log in to keep a contact list and see when your contacts are around.'
    : !snap
      ? store.contactsError || 'Loading…'
      : snap.contacts.length === 0 && snap.incoming.length === 0 && snap.outgoing.length === 0
        ? 'No contacts yet. Add one by their user id, or from a room’s member list.'
        : '';

  return (
    <section
      class="contacts"
      data-testid="contacts-panel"
      aria-labelledby="contacts-title"
      hidden={app.me === null}
    >
      <div class="contacts__head">
        <h2 class="sidebar__title" id="contacts-title">
          Contacts{' '}
          <span class="contacts__count">
            {snap && snap.contacts.length > 0 ? String(snap.contacts.length) : ''}
          </span>
        </h2>
        <button
          type="button"
          class="icon-btn"
          data-testid="add-contact"
          aria-label="Add a contact"
          title="Add a contact"
          aria-expanded={adding.value ? 'true' : 'false'}
          aria-controls="add-contact-form"
          hidden={!store.isAccount || snap === null}
          ref={addButton}
          onClick={() => (adding.value = !adding.value)}
        >
          <Icon paths={PERSON_ICONS.add} />
        </button>
      </div>
      {adding.value && (
        <AddContactForm
          app={app}
          close={(focusButton) => {
            adding.value = false;
            if (focusButton) addButton.current?.focus();
          }}
        />
      )}
      <p class="muted small contacts__note" data-testid="contacts-note" hidden={note === ''}>
        {note}
      </p>
      <div class="contacts__body">
        {snap && store.isAccount && (
          <ContactsBody
            app={app}
            blockedOpen={blockedOpen.value}
            setBlockedOpen={(open) => (blockedOpen.value = open)}
          />
        )}
      </div>
    </section>
  );
}

function AddContactForm({ app, close }: { app: App; close(focusButton: boolean): void }) {
  const store = app.presence;
  const idInput = useRef<HTMLInputElement>(null);
  const messageInput = useRef<HTMLInputElement>(null);
  const error = useSignal('');
  const busy = useSignal(false);
  useEffect(() => idInput.current?.focus(), []);
  const fail = (text: string): void => {
    error.value = text;
    idInput.current?.focus();
  };
  const submit = (e: Event): void => {
    e.preventDefault();
    const id = idInput.current?.value.trim() ?? '';
    error.value = '';
    if (id === app.userId) return fail('That is your own id.');
    if (id.length < 3) return fail('Enter their user id (like bob@chat.example.org).');
    busy.value = true;
    store.requestContact(id, messageInput.current?.value ?? '').then(
      (status) => {
        busy.value = false;
        close(false);
        const name = store.person(id)?.name ?? id;
        app.toast(
          status === 'accepted' ? `${name} is now one of your contacts.` : `Contact request sent to ${name}.`,
          'info',
        );
      },
      (err: unknown) => {
        busy.value = false;
        const code = errorCode(err);
        fail(
          code === 'USER_NOT_FOUND'
            ? 'There is no user with this id.'
            : code === 'FORBIDDEN'
              ? `You cannot add this user: ${errorText(err)}`
              : errorText(err),
        );
      },
    );
  };
  return (
    <form
      id="add-contact-form"
      class="contacts__add"
      data-testid="add-contact-form"
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          close(true);
        }
      }}
    >
      <Field id="add-contact-input" label="User id" hint="Their id is in their account menu.">
        <input
          id="add-contact-input"
          class="input"
          data-testid="add-contact-input"
          type="text"
          required
          autocomplete="off"
          spellcheck={false}
          placeholder="e.g. bob@chat.example.org"
          aria-invalid={error.value ? 'true' : undefined}
          aria-describedby={describedBy('add-contact-input-hint', error.value && 'add-contact-error')}
          ref={idInput}
        />
      </Field>
      <Field id="add-contact-message" label="Message">
        <input
          id="add-contact-message"
          class="input"
          data-testid="add-contact-message"
          type="text"
          maxLength={PRESENCE_LIMITS.contactMessage}
          autocomplete="off"
          placeholder="Optional"
          ref={messageInput}
        />
      </Field>
      <FormError id="add-contact-error" testid="add-contact-error" text={error.value} />
      <div class="contacts__add-buttons">
        <button type="button" class="btn btn--small" onClick={() => close(true)}>
          Cancel
        </button>
        <button
          type="submit"
          class="btn btn--small btn--primary"
          data-testid="add-contact-submit"
          disabled={busy.value}
        >
          Send request
        </button>
      </div>
    </form>
  );
}

function Section({
  title,
  testid,
  group,
  children,
}: {
  title: ComponentChildren;
  testid: string;
  group?: string;
  children: ComponentChildren;
}) {
  return (
    <section class="contacts__section" data-testid={testid} data-group={group}>
      <h3 class="contacts__section-title">{title}</h3>
      <ul class="contacts__list" role="list">
        {children}
      </ul>
    </section>
  );
}

function ContactButton({
  app,
  user,
  extra,
  withDot,
}: {
  app: App;
  user: UserRef;
  extra: ComponentChildren;
  withDot: boolean;
}) {
  const store = app.presence;
  const unread = store.dms.get(user.id)?.unread ?? 0;
  return (
    <button
      type="button"
      class="contact__main"
      data-testid="dm-open"
      title={`Message ${user.name}`}
      onClick={() => store.openDm(user)}
    >
      <span class="contact__avatar">
        <Avatar user={user} size={28} />
        {withDot && <UserDot user={user.id} />}
      </span>
      <span class="contact__text">
        <span class="contact__name">{user.name}</span>
        {extra}
      </span>
      {unread > 0 && (
        <span class="badge" data-testid="dm-unread" aria-label={`${unread} unread`}>
          {badgeCount(unread)}
        </span>
      )}
    </button>
  );
}

function ContactItem({ app, c }: { app: App; c: Contact }) {
  const store = app.presence;
  const p = store.presenceOf(c.user.id);
  const state = p?.state ?? 'unknown';
  let line = null;
  if (p?.state === 'offline' && p.lastActive !== null) {
    line = (
      <span class="contact__line" data-testid="last-seen">
        {lastSeenText(p.lastActive)}
      </span>
    );
  } else if (p && p.status && p.state !== 'offline') {
    line = (
      <span class="contact__line" data-testid="contact-status" title={p.status}>
        {`${STATE_LABEL[p.state]} · ${p.status}`}
      </span>
    );
  } else if (p) {
    line = <span class="contact__line">{STATE_LABEL[p.state]}</span>;
  }
  const menu = (anchor: HTMLElement): void =>
    openPopupMenu(
      anchor,
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
            if (!window.confirm(`Block ${c.user.name}? They will not be able to message or add you.`)) return;
            run(app, store.contactAction('block', c.user.id), 'block');
          },
        },
      ],
      `Actions for ${c.user.name}`,
    );
  return (
    <li class={`contact is-${state}`} data-testid="contact-item" data-user={c.user.id} data-state={state}>
      <ContactButton app={app} user={c.user} extra={line} withDot />
      <button
        type="button"
        class="icon-btn contact__more"
        data-testid="contact-menu"
        aria-haspopup="menu"
        aria-expanded="false"
        aria-label={`More for ${c.user.name}`}
        title="More"
        onClick={(e) => menu(e.currentTarget)}
      >
        <Icon paths={MORE} />
      </button>
    </li>
  );
}

function confirmBlock(app: App, user: UserRef): void {
  if (!window.confirm(`Block ${user.name}? They will not be able to message or add you.`)) return;
  run(app, app.presence.contactAction('block', user.id), 'block');
}

function ContactsBody({
  app,
  blockedOpen,
  setBlockedOpen,
}: {
  app: App;
  blockedOpen: boolean;
  setBlockedOpen(open: boolean): void;
}) {
  const store = app.presence;
  const snap = store.contacts;
  if (!snap) return null;
  // Groups: the important one first; a contact in several groups is listed in each.
  const important = snap.importantGroup;
  const sorted = [...snap.contacts].sort(
    (a, b) =>
      stateRank(store.stateOf(a.user.id)) - stateRank(store.stateOf(b.user.id)) ||
      a.user.name.localeCompare(b.user.name, undefined, { sensitivity: 'base' }),
  );
  const groups = store.groups();
  const ungrouped = sorted.filter((c) => c.groups.length === 0);
  return (
    <>
      {snap.incoming.length > 0 && (
        <Section title="Requests" testid="contact-requests">
          {snap.incoming.map((r) => (
            <li
              key={r.user.id}
              class="contact contact--request"
              data-testid="contact-request"
              data-user={r.user.id}
            >
              <div class="contact__main contact__main--static">
                <span class="contact__avatar">
                  <Avatar user={r.user} size={28} />
                </span>
                <span class="contact__text">
                  <span class="contact__name">{r.user.name}</span>
                  <span class="contact__line" title={r.user.id}>
                    {r.message ? `“${r.message}”` : r.user.id}
                  </span>
                </span>
              </div>
              <button
                type="button"
                class="icon-btn contact__accept"
                data-testid="contact-accept"
                aria-label={`Accept ${r.user.name}`}
                title="Accept"
                onClick={() => run(app, store.contactAction('accept', r.user.id), 'accept')}
              >
                <Icon paths={CHECK} />
              </button>
              <button
                type="button"
                class="icon-btn icon-btn--danger"
                data-testid="contact-deny"
                aria-label={`Decline ${r.user.name}`}
                title="Decline"
                onClick={() => run(app, store.contactAction('deny', r.user.id), 'decline')}
              >
                <Icon paths={X} />
              </button>
              <button
                type="button"
                class="icon-btn icon-btn--danger"
                data-testid="contact-block"
                aria-label={`Block ${r.user.name}`}
                title="Block: no more requests or messages from them"
                onClick={() => confirmBlock(app, r.user)}
              >
                <Icon paths={PERSON_ICONS.block} />
              </button>
            </li>
          ))}
        </Section>
      )}
      {groups.map((group) => {
        const isImportant = group === important;
        return (
          <Section
            key={`group:${group}`}
            testid="contact-group"
            group={group}
            title={
              <span class="contacts__group-title">
                <span class="contacts__group-name">{group}</span>
                {isImportant && <span class="tag tag--saved">Important</span>}
                <button
                  type="button"
                  class={`icon-btn contacts__star${isImportant ? ' is-on' : ''}`}
                  data-testid="contact-group-important"
                  aria-pressed={isImportant ? 'true' : 'false'}
                  aria-label={
                    isImportant ? `“${group}” is important (click to unmark)` : `Mark “${group}” important`
                  }
                  title={
                    isImportant
                      ? 'Important: these contacts can message you while you are busy. Click to unmark.'
                      : 'Mark important: these contacts can message you while you are busy'
                  }
                  onClick={() =>
                    run(app, store.setImportant(isImportant ? null : group), 'change the important group')
                  }
                >
                  <Icon paths={STAR} />
                </button>
              </span>
            }
          >
            {sorted
              .filter((c) => c.groups.includes(group))
              .map((c) => (
                <ContactItem key={c.user.id} app={app} c={c} />
              ))}
          </Section>
        );
      })}
      {ungrouped.length > 0 && (
        <Section
          key="ungrouped"
          title={groups.length > 0 ? 'Other contacts' : 'All contacts'}
          testid="contact-group"
          group=""
        >
          {ungrouped.map((c) => (
            <ContactItem key={c.user.id} app={app} c={c} />
          ))}
        </Section>
      )}
      {snap.outgoing.length > 0 && (
        <Section title="Waiting for an answer" testid="contact-outgoing-list">
          {snap.outgoing.map((r) => (
            <li
              key={r.user.id}
              class="contact contact--outgoing"
              data-testid="contact-outgoing"
              data-user={r.user.id}
            >
              {/* No presence until they accept: a pending request shows none. */}
              <ContactButton
                app={app}
                user={r.user}
                extra={<span class="contact__line">Request sent</span>}
                withDot={false}
              />
              <button
                type="button"
                class="icon-btn icon-btn--danger"
                data-testid="contact-cancel"
                aria-label={`Cancel the request to ${r.user.name}`}
                title="Cancel the request"
                onClick={() => run(app, store.contactAction('cancel', r.user.id), 'cancel the request')}
              >
                <Icon paths={X} />
              </button>
            </li>
          ))}
        </Section>
      )}
      {snap.blocked.length > 0 && (
        <details
          class="contacts__blocked"
          data-testid="contacts-blocked"
          open={blockedOpen}
          onToggle={(e) => setBlockedOpen(e.currentTarget.open)}
        >
          <summary class="contacts__section-title">{`Blocked (${snap.blocked.length})`}</summary>
          <ul class="contacts__list" role="list">
            {snap.blocked.map((u) => (
              <li key={u.id} class="contact contact--blocked" data-testid="blocked-item" data-user={u.id}>
                <div class="contact__main contact__main--static">
                  <span class="contact__avatar">
                    <Avatar user={u} size={28} />
                  </span>
                  <span class="contact__text">
                    <span class="contact__name">{u.name}</span>
                  </span>
                </div>
                <button
                  type="button"
                  class="btn btn--small"
                  data-testid="contact-unblock"
                  onClick={() => run(app, store.contactAction('unblock', u.id), 'unblock')}
                >
                  Unblock
                </button>
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

/** Choose the groups of a contact: existing ones as checkboxes, new ones typed (comma-separated). */
function openGroupsDialog(app: App, contact: Contact): void {
  openComponentModal(
    { id: 'contact-groups', title: `Groups of ${contact.user.name}`, testid: 'contact-groups-dialog' },
    (close) => <GroupsForm app={app} contact={contact} close={close} />,
  );
}

function GroupsForm({ app, contact, close }: { app: App; contact: Contact; close(): void }) {
  const store = app.presence;
  const existing = useRef(store.groups()).current;
  const checked = useSignal<ReadonlySet<string>>(new Set(contact.groups.filter((g) => existing.includes(g))));
  const input = useRef<HTMLInputElement>(null);
  const first = useRef<HTMLInputElement>(null);
  const error = useSignal('');
  useEffect(() => (first.current ?? input.current)?.focus(), []);
  const fail = (text: string): void => {
    error.value = text;
    input.current?.focus();
  };
  const submit = (e: Event): void => {
    e.preventDefault();
    error.value = '';
    const typed = (input.current?.value ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
    if (typed.some((g) => g.length > PRESENCE_LIMITS.groupName)) {
      return fail(`A group name has at most ${PRESENCE_LIMITS.groupName} characters.`);
    }
    const groups = [...new Set([...existing.filter((g) => checked.value.has(g)), ...typed])];
    if (groups.length > PRESENCE_LIMITS.groups) return fail(`At most ${PRESENCE_LIMITS.groups} groups.`);
    store.setGroups(contact.user.id, groups).then(close, (err: unknown) => (error.value = errorText(err)));
  };
  return (
    <form class="stack" onSubmit={submit}>
      {existing.length > 0 && (
        <fieldset class="contacts__group-boxes">
          <legend class="field__label">Groups</legend>
          {existing.map((group, i) => (
            <label key={group} class="checkbox">
              <input
                type="checkbox"
                value={group}
                data-testid="contact-group-option"
                checked={checked.value.has(group)}
                ref={i === 0 ? first : undefined}
                onChange={(e) => {
                  const next = new Set(checked.value);
                  if (e.currentTarget.checked) next.add(group);
                  else next.delete(group);
                  checked.value = next;
                }}
              />
              {group}
            </label>
          ))}
        </fieldset>
      )}
      <Field
        id="contact-groups-new"
        label={existing.length > 0 ? 'New groups' : 'Groups'}
        hint="Separate several with commas."
      >
        <input
          id="contact-groups-new"
          class="input"
          data-testid="contact-groups-input"
          type="text"
          autocomplete="off"
          placeholder="e.g. Work, Family"
          aria-invalid={error.value ? 'true' : undefined}
          aria-describedby={describedBy('contact-groups-new-hint', error.value && 'contact-groups-error')}
          ref={input}
        />
      </Field>
      <FormError id="contact-groups-error" text={error.value} />
      <div class="dialog__buttons">
        <button type="button" class="btn" onClick={close}>
          Cancel
        </button>
        <button type="submit" class="btn btn--primary" data-testid="contact-groups-save">
          Save
        </button>
      </div>
    </form>
  );
}
