/**
 * What an owner or admin can do to a member of a lower role, added to the person menu: kick, ban
 * (with a duration and a reason), mute chat, microphone or camera, and change the role.
 */
import { useSignal } from '@preact/signals';
import type { Member, RoomRole } from '@presence/protocol';
import type { App } from '../app.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { openComponentModal } from '../ui/modal.tsx';
import type { MenuItem } from './popup-menu.tsx';

const RANK: Record<RoomRole, number> = { guest: 0, member: 1, admin: 2, owner: 3 };
const KICK_ICON = 'M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4|M16 17l5-5-5-5|M21 12H9';
const BAN_ICON = 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20z|M4.93 4.93l14.14 14.14';
const MUTE_ICON = 'M1 1l22 22|M9 9v3a3 3 0 0 0 5.12 2.12|M15 9.34V4a3 3 0 0 0-5.94-.6';
const ROLE_ICON = 'M12 2l3 7h7l-5.5 4 2 7L12 16l-6.5 4 2-7L2 9h7z';

export function moderationMenuItems(app: App, store: RoomStore, member: Member): MenuItem[] {
  const me = store.members.get(app.userId ?? '')?.role ?? store.role;
  if (me === null || RANK[me] < RANK.admin || RANK[me] <= RANK[member.role]) return [];
  const fail = (what: string) => (err: unknown) => app.toast(`Could not ${what}: ${errorText(err)}`);
  const mutes = store.muteOf(member.id);
  const mute = (patch: { chat?: boolean; audio?: boolean; video?: boolean }, what: string): void => {
    app
      .moderate('mod.mute', { room: store.id, user: member.id, ...patch })
      .then(() => app.toast(`${member.name}: ${what}.`, 'info'), fail(what));
  };
  const items: MenuItem[] = [
    {
      label: mutes.chat ? 'Unmute chat' : 'Mute chat',
      testid: mutes.chat ? 'mod-unmute-chat' : 'mod-mute-chat',
      icon: MUTE_ICON,
      action: () => mute({ chat: !mutes.chat }, mutes.chat ? 'chat unmuted' : 'chat muted'),
    },
    {
      label: mutes.audio ? 'Unmute microphone' : 'Mute microphone',
      testid: mutes.audio ? 'mod-unmute-mic' : 'mod-mute-mic',
      icon: MUTE_ICON,
      action: () => mute({ audio: !mutes.audio }, mutes.audio ? 'microphone unmuted' : 'microphone muted'),
    },
    {
      label: mutes.video ? 'Unmute camera' : 'Mute camera',
      testid: mutes.video ? 'mod-unmute-cam' : 'mod-mute-cam',
      icon: MUTE_ICON,
      action: () => mute({ video: !mutes.video }, mutes.video ? 'camera unmuted' : 'camera muted'),
    },
  ];
  if (store.info?.persistent) {
    const roles: ('admin' | 'member' | 'guest')[] =
      me === 'owner' ? ['admin', 'member', 'guest'] : ['member', 'guest'];
    for (const role of roles) {
      if (role === member.role) continue;
      items.push({
        label: `Make ${role}`,
        testid: `mod-role-${role}`,
        icon: ROLE_ICON,
        action: () => {
          app.moderate('room.role', { room: store.id, user: member.id, role }).catch(fail('change the role'));
        },
      });
    }
  }
  items.push(
    {
      label: 'Remove from room',
      testid: 'mod-kick',
      icon: KICK_ICON,
      danger: true,
      action: () => {
        if (!window.confirm(`Remove ${member.name} from the room? They can come back.`)) return;
        app.moderate('mod.kick', { room: store.id, user: member.id }).catch(fail('remove'));
      },
    },
    {
      label: 'Ban…',
      testid: 'mod-ban',
      icon: BAN_ICON,
      danger: true,
      action: () => openBanDialog(app, store, member),
    },
  );
  return items;
}

const DURATIONS: [string, number | undefined][] = [
  ['1 hour', 3600],
  ['1 day', 86_400],
  ['1 week', 7 * 86_400],
  ['Until unbanned', undefined],
];

function openBanDialog(app: App, store: RoomStore, member: Member): void {
  openComponentModal({ id: 'ban-dialog', title: `Ban ${member.name}`, testid: 'ban-dialog' }, (close) => (
    <BanForm app={app} store={store} member={member} close={close} />
  ));
}

function BanForm({
  app,
  store,
  member,
  close,
}: {
  app: App;
  store: RoomStore;
  member: Member;
  close(): void;
}) {
  const error = useSignal('');
  const busy = useSignal(false);
  const submit = (e: Event): void => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const duration = DURATIONS[Number((form.elements.namedItem('duration') as HTMLSelectElement).value)]?.[1];
    const reason = (form.elements.namedItem('reason') as HTMLInputElement).value.trim();
    const byAddress = (form.elements.namedItem('address') as HTMLInputElement).checked;
    busy.value = true;
    app
      .moderate('mod.ban', {
        room: store.id,
        user: member.id,
        ...(duration !== undefined ? { durationSeconds: duration } : {}),
        ...(reason ? { reason } : {}),
        ...(byAddress ? { byAddress } : {}),
      })
      .then(
        () => {
          app.toast(`${member.name} is banned.`, 'info');
          close();
        },
        (err: unknown) => {
          busy.value = false;
          error.value = errorText(err);
        },
      );
  };
  return (
    <form class="stack" noValidate onSubmit={submit}>
      <div class="field">
        <label class="field__label" for="ban-duration">
          For how long
        </label>
        <select id="ban-duration" class="input" name="duration" data-testid="ban-duration" value="1">
          {DURATIONS.map(([label], i) => (
            <option key={label} value={String(i)}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label class="field__label" for="ban-reason">
          Reason (they see it)
        </label>
        <input id="ban-reason" class="input" name="reason" maxLength={500} data-testid="ban-reason" />
      </div>
      <label class="choice">
        <input type="checkbox" name="address" data-testid="ban-address" />
        <span class="choice__text">
          <span class="choice__label">Also ban their network address</span>
          <span class="choice__hint">Holds if they come back from another browser on the same network.</span>
        </span>
      </label>
      <p class="form-error" role="alert" hidden={!error.value}>
        {error.value}
      </p>
      <div class="dialog__buttons">
        <button type="button" class="btn" onClick={close}>
          Cancel
        </button>
        <button
          type="submit"
          class={`btn btn--danger${busy.value ? ' is-busy' : ''}`}
          data-testid="ban-confirm"
          disabled={busy.value}
        >
          Ban
        </button>
      </div>
    </form>
  );
}
