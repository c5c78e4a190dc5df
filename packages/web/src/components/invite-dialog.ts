import type { Invite, RoomRole } from '@presence/protocol';
import type { App } from '../app.ts';
import { h, icon, ICONS, replaceChildren } from '../dom.ts';
import { fullDate } from '../format.ts';
import { expiryText, inviteUrl, inviteUsesText } from '../invite-format.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { copyText } from './clipboard.ts';
import { clearError, field, openModal, showError } from './modal.ts';
import './access.css';

const USER_PLUS =
  'M16 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2|M8.5 3a4 4 0 1 0 0 8 4 4 0 0 0 0-8z|M20 8v6|M23 11h-6';

const EXPIRY_CHOICES: readonly { label: string; seconds: number | null }[] = [
  { label: 'Never', seconds: null },
  { label: 'In 1 hour', seconds: 3600 },
  { label: 'In 1 day', seconds: 86_400 },
  { label: 'In 7 days', seconds: 7 * 86_400 },
];

/** Invites a member created in this tab, per room: members may revoke them but not list the room's. */
const createdHere = new Map<string, Invite[]>();

/** The caller's role in the room, as the member list says (it follows role changes). */
function myRole(app: App, store: RoomStore): RoomRole | null {
  return store.members.get(app.userId ?? '')?.role ?? store.role;
}

const canCreate = (role: RoomRole | null): boolean =>
  role === 'owner' || role === 'admin' || role === 'member';
const canList = (role: RoomRole | null): boolean => role === 'owner' || role === 'admin';

/** "Invite" in the room header, for those allowed to create invites (not guests). */
export function inviteButton(app: App, store: RoomStore): { el: HTMLButtonElement; destroy(): void } {
  const el = h(
    'button',
    {
      type: 'button',
      class: 'btn',
      testid: 'invite-open',
      'aria-label': 'Invite people with a link',
      title: 'Invite people with a link',
    },
    icon(USER_PLUS),
    h('span', { class: 'btn__label' }, 'Invite'),
  );
  el.addEventListener('click', () => openInviteDialog(app, store));
  const render = (): void => {
    el.hidden = !canCreate(myRole(app, store));
  };
  const offs = [store.on('members', render), store.on('info', render)];
  render();
  return { el, destroy: () => offs.forEach((off) => off()) };
}

