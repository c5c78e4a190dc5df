import { useSignal } from '@preact/signals';
import type { InviteInvalidReason } from '@presence/protocol';
import { useEffect, useRef } from 'preact/hooks';
import { isSignedIn } from '../account.ts';
import type { App } from '../app.ts';
import { openAccountDialog } from '../components/account-dialogs.tsx';
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
import { Avatar } from '../ui/avatar.tsx';
import { Icon } from '../ui/icon.tsx';
import { ICONS } from '../ui/icons.ts';
import { NameForm } from './name-form.tsx';
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

type Shown =
  | { kind: 'loading' }
  | { kind: 'preview'; preview: InvitePreview }
  | { kind: 'invalid'; reason: InviteInvalidReason }
  | { kind: 'problem'; message: string };

/**
 * `/i/<code>`: the invite's preview (room, who invites, single-use or multi-use, expiry) without
 * joining; then a name (guests) and "Join", which sends `room.join {invite}` and opens the room.
 */
export function InvitePage({ app, router, code }: { app: App; router: Router; code: string }) {
  const shown = useSignal<Shown>({ kind: 'loading' });
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const load = async (): Promise<void> => {
    shown.value = { kind: 'loading' };
    const answer = await fetchPreview(code);
    if (!alive.current) return;
    if (answer.ok) shown.value = { kind: 'preview', preview: answer.preview };
    else if (answer.reason) shown.value = { kind: 'invalid', reason: answer.reason };
    else shown.value = { kind: 'problem', message: answer.message };
  };
  useEffect(() => {
    document.title = 'Invitation · Presence';
    void load();
  }, [code]);

  /** Why the server refused the invite: the SDK's error carries no `reason`, the preview does. */
  const refusal = async (err: unknown): Promise<InviteInvalidReason> => {
    const carried = (err as { reason?: unknown } | null)?.reason;
    if (isInviteReason(carried)) return carried;
    const again = await fetchPreview(code);
    if (!again.ok && again.reason) return again.reason;
    return reasonFromMessage(errorText(err));
  };

  const join = async (): Promise<void> => {
    app.mustChooseToJoin = false;
    const client = await app.connected();
    let roomId: string;
    try {
      const result = await client.request('room.join', { invite: code });
      roomId = result.room.id;
      app.room(roomId).applyJoin(result);
    } catch (err) {
      if (errorCode(err) === 'INVITE_INVALID') {
        const reason = await refusal(err);
        if (alive.current) shown.value = { kind: 'invalid', reason };
        return;
      }
      if (errorCode(err) === 'ROOM_NOT_FOUND') {
        if (alive.current) shown.value = { kind: 'invalid', reason: 'not_found' };
        return;
      }
      throw new Error(`Could not join: ${errorText(err)}`);
    }
    if (alive.current) router.go(routePath({ view: 'room', room: roomId }), { replace: true });
  };

  const s = shown.value;
  if (s.kind === 'invalid') return <InviteInvalid reason={s.reason} />;
  return (
    <section class="landing">
      <div class="card landing__card invite-card" data-testid="invite-page">
        {s.kind === 'loading' && (
          <p class="room-loading" role="status">
            <span class="spinner" aria-hidden="true" />
            Opening the invite…
          </p>
        )}
        {s.kind === 'problem' && <InviteProblem message={s.message} retry={() => void load()} />}
        {s.kind === 'preview' && <InvitePreviewCard app={app} preview={s.preview} join={join} />}
      </div>
    </section>
  );
}

function InviteInvalid({ reason }: { reason: InviteInvalidReason }) {
  useEffect(() => {
    document.title = `${INVITE_REASON_TITLE[reason]} · Presence`;
  }, [reason]);
  return (
    <section class="landing">
      <div
        class="card landing__card invite-card"
        data-testid="invite-invalid"
        data-reason={reason}
        role="alert"
      >
        <div class="access-card__icon access-card__icon--warn" aria-hidden="true">
          <Icon paths={ICONS.x} />
        </div>
        <h1 class="landing__title">{INVITE_REASON_TITLE[reason]}</h1>
        <p class="landing__lead" data-testid="invite-invalid-text">
          {INVITE_REASON_TEXT[reason]}
        </p>
        <p class="muted">Ask the person who invited you for a new link.</p>
        <a class="btn btn--primary" href="/" data-link="">
          Go to the start page
        </a>
      </div>
    </section>
  );
}

