import type { InviteInvalidReason } from '@presence/protocol';
import { isSignedIn } from '../account.ts';
import type { App } from '../app.ts';
import { openAccountDialog } from '../components/account-dialogs.ts';
import { avatar } from '../components/avatar.ts';
import { h, icon, ICONS, replaceChildren } from '../dom.ts';
import { fullDate, roomTitle } from '../format.ts';
import {
  expiryText,
  INVITE_REASON_TEXT,
  INVITE_REASON_TITLE,
  inviteKindText,
  isInviteReason,
  reasonFromMessage,
} from '../invite-format.ts';
import { routePath, type Router } from '../router.ts';
import { errorCode, errorText } from '../sdk.ts';
import { nameForm } from './name-form.ts';
import type { View } from './view.ts';
import '../components/access.css';

const CLOCK = 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20z|M12 6v6l4 2';

/** `GET /api/invites/:code` when the invite is usable. */
interface InvitePreview {
  room: { name: string | null; topic: string; memberCount: number };
  invitedBy: { name: string; avatar: string };
  kind: 'single' | 'public';
  expiresAt: number | null;
}

type PreviewAnswer =
  | { ok: true; preview: InvitePreview }
  | { ok: false; reason: InviteInvalidReason }
  | { ok: false; reason: null; message: string };

async function fetchPreview(code: string): Promise<PreviewAnswer> {
  let res: Response;
  try {
    res = await fetch(`/api/invites/${encodeURIComponent(code)}`, {
      headers: { accept: 'application/json' },
    });
  } catch {
    return { ok: false, reason: null, message: 'Could not reach the server. Check your connection.' };
  }
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    // Judged by the status alone.
  }
  if (res.ok && body['valid'] === true) return { ok: true, preview: body as unknown as InvitePreview };
  if (isInviteReason(body['reason'])) return { ok: false, reason: body['reason'] };
  if (res.status === 404) return { ok: false, reason: 'not_found' };
  const message =
    typeof body['message'] === 'string' ? body['message'] : `The server answered ${res.status}.`;
  return { ok: false, reason: null, message };
}

/**
 * `/i/<code>`: the invite's preview (room, who invites, single-use or multi-use, expiry) without
 * joining; then a name (guests) and "Join", which sends `room.join {invite}` and opens the room.
 */
