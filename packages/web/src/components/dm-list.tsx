/**
 * "Direct messages" in the sidebar: every conversation this user has (from the server's dm.list,
 * kept across reloads and devices, plus those started in this tab), most recent first, each with a
 * mention-style badge counting the peer's unread messages. A click opens the DM window.
 */
import type { App } from '../app.ts';
import { badgeCount } from '../format.ts';
import { storeVersion, track } from '../state/store-signal.ts';
import { Avatar } from '../ui/avatar.tsx';
import { UserDot } from '../ui/presence-dot.tsx';
import './chat-extras.css';

export function DmList({ app }: { app: App }) {
  const store = app.presence;
  track(storeVersion(store, 'dm'), storeVersion(store, 'presence'), storeVersion(app, 'me'));
  const convos = store.conversations();
  if (app.me === null || convos.length === 0) return null;
  return (
    <section class="dm-list" data-testid="dm-list" aria-labelledby="dm-list-title">
      <h2 class="sidebar__title" id="dm-list-title">
        Direct messages
      </h2>
      <ul class="dm-list__items">
        {convos.map((c) => (
          <li key={c.peer.id}>
            <button
              type="button"
              class={`dm-list__item${c.unread > 0 ? ' dm-list__item--unread' : ''}`}
              data-testid="dm-list-item"
              data-peer={c.peer.id}
              title={`Message ${c.peer.name}`}
              onClick={() => store.openDm(store.person(c.peer.id) ?? c.peer)}
            >
              <span class="contact__avatar">
                <Avatar user={c.peer} size={24} />
                <UserDot user={c.peer.id} />
              </span>
              <span class="dm-list__name">{c.peer.name}</span>
              {c.unread > 0 && (
                <span
                  class="badge badge--mention"
                  data-testid="dm-list-unread"
                  aria-label={`${c.unread} unread`}
                >
                  {badgeCount(c.unread)}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
