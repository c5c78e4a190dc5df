import type { App } from '../app.ts';
import { callArea } from '../components/call-area.ts';
import { copyText } from '../components/clipboard.ts';
import { inviteButton } from '../components/invite-dialog.tsx';
import { inviteOnlyCard } from '../components/invite-only.ts';
import { composer } from '../components/composer.ts';
import { memberList } from '../components/member-list.tsx';
import { messageList } from '../components/message-list.ts';
import { openNameRoomDialog } from '../components/name-room-dialog.ts';
import { typingIndicator } from '../components/typing-indicator.ts';
import { h, icon, ICONS, replaceChildren } from '../dom.ts';
import { roomTitle, roomUrl } from '../format.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { nameForm } from './name-form.ts';
import type { View } from './view.ts';

/** `/r/<id>`: asks for a name when there is none, joins, then shows the room. */
export function roomView(app: App, roomId: string): View {
  const el = h('section', { class: 'room-view' });
  let inner: View | null = null;
  let mounted = false;

  const show = (view: View): void => {
    inner?.destroy?.();
    inner = view;
    replaceChildren(el, view.el);
    if (mounted) view.mounted?.();
  };

  const enter = (): void => {
    const store = app.room(roomId);
    show(roomScreen(app, store));
    if (store.status !== 'joined' && store.status !== 'joining') void store.join();
  };

  if (app.name) enter();
  else show(joinPrompt(app, roomId, enter));

  return {
    el,
    mounted() {
      mounted = true;
      inner?.mounted?.();
    },
    destroy() {
      inner?.destroy?.();
    },
  };
}

/** The room's public preview (name, member count) for the invitation, if the server offers one. */
async function roomPreview(
  roomId: string,
): Promise<{ name: string | null; memberCount: number } | 'private' | 'absent' | null> {
  try {
    const res = await fetch(`/api/rooms/${encodeURIComponent(roomId)}`, {
      headers: { accept: 'application/json' },
    });
    if (res.status === 403) return 'private';
    // No such room — or a private one: the server answers both alike so as not to reveal it.
    if (res.status === 404) return 'absent';
    if (!res.ok) return null;
    const body = (await res.json()) as { room?: { name?: unknown; memberCount?: unknown } };
    const room = body.room;
    if (!room) return null;
    return {
      name: typeof room.name === 'string' ? room.name : null,
      memberCount: typeof room.memberCount === 'number' ? room.memberCount : 0,
    };
  } catch {
    return null;
  }
}

function joinPrompt(app: App, roomId: string, joined: () => void): View {
  const form = nameForm({
    initial: app.name,
    submitLabel: 'Join room',
    submitTestId: 'join-room',
    async submit(name) {
      app.setName(name);
      await app.connected();
      joined();
    },
  });
  const title = h('h1', { class: 'landing__title' }, 'You’re invited to a room');
  const lead = h(
    'p',
    { class: 'landing__lead' },
    'Choose the name others will see, then join the conversation.',
  );
  const card = h(
    'div',
    { class: 'card landing__card', testid: 'join-prompt', hidden: true },
    title,
    lead,
    form.el,
  );
  const el = h('div', { class: 'landing' }, card);
  let focusWhenShown = false;
  // The card waits for the preview (a local request, quick): a room that does not exist says so
  // at once instead of asking for a name first.
  void roomPreview(roomId).then((preview) => {
    if (preview === 'absent') {
      el.replaceWith(roomNotFoundCard(true));
      return;
    }
    if (preview === 'private') {
      el.replaceWith(inviteOnlyCard(app));
      return;
    }
    if (preview?.name) title.textContent = `You’re invited to “${preview.name}”`;
    if (preview && preview.memberCount > 0) {
      const members = `${preview.memberCount} member${preview.memberCount === 1 ? '' : 's'}`;
      lead.textContent = `${members}. Choose the name others will see, then join the conversation.`;
    }
    card.hidden = false;
    if (focusWhenShown) form.focus();
  });
  return {
    el,
    mounted: () => {
      document.title = 'Join room · Presence';
      focusWhenShown = true;
      if (!card.hidden) form.focus();
    },
  };
}