export function inviteView(app: App, router: Router, code: string): View {
  const card = h('div', { class: 'card landing__card invite-card', testid: 'invite-page' });
  const el = h('section', { class: 'landing' }, card);
  let focus: (() => void) | null = null;
  let alive = true;

  const showInvalid = (reason: InviteInvalidReason): void => {
    document.title = `${INVITE_REASON_TITLE[reason]} · Presence`;
    focus = null;
    card.setAttribute('role', 'alert');
    card.dataset['testid'] = 'invite-invalid';
    card.dataset['reason'] = reason;
    replaceChildren(
      card,
      h('div', { class: 'access-card__icon access-card__icon--warn', 'aria-hidden': 'true' }, icon(ICONS.x)),
      h('h1', { class: 'landing__title' }, INVITE_REASON_TITLE[reason]),
      h('p', { class: 'landing__lead', testid: 'invite-invalid-text' }, INVITE_REASON_TEXT[reason]),
      h('p', { class: 'muted' }, 'Ask the person who invited you for a new link.'),
      h('a', { class: 'btn btn--primary', href: '/', dataset: { link: '' } }, 'Go to the start page'),
    );
  };

  const showProblem = (message: string): void => {
    document.title = 'Invitation · Presence';
    replaceChildren(
      card,
      h('h1', { class: 'landing__title' }, 'Could not open the invite'),
      h('p', { class: 'landing__lead', role: 'alert' }, message),
      h(
        'button',
        { type: 'button', class: 'btn btn--primary', on: { click: () => void load() } },
        'Try again',
      ),
    );
  };

  /** Why the server refused the invite: the SDK's error carries no `reason`, the preview does. */
  const refusal = async (err: unknown): Promise<InviteInvalidReason> => {
    const carried = (err as { reason?: unknown } | null)?.reason;
    if (isInviteReason(carried)) return carried;
    const again = await fetchPreview(code);
    if (!again.ok && again.reason) return again.reason;
    return reasonFromMessage(errorText(err));
  };

  const join = async (): Promise<void> => {
    const client = await app.connected();
    let roomId: string;
    try {
      const result = await client.request('room.join', { invite: code });
      roomId = result.room.id;
      app.room(roomId).applyJoin(result);
    } catch (err) {
      if (errorCode(err) === 'INVITE_INVALID') {
        const reason = await refusal(err);
        if (alive) showInvalid(reason);
        return;
      }
      if (errorCode(err) === 'ROOM_NOT_FOUND') {
        if (alive) showInvalid('not_found');
        return;
      }
      throw new Error(`Could not join: ${errorText(err)}`);
    }
    if (alive) router.go(routePath({ view: 'room', room: roomId }), { replace: true });
  };

  const showPreview = (preview: InvitePreview): void => {
    const roomName = roomTitle(preview.room.name);
    document.title = `Join ${preview.room.name ? `“${preview.room.name}”` : 'a room'} · Presence`;
    const members = preview.room.memberCount;
    const signedIn = app.me ? isSignedIn(app) : app.account !== null;
    const facts = h(
      'ul',
      { class: 'invite-facts', role: 'list' },
      h(
        'li',
        { testid: 'invite-members' },
        icon(ICONS.users),
        members === 0 ? 'Nobody is in it yet' : `${members} member${members === 1 ? '' : 's'}`,
      ),
      h(
        'li',
        { testid: 'invite-kind', dataset: { kind: preview.kind } },
        icon(ICONS.link),
        inviteKindText(preview.kind),
      ),
      h(
        'li',
        { testid: 'invite-expiry', title: preview.expiresAt === null ? '' : fullDate(preview.expiresAt) },
        icon(CLOCK),
        expiryText(preview.expiresAt),
      ),
    );

    let action: HTMLElement;
    if (signedIn) {
      const name = app.me?.name ?? app.account?.name ?? '';
      const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
      const button = h(
        'button',
        { type: 'button', class: 'btn btn--primary btn--large', testid: 'invite-join' },
        'Join the room',
      );
      button.addEventListener('click', () => {
        button.disabled = true;
        error.hidden = true;
        join().then(
          () => {
            button.disabled = false;
          },
          (err: unknown) => {
            button.disabled = false;
            error.hidden = false;
            error.textContent = errorText(err);
          },
        );
      });
      action = h(
        'div',
        { class: 'invite-card__join' },
        h('p', { class: 'muted' }, 'You will join as ', h('strong', null, name), '.'),
        button,
        error,
      );
      focus = () => button.focus();
    } else {
      const form = nameForm({
        initial: app.name,
        submitLabel: 'Join',
        submitTestId: 'invite-join',
        async submit(name) {
          app.setName(name);
          await join();
        },
      });
      action = h(
        'div',
        { class: 'invite-card__join' },
        form.el,
        h(
          'p',
          { class: 'landing__alt small' },
          'Have an account? ',
          h(
            'button',
            {
              type: 'button',
              class: 'link-btn',
              testid: 'invite-login',
              on: { click: () => openAccountDialog(app, 'login') },
            },
            'Log in',
          ),
          ' to join with it.',
        ),
      );
      focus = () => form.focus();
    }

    card.removeAttribute('role');
    replaceChildren(
      card,
      h(
        'p',
        { class: 'invite-card__from', testid: 'invite-from' },
        avatar(preview.invitedBy, 28),
        h('span', null, h('strong', null, preview.invitedBy.name), ' invited you to join'),
      ),
      h(
        'h1',
        { class: `landing__title${preview.room.name ? '' : ' is-unnamed'}`, testid: 'invite-room-name' },
        roomName,
      ),
      preview.room.topic ? h('p', { class: 'landing__lead invite-card__topic' }, preview.room.topic) : null,
      facts,
      action,
    );
    focus();
  };

  const load = async (): Promise<void> => {
    replaceChildren(
      card,
      h(
        'p',
        { class: 'room-loading', role: 'status' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        'Opening the invite…',
      ),
    );
    const answer = await fetchPreview(code);
    if (!alive) return;
    if (answer.ok) showPreview(answer.preview);
    else if (answer.reason) showInvalid(answer.reason);
    else showProblem(answer.message);
  };

  void load();
  return {
    el,
    mounted() {
      document.title = 'Invitation · Presence';
      focus?.();
    },
    destroy() {
      alive = false;
    },
  };
}
