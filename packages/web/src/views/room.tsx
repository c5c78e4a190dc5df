/**
 * `/r/<id>`: asks for a name when there is none, joins, then shows the room: header, call area,
 * messages, typing line, composer and members. Everything shown is derived from the room store.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { App } from '../app.ts';
import { CallArea, CallJoinButton, useCall } from '../components/call-area.tsx';
import { copyText } from '../components/clipboard.ts';
import { Composer } from '../components/composer.tsx';
import { InviteButton } from '../components/invite-dialog.tsx';
import { InviteOnlyCard } from '../components/invite-only.tsx';
import { KnockList } from '../components/knock-list.tsx';
import { openModerationDialog } from '../components/moderation-dialog.tsx';
import { openStreamSettingsDialog } from '../components/stream-settings-dialog.tsx';
import { openRecordingsDialog } from '../components/recordings-dialog.tsx';
import { BannedCard, LobbyCard, PasswordCard, RemovedCard } from '../components/room-access.tsx';
import { MemberList } from '../components/member-list.tsx';
import { MessageList, type MessageListHandle } from '../components/message-list.tsx';
import { openNameRoomDialog } from '../components/name-room-dialog.tsx';
import { TypingIndicator } from '../components/typing-indicator.tsx';
import { roomTitle, roomUrl } from '../format.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import { Icon } from '../ui/icon.tsx';
import { ICONS } from '../ui/icons.ts';
import { NameForm } from './name-form.tsx';
import { NotifySettings, RoomLifeButtons, SearchPanel } from '../components/room-chat-tools.tsx';
import type { ReplyTarget } from '../components/composer-extras.tsx';
import type { ExtraActions } from '../components/message-extras.tsx';
import { notifierOf } from '../notifier.ts';
import { nameLabel } from '../names.ts';
import { savedToken } from '../storage.ts';
import { uploadFile } from '@presence/client';

export function RoomView({ app, roomId }: { app: App; roomId: string }) {
  // With a name the room joins at once; without one (or after a logout) the person chooses first.
  const entered = useSignal(app.name !== '' && !app.mustChooseToJoin);
  return (
    <section class="room-view">
      {entered.value ? (
        <RoomScreen app={app} store={app.room(roomId)} />
      ) : (
        <JoinPrompt
          app={app}
          roomId={roomId}
          joined={() => {
            entered.value = true;
          }}
        />
      )}
    </section>
  );
}

type Preview = { name: string | null; memberCount: number } | 'private' | 'absent' | null;

/** The room's public preview (name, member count) for the invitation, if the server offers one. */
async function roomPreview(roomId: string): Promise<Preview> {
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

function JoinPrompt({ app, roomId, joined }: { app: App; roomId: string; joined(): void }) {
  // undefined while the preview loads (a local request, quick): a room that does not exist says
  // so at once instead of asking for a name first.
  const preview = useSignal<Preview | undefined>(undefined);
  useEffect(() => {
    document.title = 'Join room · Presence';
    let live = true;
    void roomPreview(roomId).then((p) => {
      if (live) preview.value = p;
    });
    return () => {
      live = false;
    };
  }, [roomId]);
  const p = preview.value;
  if (p === 'absent') return <RoomNotFoundCard maybePrivate />;
  if (p === 'private') return <InviteOnlyCard app={app} />;
  const info = p === undefined || p === null ? null : p;
  const members =
    info && info.memberCount > 0 ? `${info.memberCount} member${info.memberCount === 1 ? '' : 's'}. ` : '';
  return (
    <div class="landing">
      <div class="card landing__card" data-testid="join-prompt" hidden={p === undefined}>
        <h1 class="landing__title">
          {info?.name ? `You’re invited to “${info.name}”` : 'You’re invited to a room'}
        </h1>
        <p class="landing__lead">{members}Choose the name others will see, then join the conversation.</p>
        <NameForm
          initial={app.name}
          submitLabel="Join room"
          submitTestId="join-room"
          focus={p !== undefined}
          submit={async (name) => {
            app.setName(name);
            app.mustChooseToJoin = false;
            await app.connected();
            joined();
          }}
        />
      </div>
    </div>
  );
}

/** Joining / not found / the room itself, following the store's status. */
function RoomScreen({ app, store }: { app: App; store: RoomStore }) {
  track(storeVersion(store, 'status'));
  useEffect(() => {
    if (store.status !== 'joined' && store.status !== 'joining') void store.join();
  }, [store]);
  // A re-join keeps the room on screen.
  const shown = useRef(false);
  shown.current = store.status === 'joined' || (shown.current && store.status === 'joining');
  let body;
  if (shown.current) body = <JoinedRoom app={app} store={store} />;
  else if (store.status === 'not-found') body = <RoomNotFoundCard maybePrivate={false} />;
  else if (store.status === 'forbidden') body = <InviteOnlyCard app={app} />;
  else if (store.status === 'banned') body = <BannedCard store={store} />;
  else if (store.status === 'removed') body = <RemovedCard store={store} />;
  else if (store.status === 'password') body = <PasswordCard store={store} />;
  else if (store.status === 'lobby') body = <LobbyCard app={app} store={store} />;
  else if (store.status === 'error') {
    body = (
      <div class="landing">
        <div class="card landing__card" role="alert">
          <h1 class="landing__title">Could not join the room</h1>
          <p class="landing__lead">{store.error}</p>
          <button type="button" class="btn btn--primary" onClick={() => void store.join()}>
            Try again
          </button>
        </div>
      </div>
    );
  } else {
    body = (
      <div class="room-loading" role="status">
        <span class="spinner" aria-hidden="true" />
        Joining room…
      </div>
    );
  }
  return <div class="room-screen">{body}</div>;
}

const BADGE = { public: 'Public', link: 'Saved', private: 'Invite only' } as const;

function JoinedRoom({ app, store }: { app: App; store: RoomStore }) {
  track(storeVersion(store, 'info'), storeVersion(store, 'members'));
  // A room of another server: its link here opens it there as the one who follows it.
  const url = app.server
    ? `${location.origin}/r/${encodeURIComponent(store.id)}@${app.server}`
    : roomUrl(location.origin, store.id);
  const me = (): string | null => app.userId;
  const call = useCall(app, store);
  const list = useRef<MessageListHandle | null>(null);
  const copied = useSignal<'idle' | 'ok' | 'failed'>('idle');
  useEffect(() => {
    if (copied.value === 'idle') return;
    const timer = window.setTimeout(() => (copied.value = 'idle'), 2000);
    return () => window.clearTimeout(timer);
  }, [copied.value]);

  const info = store.info;
  const name = roomTitle(info?.name);
  useEffect(() => {
    document.title = `${name} · Presence`;
  }, [name]);

  const markRead = (): void => {
    if (document.visibilityState !== 'visible') return;
    if (store.timeline.newest > 0) app.markRead(store.id, store.timeline.newest);
  };
  useEffect(() => {
    const onVisible = (): void => {
      if (list.current?.atBottom()) markRead();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [store]);

  const replyTo = useSignal<ReplyTarget | null>(null);
  const upload = useSignal<{ name: string; fraction: number } | null>(null);
  const searching = useSignal(false);
  useEffect(() => notifierOf(app).clear(store.id), [store, store.timeline.newest]);
  /** Scroll to a loaded message and flash it; older ones are loaded first, a page at a time. */
  const jump = async (seq: number): Promise<void> => {
    for (let i = 0; i < 20; i++) {
      const el = document.querySelector<HTMLElement>(`.room[data-room="${store.id}"] [data-seq="${seq}"]`);
      if (el) {
        el.scrollIntoView({ block: 'center' });
        el.classList.add('is-flash');
        window.setTimeout(() => el.classList.remove('is-flash'), 1500);
        return;
      }
      if (!store.timeline.hasMoreBefore || store.timeline.oldestLoaded <= seq) break;
      await store.loadOlder();
    }
    app.toast('That message is no longer available.', 'info');
  };
  const extras = useMemo<ExtraActions>(
    () => ({
      react: (msg, emoji, on) => {
        void app
          .connected()
          .then((c) => c.react(store.id, msg.seq, emoji, on))
          .catch((err: unknown) => app.toast(`Could not react: ${errorText(err)}`));
      },
      reply: (msg) => {
        replyTo.value = { seq: msg.seq, name: msg.from.name, text: msg.text.slice(0, 200) };
      },
      jump: (seq) => void jump(seq),
      nameOf: (id) => {
        const m = store.members.get(id);
        return m ? nameLabel(m, store.members.values()) : 'someone';
      },
      label: (user) => nameLabel(user, store.members.values()),
      token: () => savedToken(),
    }),
    [app, store],
  );
  const attach = async (file: File): Promise<void> => {
    const max = 1024 ** 3;
    if (file.size > max) return;
    upload.value = { name: file.name, fraction: 0 };
    try {
      const ref = await uploadFile(store.id, file, {
        token: savedToken() ?? '',
        onProgress: (fraction) => (upload.value = { name: file.name, fraction }),
      });
      list.current?.followBottom();
      app.send(store.id, file.name, { file: ref.id });
    } catch (err) {
      app.toast(`Could not upload ${file.name}: ${errorText(err)}`);
    } finally {
      upload.value = null;
    }
  };

  const actions = useMemo(
    () => ({
      extras,
      me,
      meUser: () => app.me,
      resend: (nonce: string) => app.resend(store.id, nonce),
      discard: (nonce: string) => store.settlePending(nonce),
      async edit(msg: { seq: number }, text: string) {
        try {
          await app.edit(store.id, msg.seq, text);
        } catch (err) {
          app.toast(`Could not edit: ${errorText(err)}`);
          throw err;
        }
      },
      canModerate: () => {
        const r = store.members.get(app.userId ?? '')?.role ?? store.role;
        return r === 'owner' || r === 'admin';
      },
      report(msg: { seq: number }) {
        const reason = window.prompt('Report this message to the room’s admins. Why?') ?? null;
        if (reason === null) return;
        app.moderate('chat.report', { room: store.id, seq: msg.seq, reason: reason.slice(0, 500) }).then(
          () => app.toast('Reported to the room’s admins.', 'info'),
          (err: unknown) => app.toast(`Could not report: ${errorText(err)}`),
        );
      },
      async remove(msg: { seq: number }) {
        try {
          await app.remove(store.id, msg.seq);
        } catch (err) {
          app.toast(`Could not delete: ${errorText(err)}`);
        }
      },
    }),
    [app, store, extras],
  );

  // Anyone may name a temporary room; a named one only its owners and admins.
  const role = store.members.get(app.userId ?? '')?.role ?? store.role;
  const nameHidden = Boolean(info?.persistent) && role !== 'owner' && role !== 'admin';
  const copy = (): void => {
    void copyText(url).then((ok) => {
      copied.value = ok ? 'ok' : 'failed';
      if (!ok) app.toast('Could not copy; select the link and copy it by hand.');
    });
  };
  const rename = (): void => {
    if (!store.info) return;
    openNameRoomDialog(store.info, async (name, visibility) => {
      try {
        await app.nameRoom(store.id, name, visibility);
      } catch (err) {
        throw new Error(errorText(err));
      }
    });
  };

  return (
    <div class="room" data-room={store.id}>
      <header class="room-header">
        <div class="room-header__main">
          <div class="room-header__title-row">
            <h1 class={`room-header__title${info?.name ? '' : ' is-unnamed'}`} data-testid="room-title">
              {name}
            </h1>
            <span
              class={`tag ${info?.persistent ? 'tag--saved' : 'tag--temp'}`}
              data-testid="room-kind"
              title={
                info?.persistent
                  ? 'History and members are kept.'
                  : 'Not saved: the room disappears when everyone has left. Name it to keep it.'
              }
            >
              {info?.persistent ? BADGE[info.visibility] : 'Temporary'}
            </span>
            {app.server && (
              <span
                class="tag tag--server"
                data-testid="room-server"
                title={`This room is on ${app.server}; you are in it as ${app.userId ?? 'yourself'}.`}
              >
                on {app.server}
              </span>
            )}
          </div>
          <a
            class="room-header__link"
            data-testid="room-link"
            href={url}
            data-link=""
            title="Link to this room"
          >
            {url}
          </a>
        </div>
        <div class="room-header__actions">
          <CallJoinButton call={call} store={store} app={app} />
          <button
            type="button"
            class={`btn${copied.value === 'ok' ? ' is-done' : ''}`}
            data-testid="copy-link"
            aria-label="Copy link to this room"
            title="Copy link to this room"
            onClick={copy}
          >
            <Icon paths={ICONS.link} />
            <span class="btn__label">
              {copied.value === 'ok' ? 'Copied!' : copied.value === 'failed' ? 'Copy failed' : 'Copy link'}
            </span>
          </button>
          <InviteButton app={app} store={store} />
          {(role === 'owner' || role === 'admin') && (
            <button
              type="button"
              class="btn"
              data-testid="open-moderation"
              title="Lobby, password, slow mode, bans, audit log"
              onClick={() => openModerationDialog(app, store)}
            >
              <Icon paths={ICONS.lock} />
              <span class="btn__label">Moderation</span>
            </button>
          )}
          {(role === 'owner' || role === 'admin') && (
            <button
              type="button"
              class="btn"
              data-testid="open-stream-settings"
              title="Streaming room, who may stream, stream keys for OBS (WHIP)"
              onClick={() => openStreamSettingsDialog(app, store)}
            >
              <Icon paths={ICONS.broadcast} />
              <span class="btn__label">Streaming</span>
            </button>
          )}
          <button
            type="button"
            class="btn"
            data-testid="name-room"
            data-persistent={String(info?.persistent ?? false)}
            hidden={nameHidden}
            aria-label={info?.name ? 'Rename this room' : 'Name this room'}
            title={info?.name ? 'Rename this room, choose who can join' : 'Name this room'}
            onClick={rename}
          >
            <Icon paths={ICONS.tag} />
            <span class="btn__label">{info?.name ? 'Rename' : 'Name this room'}</span>
          </button>
        </div>
      </header>
      <div class="room-toolbar">
        <button
          type="button"
          class="btn btn--small"
          data-testid="open-search"
          aria-expanded={searching.value ? 'true' : 'false'}
          title="Search messages"
          onClick={() => (searching.value = !searching.value)}
        >
          <Icon paths={ICONS.search} />
          <span class="btn__label">Search</span>
        </button>
        <NotifySettings app={app} roomId={store.id} />
        <button
          type="button"
          class="btn btn--small"
          data-testid="open-recordings"
          title="Recordings of this room's calls"
          onClick={() => openRecordingsDialog(app, store)}
        >
          <Icon paths={ICONS.film} />
          <span class="btn__label">Recordings</span>
        </button>
        <span class="room-toolbar__spacer" />
        <RoomLifeButtons app={app} store={store} />
      </div>
      {searching.value && (
        <SearchPanel
          app={app}
          roomId={store.id}
          jump={(seq) => void jump(seq)}
          close={() => (searching.value = false)}
        />
      )}
      <CallArea call={call} store={store} app={app} />
      <div class="room__body">
        <div class="room__chat">
          {(role === 'owner' || role === 'admin') && <KnockList app={app} store={store} />}
          <MessageList store={store} actions={actions} onSeenLatest={markRead} handle={list} />
          <TypingIndicator store={store} />
          <Composer
            roomLabel={info?.name ? info.name : 'this room'}
            maxLength={() => app.me?.limits.maxTextLength ?? 16_000}
            send={(text, mentions) => {
              list.current?.followBottom();
              const reply = replyTo.value;
              replyTo.value = null;
              // Never back into the composer: the message stays in the timeline until it is sent.
              app.send(store.id, text, {
                ...(reply ? { replyTo: reply.seq } : {}),
                ...(mentions.length > 0 ? { mentions } : {}),
              });
            }}
            draftKey={store.id}
            members={() => [...store.members.values()]}
            memberLabel={(m) => nameLabel(m, store.members.values())}
            me={me}
            replyTo={replyTo.value}
            cancelReply={() => (replyTo.value = null)}
            attach={(file) => void attach(file)}
            upload={upload.value}
            typing={(t) => app.typing(store.id, t)}
            editLast={() => list.current?.editLastOwn() ?? false}
            // On phones the keyboard would cover half the room on arrival; focus only with a real keyboard.
            autoFocus={window.matchMedia('(hover: hover) and (pointer: fine)').matches}
          />
        </div>
        <MemberList store={store} me={me} app={app} />
      </div>
    </div>
  );
}

/**
 * "Room not found". Before joining, the preview cannot tell a missing room from an invite-only one
 * (`maybePrivate`), so the text names both.
 */
function RoomNotFoundCard({ maybePrivate }: { maybePrivate: boolean }) {
  useEffect(() => {
    document.title = 'Room not found · Presence';
  }, []);
  return (
    <div class="landing">
      <div class="card landing__card" data-testid="room-not-found" role="alert">
        <h1 class="landing__title">Room not found</h1>
        <p class="landing__lead">
          {maybePrivate
            ? 'There is no room at this link, or it is invite-only: then only its members and people with an invite link can join.'
            : 'This room does not exist. Unnamed rooms disappear when everyone has left.'}
        </p>
        <a class="btn btn--primary" href="/" data-link="">
          Create a new room
        </a>
      </div>
    </div>
  );
}
