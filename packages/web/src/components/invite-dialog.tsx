/**
 * "Invite" in the room header and its dialog: create invite links (single-use or multi-use, with
 * an optional limit and expiry), copy them, revoke them. What the dialog lists comes from
 * `RoomInvites`, which follows the server, so uses, spent and revoked links stay current while
 * it is open.
 */
import { useComputed, useSignal } from '@preact/signals';
import type { Invite, RoomRole } from '@presence/protocol';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { App } from '../app.ts';
import { ICONS } from '../ui/icons.ts';
import { fullDate } from '../format.ts';
import { expiryText, inviteUrl, inviteUsesText } from '../invite-format.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { RoomInvites } from '../state/room-invites.ts';
import { clockTick, storeVersion, track } from '../state/store-signal.ts';
import { Icon } from '../ui/icon.tsx';
import { openComponentModal } from '../ui/modal.tsx';
import { copyText } from './clipboard.ts';
import './access.css';

const USER_PLUS =
  'M16 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2|M8.5 3a4 4 0 1 0 0 8 4 4 0 0 0 0-8z|M20 8v6|M23 11h-6';

const EXPIRY_CHOICES: readonly { label: string; seconds: number | null }[] = [
  { label: 'Never', seconds: null },
  { label: 'In 1 hour', seconds: 3600 },
  { label: 'In 1 day', seconds: 86_400 },
  { label: 'In 7 days', seconds: 7 * 86_400 },
];

/** The caller's role in the room, as the member list says (it follows role changes). */
function myRole(app: App, store: RoomStore): RoomRole | null {
  return store.members.get(app.userId ?? '')?.role ?? store.role;
}

const canCreate = (role: RoomRole | null): boolean =>
  role === 'owner' || role === 'admin' || role === 'member';
const canList = (role: RoomRole | null): boolean => role === 'owner' || role === 'admin';

/** "Invite" in the room header, for those allowed to create invites (not guests). */
export function InviteButton({ app, store }: { app: App; store: RoomStore }) {
  track(storeVersion(store, 'members'), storeVersion(store, 'info'));
  return (
    <button
      type="button"
      class="btn"
      data-testid="invite-open"
      aria-label="Invite people with a link"
      title="Invite people with a link"
      hidden={!canCreate(myRole(app, store))}
      onClick={() => openInviteDialog(app, store)}
    >
      <Icon paths={USER_PLUS} />
      <span class="btn__label">Invite</span>
    </button>
  );
}

export function openInviteDialog(app: App, store: RoomStore): void {
  openComponentModal(
    { id: 'invite-dialog', title: 'Invite people', testid: 'invite-dialog', wide: true },
    (close) => <InviteDialog app={app} store={store} close={close} />,
  );
}

function InviteDialog({ app, store, close }: { app: App; store: RoomStore; close: () => void }) {
  const invites = useMemo(() => new RoomInvites(app, store, canList(myRole(app, store))), [app, store]);
  useEffect(() => invites.follow(), [invites]);
  const info = store.info;
  const note =
    info?.visibility === 'private'
      ? 'This room is invite-only: people need an invite link to join.'
      : 'Anyone with the room link can join now. Invite links keep working if the room becomes invite-only.';
  return (
    <>
      <p class="muted">
        {note}
        {info?.persistent ? '' : ' Invites to a temporary room end with the room.'}
      </p>
      <CreateForm invites={invites} />
      <CreatedLink app={app} invites={invites} />
      <InviteList app={app} invites={invites} />
      <div class="dialog__buttons">
        <button type="button" class="btn" data-testid="invite-close" onClick={close}>
          Close
        </button>
      </div>
    </>
  );
}

