/**
 * Client-side routes. `/r/<roomId>` is a shareable room link (the server answers index.html for
 * it); the directory lives at `/?view=directory` so a reload there works on any server that serves `/`.
 */
export type Route =
  | { view: 'home' }
  /** `server`: a room of another server, opened there as this user (`/r/<room>@<server>`). */
  | { view: 'room'; room: string; server?: string }
  | { view: 'invite'; code: string }
  | { view: 'directory'; query: string }
  | { view: 'authorize'; search: string }
  | { view: 'apps-settings' }
  | { view: 'developer' }
  | { view: 'not-found' };

const ROOM_PATH = /^\/r\/([A-Za-z0-9_-]{1,64})\/?$/;
/** `/r/<room>@<server>` (the `@` may come percent-encoded). */
const REMOTE_ROOM_PATH = /^\/r\/([A-Za-z0-9_-]{1,64})(?:@|%40)([A-Za-z0-9.:-]{1,253})\/?$/;

/** `ROOM@SERVER` as typed or pasted (a room id, then a server's domain). */
export function parseRemoteRoom(text: string): { room: string; server: string } | null {
  const m = /^\s*([A-Za-z0-9_-]{1,64})@([A-Za-z0-9.-]+(?::\d{1,5})?)\s*$/.exec(text);
  return m?.[1] && m[2] ? { room: m[1], server: m[2].toLowerCase() } : null;
}
/** `/i/<code>`: the join page of an invite (`invite.create` answers this path). */
const INVITE_PATH = /^\/i\/([A-Za-z0-9_-]{1,64})\/?$/;

export function parseRoute(loc: { pathname: string; search: string }): Route {
  const room = ROOM_PATH.exec(loc.pathname);
  if (room?.[1]) return { view: 'room', room: room[1] };
  const remote = REMOTE_ROOM_PATH.exec(loc.pathname);
  if (remote?.[1] && remote[2]) return { view: 'room', room: remote[1], server: remote[2].toLowerCase() };
  const invite = INVITE_PATH.exec(loc.pathname);
  if (invite?.[1]) return { view: 'invite', code: invite[1] };
  // Third-party apps: the OAuth consent page, the user's grants, the developer page.
  if (loc.pathname === '/oauth/authorize') return { view: 'authorize', search: loc.search };
  if (loc.pathname === '/settings/apps') return { view: 'apps-settings' };
  if (loc.pathname === '/developer') return { view: 'developer' };
  if (loc.pathname === '/' || loc.pathname === '/index.html' || loc.pathname === '') {
    const params = new URLSearchParams(loc.search);
    if (params.get('view') === 'directory') return { view: 'directory', query: params.get('q') ?? '' };
    return { view: 'home' };
  }
  return { view: 'not-found' };
}

export function routePath(route: Route): string {
  switch (route.view) {
    case 'room':
      return route.server
        ? `/r/${encodeURIComponent(route.room)}@${route.server}`
        : `/r/${encodeURIComponent(route.room)}`;
    case 'invite':
      return `/i/${encodeURIComponent(route.code)}`;
    case 'authorize':
      return `/oauth/authorize${route.search}`;
    case 'apps-settings':
      return '/settings/apps';
    case 'developer':
      return '/developer';
    case 'directory':
      return route.query ? `/?view=directory&q=${encodeURIComponent(route.query)}` : '/?view=directory';
    default:
      return '/';
  }
}

type Listener = (route: Route) => void;

export class Router {
  private listener: Listener | null = null;

  start(listener: Listener): void {
    this.listener = listener;
    window.addEventListener('popstate', () => this.emit());
    // Same-origin links marked data-link navigate without a reload.
    document.addEventListener('click', (event) => {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const anchor = (event.target as Element | null)?.closest?.('a[data-link]');
      if (!(anchor instanceof HTMLAnchorElement) || anchor.origin !== location.origin) return;
      event.preventDefault();
      this.go(anchor.pathname + anchor.search);
    });
    this.emit();
  }

  /** Navigate to a path; `replace` rewrites the current history entry (e.g. search-as-you-type). */
  go(path: string, opts: { replace?: boolean } = {}): void {
    if (path === location.pathname + location.search) {
      if (!opts.replace) this.emit();
      return;
    }
    if (opts.replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    this.emit();
  }

  private emit(): void {
    this.listener?.(parseRoute(location));
  }
}
