import './styles.css';
import { watchAccount } from './account.ts';
import { App } from './app.ts';
import { Router, type Route } from './router.ts';
import { directoryView } from './views/directory.ts';
import { inviteView } from './views/invite.ts';
import { landingView } from './views/landing.ts';
import { notFoundView } from './views/not-found.ts';
import { roomView } from './views/room.tsx';
import { shell } from './views/shell.ts';
import type { View } from './views/view.ts';

const app = new App();
const router = new Router();
const ui = shell(app);
document.getElementById('app')?.replaceWith(ui.el);

let current: View | null = null;

function viewFor(route: Route): View {
  switch (route.view) {
    case 'home':
      return landingView(app, router);
    case 'room':
      return roomView(app, route.room);
    case 'directory':
      return directoryView(app, route.query);
    case 'invite':
      return inviteView(app, router, route.code);
    default:
      return notFoundView();
  }
}

router.start((route) => {
  current?.destroy?.();
  app.currentRoom = route.view === 'room' ? route.room : null;
  ui.setCurrentRoom(app.currentRoom);
  ui.closeDrawer();
  current = viewFor(route);
  ui.main.replaceChildren(current.el);
  current.mounted?.();
});

// Logged in or out (here or in another tab): show the current page again as the new user.
watchAccount(app);
app.on('identity', () => router.go(location.pathname + location.search));

// A returning visitor (name remembered, an account, or a token in this tab) reconnects right away
// so "My rooms" fills in; rooms themselves join when opened.
if (app.name || app.account) void app.connected().catch(() => undefined);