/** Create invite links (single-use or multi-use, optional limit and expiry), copy them, revoke them. */
export function openInviteDialog(app: App, store: RoomStore): void {
  const role = myRole(app, store);
  const listAll = canList(role);
  const roomId = store.id;

  // --- create ---
  const single = h('input', {
    type: 'radio',
    name: 'invite-kind',
    value: 'single',
    id: 'invite-kind-single',
    testid: 'invite-kind-single',
    checked: true,
  });
  const multi = h('input', {
    type: 'radio',
    name: 'invite-kind',
    value: 'public',
    id: 'invite-kind-public',
    testid: 'invite-kind-public',
  });
  const maxUses = h('input', {
    id: 'invite-max-uses',
    class: 'input',
    testid: 'invite-max-uses',
    type: 'number',
    min: '1',
    max: '1000000',
    step: '1',
    inputMode: 'numeric',
    placeholder: 'No limit',
    disabled: true,
  });
  const expiry = h(
    'select',
    { id: 'invite-expiry', class: 'input', testid: 'invite-expiry' },
    ...EXPIRY_CHOICES.map((c, i) => h('option', { value: String(i) }, c.label)),
  );
  const error = h('p', { class: 'form-error', role: 'alert', testid: 'invite-error', hidden: true });
  const createBtn = h(
    'button',
    { type: 'submit', class: 'btn btn--primary', testid: 'invite-create' },
    'Create invite link',
  );
  const syncKind = (): void => {
    maxUses.disabled = !multi.checked;
    maxUses.closest('.field')?.classList.toggle('is-disabled', !multi.checked);
  };
  single.addEventListener('change', syncKind);
  multi.addEventListener('change', syncKind);

  const kindOption = (input: HTMLInputElement, label: string, hint: string): HTMLElement =>
    h(
      'label',
      { class: 'choice', for: input.id },
      input,
      h(
        'span',
        { class: 'choice__text' },
        h('span', { class: 'choice__label' }, label),
        h('span', { class: 'choice__hint' }, hint),
      ),
    );

  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h(
      'fieldset',
      { class: 'choices' },
      h('legend', { class: 'field__label' }, 'Who can use the link'),
      kindOption(single, 'Single-use', 'One person can join with it, then it stops working.'),
      kindOption(multi, 'Multi-use', 'Anyone with the link can join, up to an optional limit.'),
    ),
    h('div', { class: 'invite-form__row' }, field(maxUses, 'Maximum uses'), field(expiry, 'Expires')),
    error,
    h('div', { class: 'invite-form__actions' }, createBtn),
  );

  // --- the new link ---
  const linkInput = h('input', {
    id: 'invite-link',
    class: 'input invite-result__link',
    testid: 'invite-link',
    type: 'text',
    readOnly: true,
    spellcheck: 'false',
  });
  const copyLabel = h('span', null, 'Copy');
  const copyBtn = h(
    'button',
    { type: 'button', class: 'btn', testid: 'invite-copy' },
    icon(ICONS.copy),
    copyLabel,
  );
  const resultMeta = h('p', { class: 'small muted invite-result__meta', testid: 'invite-result-meta' });
  const result = h(
    'div',
    { class: 'invite-result', testid: 'invite-result', hidden: true, role: 'status' },
    h('label', { class: 'field__label', for: 'invite-link' }, 'Your invite link'),
    h('div', { class: 'invite-result__row' }, linkInput, copyBtn),
    resultMeta,
  );
  let copyTimer = 0;
  const flashCopied = (button: HTMLButtonElement, label: HTMLElement, ok: boolean): void => {
    label.textContent = ok ? 'Copied!' : 'Copy failed';
    button.classList.toggle('is-done', ok);
    window.clearTimeout(copyTimer);
    copyTimer = window.setTimeout(() => {
      label.textContent = 'Copy';
      button.classList.remove('is-done');
    }, 2000);
    if (!ok) app.toast('Could not copy; select the link and copy it by hand.');
  };
  copyBtn.addEventListener('click', () => {
    linkInput.select();
    void copyText(linkInput.value).then((ok) => flashCopied(copyBtn, copyLabel, ok));
  });
  linkInput.addEventListener('focus', () => linkInput.select());

  // --- active invites ---
  const list = h('ul', { class: 'invite-list', role: 'list', testid: 'invite-list' });
  const listStatus = h('p', { class: 'small muted invite-list__status', role: 'status' });
  const listSection = h(
    'section',
    { class: 'invite-list__section', 'aria-labelledby': 'invite-list-title' },
    h(
      'h3',
      { class: 'invite-list__title', id: 'invite-list-title' },
      listAll ? 'Active invites' : 'Invites you created',
    ),
    listStatus,
    list,
  );
  let invites: Invite[] = listAll ? [] : [...(createdHere.get(roomId) ?? [])];

  const revoke = async (invite: Invite, button: HTMLButtonElement): Promise<void> => {
    button.disabled = true;
    try {
      const client = await app.connected();
      await client.request('invite.revoke', { room: roomId, code: invite.code });
      invites = invites.filter((i) => i.code !== invite.code);
      const mine = createdHere.get(roomId);
      if (mine)
        createdHere.set(
          roomId,
          mine.filter((i) => i.code !== invite.code),
        );
      renderList();
      app.toast('Invite revoked: the link no longer works.', 'info');
      if (listAll) void loadList();
    } catch (err) {
      button.disabled = false;
      app.toast(`Could not revoke the invite: ${errorText(err)}`);
    }
  };

  const renderList = (): void => {
    const now = Date.now();
    const usable = invites.filter((i) => i.expiresAt === null || i.expiresAt > now);
    listStatus.textContent = usable.length === 0 ? 'No active invites.' : '';
    listStatus.hidden = usable.length > 0;
    replaceChildren(
      list,
      ...usable.map((invite) => {
        const url = inviteUrl(location.origin, invite.code);
        const copyItem = h(
          'button',
          {
            type: 'button',
            class: 'icon-btn',
            testid: 'invite-item-copy',
            title: 'Copy link',
            'aria-label': `Copy the invite link ${invite.code.slice(0, 6)}…`,
          },
          icon(ICONS.copy),
        );
        copyItem.addEventListener('click', () => {
          void copyText(url).then((ok) => {
            if (ok) app.toast('Invite link copied.', 'info');
            else app.toast('Could not copy; select the link and copy it by hand.');
          });
        });
        const revokeBtn = h(
          'button',
          {
            type: 'button',
            class: 'btn btn--small btn--danger',
            testid: 'invite-revoke',
            'aria-label': `Revoke the invite ${invite.code.slice(0, 6)}…`,
          },
          'Revoke',
        );
        revokeBtn.addEventListener('click', () => void revoke(invite, revokeBtn));
        const expires = expiryText(invite.expiresAt, now);
        return h(
          'li',
          { class: 'invite-item', testid: 'invite-item', dataset: { code: invite.code, kind: invite.kind } },
          h(
            'div',
            { class: 'invite-item__main' },
            h('code', { class: 'invite-item__code', title: url }, `/i/${invite.code}`),
            h(
              'span',
              { class: 'invite-item__meta small muted' },
              inviteUsesText(invite),
              ' · ',
              h('span', { title: invite.expiresAt === null ? '' : fullDate(invite.expiresAt) }, expires),
              ' · by ',
              invite.createdBy.name,
            ),
          ),
          h('div', { class: 'invite-item__actions' }, copyItem, revokeBtn),
        );
      }),
    );
  };

  const loadList = async (): Promise<void> => {
    if (!listAll) return renderList();
    listStatus.hidden = false;
    listStatus.textContent = 'Loading…';
    try {
      const client = await app.connected();
      const answer = await client.request('invite.list', { room: roomId });
      invites = answer.invites;
      renderList();
    } catch (err) {
      listStatus.textContent = `Could not load the invites: ${errorText(err)}`;
    }
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearError(error, form);
    const kind = multi.checked ? 'public' : 'single';
    let limit: number | undefined;
    if (kind === 'public' && maxUses.value.trim() !== '') {
      limit = Number(maxUses.value);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000) {
        showError(
          error,
          'Maximum uses is a whole number from 1 to 1,000,000, or empty for no limit.',
          maxUses,
        );
        return;
      }
    }
    const seconds = EXPIRY_CHOICES[Number(expiry.value)]?.seconds ?? null;
    createBtn.disabled = true;
    createBtn.classList.add('is-busy');
    void (async () => {
      try {
        const client = await app.connected();
        const { invite } = await client.request('invite.create', {
          room: roomId,
          kind,
          ...(limit !== undefined && { maxUses: limit }),
          ...(seconds !== null && { expiresInSeconds: seconds }),
        });
        linkInput.value = inviteUrl(location.origin, invite.code);
        resultMeta.textContent = `${inviteUsesText(invite)} · ${expiryText(invite.expiresAt)}`;
        result.hidden = false;
        linkInput.focus();
        if (listAll) {
          await loadList();
        } else {
          createdHere.set(roomId, [...(createdHere.get(roomId) ?? []), invite]);
          invites = [...invites, invite];
          renderList();
        }
      } catch (err) {
        showError(error, `Could not create the invite: ${errorText(err)}`);
      } finally {
        createBtn.disabled = false;
        createBtn.classList.remove('is-busy');
      }
    })();
  });

  const info = store.info;
  const note =
    info?.visibility === 'private'
      ? 'This room is invite-only: people need an invite link to join.'
      : 'Anyone with the room link can join now. Invite links keep working if the room becomes invite-only.';
  openModal({
    id: 'invite-dialog',
    title: 'Invite people',
    testid: 'invite-dialog',
    wide: true,
    body: (close) => [
      h(
        'p',
        { class: 'muted' },
        note,
        info?.persistent ? '' : ' Invites to a temporary room end with the room.',
      ),
      form,
      result,
      listSection,
      h(
        'div',
        { class: 'dialog__buttons' },
        h('button', { type: 'button', class: 'btn', testid: 'invite-close', on: { click: close } }, 'Close'),
      ),
    ],
  });
  void loadList();
}