/** Joining / not found / the room itself, following the store's status. */
function roomScreen(app: App, store: RoomStore): View {
  const el = h('div', { class: 'room-screen' });
  let room: View | null = null;
  let isMounted = false;

  const render = (): void => {
    if (store.status === 'joined') {
      if (room) return;
      room = joinedRoom(app, store);
      replaceChildren(el, room.el);
      if (isMounted) room.mounted?.();
      return;
    }
    if (room && store.status === 'joining') return; // a re-join keeps the room on screen
    room?.destroy?.();
    room = null;
    if (store.status === 'not-found') {
      replaceChildren(el, roomNotFoundCard(false));
    } else if (store.status === 'forbidden') {
      replaceChildren(el, inviteOnlyCard(app));
    } else if (store.status === 'error') {
      replaceChildren(
        el,
        h(
          'div',
          { class: 'landing' },
          h(
            'div',
            { class: 'card landing__card', role: 'alert' },
            h('h1', { class: 'landing__title' }, 'Could not join the room'),
            h('p', { class: 'landing__lead' }, store.error),
            h(
              'button',
              { type: 'button', class: 'btn btn--primary', on: { click: () => void store.join() } },
              'Try again',
            ),
          ),
        ),
      );
    } else {
      replaceChildren(
        el,
        h(
          'div',
          { class: 'room-loading', role: 'status' },
          h('span', { class: 'spinner', 'aria-hidden': 'true' }),
          'Joining room…',
        ),
      );
    }
  };
  const off = store.on('status', render);
  render();
  return {
    el,
    mounted() {
      isMounted = true;
      room?.mounted?.();
    },
    destroy() {
      off();
      room?.destroy?.();
    },
  };
}

