import './styles.css';
import { watchAccount } from './account.ts';
import { App } from './app.ts';
import { Router } from './router.ts';
import { mountApp } from './views/shell.tsx';
import { notifierOf } from './notifier.ts';

const app = new App();
const router = new Router();
const root = document.getElementById('app');
if (root) mountApp(app, router, root);
// Tab title and favicon counts, sound and desktop notifications for rooms not on screen.
notifierOf(app);

// Logged in or out (here or in another tab): show the current page again as the new user.
watchAccount(app);
app.on('identity', () => router.go(location.pathname + location.search));

// A returning visitor (name remembered, an account, or a token in this tab) reconnects right away
// so "My rooms" fills in; rooms themselves join when opened.
if (app.name || app.account) void app.connected().catch(() => undefined);