function CreateForm({ invites }: { invites: RoomInvites }) {
  const multi = useSignal(false);
  const maxUses = useSignal('');
  const expiry = useSignal(0);
  const error = useSignal('');
  const busy = useSignal(false);
  const maxUsesRef = useRef<HTMLInputElement>(null);

  const submit = (e: Event): void => {
    e.preventDefault();
    error.value = '';
    const kind = multi.value ? 'public' : 'single';
    let limit: number | undefined;
    if (kind === 'public' && maxUses.value.trim() !== '') {
      limit = Number(maxUses.value);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000) {
        error.value = 'Maximum uses is a whole number from 1 to 1,000,000, or empty for no limit.';
        maxUsesRef.current?.focus();
        return;
      }
    }
    const seconds = EXPIRY_CHOICES[expiry.value]?.seconds ?? null;
    busy.value = true;
    invites
      .create({
        kind,
        ...(limit !== undefined && { maxUses: limit }),
        ...(seconds !== null && { expiresInSeconds: seconds }),
      })
      .catch((err: unknown) => {
        error.value = `Could not create the invite: ${errorText(err)}`;
      })
      .finally(() => {
        busy.value = false;
      });
  };

  return (
    <form class="stack" noValidate onSubmit={submit}>
      <fieldset class="choices">
        <legend class="field__label">Who can use the link</legend>
        <KindChoice
          id="invite-kind-single"
          value="single"
          checked={!multi.value}
          onPick={() => (multi.value = false)}
          label="Single-use"
          hint="One person can join with it, then it stops working."
        />
        <KindChoice
          id="invite-kind-public"
          value="public"
          checked={multi.value}
          onPick={() => (multi.value = true)}
          label="Multi-use"
          hint="Anyone with the link can join, up to an optional limit."
        />
      </fieldset>
      <div class="invite-form__row">
        <div class={`field${multi.value ? '' : ' is-disabled'}`}>
          <label class="field__label" for="invite-max-uses">
            Maximum uses
          </label>
          <input
            ref={maxUsesRef}
            id="invite-max-uses"
            class="input"
            data-testid="invite-max-uses"
            type="number"
            min="1"
            max="1000000"
            step="1"
            inputMode="numeric"
            placeholder="No limit"
            disabled={!multi.value}
            value={maxUses.value}
            onInput={(e) => (maxUses.value = e.currentTarget.value)}
            {...(error.value && maxUses.value
              ? { 'aria-invalid': 'true', 'aria-describedby': 'invite-error' }
              : {})}
          />
        </div>
        <div class="field">
          <label class="field__label" for="invite-expiry">
            Expires
          </label>
          <select
            id="invite-expiry"
            class="input"
            data-testid="invite-expiry"
            value={String(expiry.value)}
            onChange={(e) => (expiry.value = Number(e.currentTarget.value))}
          >
            {EXPIRY_CHOICES.map((c, i) => (
              <option key={c.label} value={String(i)}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p class="form-error" role="alert" id="invite-error" data-testid="invite-error" hidden={!error.value}>
        {error.value}
      </p>
      <div class="invite-form__actions">
        <button
          type="submit"
          class={`btn btn--primary${busy.value ? ' is-busy' : ''}`}
          data-testid="invite-create"
          disabled={busy.value}
        >
          Create invite link
        </button>
      </div>
    </form>
  );
}

function KindChoice(props: {
  id: string;
  value: string;
  checked: boolean;
  onPick: () => void;
  label: string;
  hint: string;
}) {
  return (
    <label class="choice" for={props.id}>
      <input
        type="radio"
        name="invite-kind"
        value={props.value}
        id={props.id}
        data-testid={props.id}
        checked={props.checked}
        onChange={props.onPick}
      />
      <span class="choice__text">
        <span class="choice__label">{props.label}</span>
        <span class="choice__hint">{props.hint}</span>
      </span>
    </label>
  );
}

/** The link just created; once it is used up or revoked it says so and offers nothing to copy. */
function CreatedLink({ app, invites }: { app: App; invites: RoomInvites }) {
  const copied = useSignal<'' | 'ok' | 'failed'>('');
  const inputRef = useRef<HTMLInputElement>(null);
  const created = invites.created.value;
  const now = invites.createdNow.value;
  useEffect(() => {
    if (created) inputRef.current?.focus();
  }, [created?.code]);
  useEffect(() => {
    if (!copied.value) return;
    const timer = window.setTimeout(() => (copied.value = ''), 2000);
    return () => window.clearTimeout(timer);
  }, [copied.value]);
  if (!created) return <div class="invite-result" data-testid="invite-result" hidden role="status" />;
  const url = inviteUrl(location.origin, created.code);
  const gone = now === null;
  return (
    <div class="invite-result" data-testid="invite-result" data-active={String(!gone)} role="status">
      <label class="field__label" for="invite-link">
        Your invite link
      </label>
      <div class="invite-result__row">
        <input
          ref={inputRef}
          id="invite-link"
          class="input invite-result__link"
          data-testid="invite-link"
          type="text"
          readOnly
          spellcheck={false}
          value={url}
          disabled={gone}
          onFocus={(e) => e.currentTarget.select()}
        />
        {!gone && (
          <button
            type="button"
            class={`btn${copied.value === 'ok' ? ' is-done' : ''}`}
            data-testid="invite-copy"
            onClick={() => {
              inputRef.current?.select();
              void copyText(url).then((ok) => {
                copied.value = ok ? 'ok' : 'failed';
                if (!ok) app.toast('Could not copy; select the link and copy it by hand.');
              });
            }}
          >
            <Icon paths={ICONS.copy} />
            <span>
              {copied.value === 'ok' ? 'Copied!' : copied.value === 'failed' ? 'Copy failed' : 'Copy'}
            </span>
          </button>
        )}
      </div>
      <p class="small muted invite-result__meta" data-testid="invite-result-meta">
        {gone
          ? 'This link no longer works: it was used up or revoked.'
          : `${inviteUsesText(now)} · ${expiryText(now.expiresAt)}`}
      </p>
    </div>
  );
}

function InviteList({ app, invites }: { app: App; invites: RoomInvites }) {
  const usable = useComputed(() => {
    const now = clockTick(30_000).value && Date.now();
    return (invites.invites.value ?? []).filter((i) => i.expiresAt === null || i.expiresAt > now);
  });
  const error = invites.loadError.value;
  const status = error
    ? error
    : invites.listAll && !invites.loaded
      ? 'Loading…'
      : usable.value.length === 0
        ? 'No active invites.'
        : '';
  return (
    <section class="invite-list__section" aria-labelledby="invite-list-title">
      <h3 class="invite-list__title" id="invite-list-title">
        {invites.listAll ? 'Active invites' : 'Invites you created'}
      </h3>
      <p class="small muted invite-list__status" role="status" hidden={!status}>
        {status}
      </p>
      <ul class="invite-list" role="list" data-testid="invite-list">
        {usable.value.map((invite) => (
          <InviteItem key={invite.code} app={app} invites={invites} invite={invite} />
        ))}
      </ul>
    </section>
  );
}

function InviteItem({ app, invites, invite }: { app: App; invites: RoomInvites; invite: Invite }) {
  const revoking = useSignal(false);
  const url = inviteUrl(location.origin, invite.code);
  const short = `${invite.code.slice(0, 6)}…`;
  const revoke = (): void => {
    revoking.value = true;
    invites.revoke(invite.code).then(
      () => app.toast('Invite revoked: the link no longer works.', 'info'),
      (err: unknown) => {
        revoking.value = false;
        app.toast(`Could not revoke the invite: ${errorText(err)}`);
      },
    );
  };
  return (
    <li class="invite-item" data-testid="invite-item" data-code={invite.code} data-kind={invite.kind}>
      <div class="invite-item__main">
        <code class="invite-item__code" title={url}>
          /i/{invite.code}
        </code>
        <span class="invite-item__meta small muted">
          {inviteUsesText(invite)}
          {' · '}
          <span title={invite.expiresAt === null ? '' : fullDate(invite.expiresAt)}>
            {expiryText(invite.expiresAt)}
          </span>
          {' · by '}
          {invite.createdBy.name}
        </span>
      </div>
      <div class="invite-item__actions">
        <button
          type="button"
          class="icon-btn"
          data-testid="invite-item-copy"
          title="Copy link"
          aria-label={`Copy the invite link ${short}`}
          onClick={() =>
            void copyText(url).then((ok) =>
              ok
                ? app.toast('Invite link copied.', 'info')
                : app.toast('Could not copy; select the link and copy it by hand.'),
            )
          }
        >
          <Icon paths={ICONS.copy} />
        </button>
        <button
          type="button"
          class="btn btn--small btn--danger"
          data-testid="invite-revoke"
          aria-label={`Revoke the invite ${short}`}
          disabled={revoking.value}
          onClick={revoke}
        >
          Revoke
        </button>
      </div>
    </li>
  );
}