function joinedRoom(app: App, store: RoomStore): View {
  const url = roomUrl(location.origin, store.id);
  const me = (): string | null => app.userId;
  const call = callArea(app, store);
  const invite = inviteButton(app, store);

  // Header: title, link, actions.
  const title = h('h1', { class: 'room-header__title', testid: 'room-title' });
  const badge = h('span', { class: 'tag', testid: 'room-kind' });
  const copyLabel = h('span', { class: 'btn__label' }, 'Copy link');
  const copyBtn = h(
    'button',
    {
      type: 'button',
      class: 'btn',
      testid: 'copy-link',
      'aria-label': 'Copy link to this room',
      title: 'Copy link to this room',
    },
    icon(ICONS.link),
    copyLabel,
  );
  const nameLabel = h('span', { class: 'btn__label' });
  const nameBtn = h(
    'button',
    { type: 'button', class: 'btn', testid: 'name-room' },
    icon(ICONS.tag),
    nameLabel,
  );
  const header = h(
    'header',
    { class: 'room-header' },
    h(
      'div',
      { class: 'room-header__main' },
      h('div', { class: 'room-header__title-row' }, title, badge),
      h(
        'a',
        {
          class: 'room-header__link',
          testid: 'room-link',
          href: url,
          dataset: { link: '' },
          title: 'Link to this room',
        },
        url,
      ),
    ),
    h('div', { class: 'room-header__actions' }, call.headerButton, copyBtn, invite.el, nameBtn),
  );

  const renderInfo = (): void => {
    const info = store.info;
    const name = roomTitle(info?.name);
    title.textContent = name;
    title.classList.toggle('is-unnamed', !info?.name);
    badge.textContent = info?.persistent
      ? { public: 'Public', link: 'Saved', private: 'Invite only' }[info.visibility]
      : 'Temporary';
    badge.className = `tag ${info?.persistent ? 'tag--saved' : 'tag--temp'}`;
    badge.title = info?.persistent
      ? 'History and members are kept.'
      : 'Not saved: the room disappears when everyone has left. Name it to keep it.';
    nameBtn.dataset['persistent'] = String(info?.persistent ?? false);
    // Anyone may name a temporary room; a named one only its owners and admins.
    const role = store.members.get(app.userId ?? '')?.role ?? store.role;
    nameBtn.hidden = Boolean(info?.persistent) && role !== 'owner' && role !== 'admin';
    nameLabel.textContent = info?.name ? 'Rename' : 'Name this room';
    nameBtn.setAttribute('aria-label', info?.name ? 'Rename this room' : 'Name this room');
    nameBtn.title = info?.name ? 'Rename this room, choose who can join' : 'Name this room';
    document.title = `${name} · Presence`;
  };

  let copyTimer = 0;
  copyBtn.addEventListener('click', () => {
    void copyText(url).then((ok) => {
      copyLabel.textContent = ok ? 'Copied!' : 'Copy failed';
      copyBtn.classList.toggle('is-done', ok);
      window.clearTimeout(copyTimer);
      copyTimer = window.setTimeout(() => {
        copyLabel.textContent = 'Copy link';
        copyBtn.classList.remove('is-done');
      }, 2000);
      if (!ok) app.toast('Could not copy; select the link and copy it by hand.');
    });
  });
  nameBtn.addEventListener('click', () => {
    if (!store.info) return;
    openNameRoomDialog(store.info, async (name, visibility) => {
      try {
        await app.nameRoom(store.id, name, visibility);
      } catch (err) {
        throw new Error(errorText(err));
      }
    });
  });

  // Body: messages, typing, composer, members.
  const markRead = (): void => {
    if (document.visibilityState !== 'visible') return;
    if (store.timeline.newest > 0) app.markRead(store.id, store.timeline.newest);
  };
  const messages = messageList(
    store,
    {
      me,
      meUser: () => app.me,
      resend: (nonce) => app.resend(store.id, nonce),
      discard: (nonce) => store.settlePending(nonce),
      async edit(msg, text) {
        try {
          await app.edit(store.id, msg.seq, text);
        } catch (err) {
          app.toast(`Could not edit: ${errorText(err)}`);
          throw err;
        }
      },
      async remove(msg) {
        try {
          await app.remove(store.id, msg.seq);
        } catch (err) {
          app.toast(`Could not delete: ${errorText(err)}`);
        }
      },
    },
    markRead,
  );
  const typing = typingIndicator(store);
  const box = composer({
    roomLabel: () => (store.info?.name ? store.info.name : 'this room'),
    maxLength: () => app.me?.limits.maxTextLength ?? 16_000,
    send(text) {
      messages.followBottom();
      // Never back into the composer: the message stays in the timeline until it is sent.
      app.send(store.id, text);
    },
    typing: (t) => app.typing(store.id, t),
    editLast: () => messages.editLastOwn(),
  });
  const members = memberList(store, me, app);
  const onVisible = (): void => {
    if (messages.atBottom()) markRead();
  };
  document.addEventListener('visibilitychange', onVisible);

  const el = h(
    'div',
    { class: 'room', dataset: { room: store.id } },
    header,
    call.el,
    h(
      'div',
      { class: 'room__body' },
      h('div', { class: 'room__chat' }, messages.el, typing.el, box.el),
      members.el,
    ),
  );
  const offInfo = store.on('info', () => {
    renderInfo();
    box.refresh();
  });
  const offMembers = store.on('members', renderInfo);
  renderInfo();

  return {
    el,
    mounted() {
      // On phones the keyboard would cover half the room on arrival; focus only with a real keyboard.
      if (window.matchMedia('(hover: hover) and (pointer: fine)').matches) box.focus();
    },
    destroy() {
      offInfo();
      offMembers();
      messages.destroy();
      typing.destroy();
      box.destroy();
      members.destroy();
      call.destroy();
      invite.destroy();
      window.clearTimeout(copyTimer);
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}

/**
 * "Room not found". Before joining, the preview cannot tell a missing room from an invite-only one
 * (`maybePrivate`), so the text names both.
 */
function roomNotFoundCard(maybePrivate: boolean): HTMLElement {
  document.title = 'Room not found · Presence';
  return h(
    'div',
    { class: 'landing' },
    h(
      'div',
      { class: 'card landing__card', testid: 'room-not-found', role: 'alert' },
      h('h1', { class: 'landing__title' }, 'Room not found'),
      h(
        'p',
        { class: 'landing__lead' },
        maybePrivate
          ? 'There is no room at this link, or it is invite-only: then only its members and people with an invite link can join.'
          : 'This room does not exist. Unnamed rooms disappear when everyone has left.',
      ),
      h('a', { class: 'btn btn--primary', href: '/', dataset: { link: '' } }, 'Create a new room'),
    ),
  );
}