function InviteProblem({ message, retry }: { message: string; retry(): void }) {
  useEffect(() => {
    document.title = 'Invitation · Presence';
  }, []);
  return (
    <>
      <h1 class="landing__title">Could not open the invite</h1>
      <p class="landing__lead" role="alert">
        {message}
      </p>
      <button type="button" class="btn btn--primary" onClick={retry}>
        Try again
      </button>
    </>
  );
}

function InvitePreviewCard({
  app,
  preview,
  join,
}: {
  app: App;
  preview: InvitePreview;
  join(): Promise<void>;
}) {
  const members = preview.room.memberCount;
  const signedIn = app.me ? isSignedIn(app) : app.account !== null;
  useEffect(() => {
    document.title = `Join ${preview.room.name ? `“${preview.room.name}”` : 'a room'} · Presence`;
  }, [preview]);
  return (
    <>
      <p class="invite-card__from" data-testid="invite-from">
        <Avatar user={preview.invitedBy} size={28} />
        <span>
          <strong>{preview.invitedBy.name}</strong> invited you to join
        </span>
      </p>
      <h1 class={`landing__title${preview.room.name ? '' : ' is-unnamed'}`} data-testid="invite-room-name">
        {roomTitle(preview.room.name)}
      </h1>
      {preview.room.topic && <p class="landing__lead invite-card__topic">{preview.room.topic}</p>}
      <ul class="invite-facts" role="list">
        <li data-testid="invite-members">
          <Icon paths={ICONS.users} />
          {members === 0 ? 'Nobody is in it yet' : `${members} member${members === 1 ? '' : 's'}`}
        </li>
        <li data-testid="invite-kind" data-kind={preview.kind}>
          <Icon paths={ICONS.link} />
          {inviteKindText(preview.kind)}
        </li>
        <li data-testid="invite-expiry" title={preview.expiresAt === null ? '' : fullDate(preview.expiresAt)}>
          <Icon paths={CLOCK} />
          {expiryText(preview.expiresAt)}
        </li>
      </ul>
      {signedIn ? (
        <JoinAsAccount name={app.me?.name ?? app.account?.name ?? ''} join={join} />
      ) : (
        <div class="invite-card__join">
          <NameForm
            initial={app.name}
            submitLabel="Join"
            submitTestId="invite-join"
            focus
            submit={async (name) => {
              app.setName(name);
              await join();
            }}
          />
          <p class="landing__alt small">
            Have an account?{' '}
            <button
              type="button"
              class="link-btn"
              data-testid="invite-login"
              onClick={() => openAccountDialog(app, 'login')}
            >
              Log in
            </button>{' '}
            to join with it.
          </p>
        </div>
      )}
    </>
  );
}

function JoinAsAccount({ name, join }: { name: string; join(): Promise<void> }) {
  const busy = useSignal(false);
  const error = useSignal('');
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => button.current?.focus(), []);
  return (
    <div class="invite-card__join">
      <p class="muted">
        You will join as <strong>{name}</strong>.
      </p>
      <button
        type="button"
        class="btn btn--primary btn--large"
        data-testid="invite-join"
        disabled={busy.value}
        ref={button}
        onClick={() => {
          busy.value = true;
          error.value = '';
          join().then(
            () => {
              busy.value = false;
            },
            (err: unknown) => {
              busy.value = false;
              error.value = errorText(err);
            },
          );
        }}
      >
        Join the room
      </button>
      <p class="form-error" role="alert" hidden={!error.value}>
        {error.value}
      </p>
    </div>
  );
}
