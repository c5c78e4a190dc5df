import './call.css';
import type { App } from '../app.ts';
import { CallController } from '../call/call-controller.ts';
import { installCallDebugHook } from '../call/debug-hook.ts';
import { h } from '../dom.ts';
import type { RoomStore } from '../room-store.ts';
import { callControls, callJoinButton } from './call-controls.ts';
import { callGrid } from './call-grid.ts';
import { liveBanner } from './live-banner.ts';

/**
 * Everything about the room's call for the room view: a join button for the header, and below the
 * header the live banner (call on, we are not in it) or the tiles with their controls (we are).
 * The call belongs to the room on screen: leaving the room view leaves the call.
 */
export function callArea(
  app: App,
  store: RoomStore,
): { headerButton: HTMLElement; el: HTMLElement; destroy(): void } {
  const call = new CallController(app, store);
  const removeHook = installCallDebugHook(call);
  const button = callJoinButton(call, store, app);
  const banner = liveBanner(call, store, app);
  const grid = callGrid(
    call,
    store,
    () => app.me && { id: app.me.userId, name: app.me.name, avatar: app.me.avatar },
  );
  const controls = callControls(call, app);
  const panel = h('section', { class: 'call-panel', 'aria-label': 'Call' }, grid.el, controls.el);
  // Floating windows (the DM window) stay below the call's controls: they read where it ends.
  const root = document.documentElement.style;
  const placeFloating = (): void => {
    if (panel.hidden || !panel.isConnected) root.removeProperty('--call-panel-bottom');
    else root.setProperty('--call-panel-bottom', `${Math.round(panel.getBoundingClientRect().bottom)}px`);
  };
  const resized = new ResizeObserver(placeFloating);
  resized.observe(panel);
  window.addEventListener('resize', placeFloating);
  const render = (): void => {
    panel.hidden = call.state !== 'joined';
    placeFloating();
  };
  const off = call.on('state', render);
  render();
  return {
    headerButton: button.el,
    el: h('div', { class: 'call-area' }, banner.el, panel),
    destroy() {
      off();
      resized.disconnect();
      window.removeEventListener('resize', placeFloating);
      root.removeProperty('--call-panel-bottom');
      button.destroy();
      banner.destroy();
      grid.destroy();
      controls.destroy();
      removeHook();
      call.destroy();
    },
  };
}
