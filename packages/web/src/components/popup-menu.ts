/**
 * A small menu that pops up next to a button (a member's or a contact's actions): arrow keys move,
 * Escape or a click elsewhere closes it, focus goes back to the button.
 */
import { h, icon } from '../dom.ts';
import './presence.css';

export interface MenuItem {
  label: string;
  testid: string;
  icon?: string;
  danger?: boolean;
  action(): void;
}

let openMenu: { close(focus: boolean): void } | null = null;

export function closePopupMenu(): void {
  openMenu?.close(false);
}

export function openPopupMenu(anchor: HTMLElement, items: MenuItem[], label: string): void {
  openMenu?.close(false);
  if (items.length === 0) return;
  const buttons = items.map((item) =>
    h(
      'button',
      {
        type: 'button',
        class: `popup-menu__item${item.danger ? ' is-danger' : ''}`,
        role: 'menuitem',
        testid: item.testid,
        on: {
          click: (e) => {
            e.stopPropagation();
            close(false);
            item.action();
          },
        },
      },
      item.icon ? icon(item.icon) : null,
      item.label,
    ),
  );
  const menu = h(
    'div',
    { class: 'popup-menu', role: 'menu', 'aria-label': label, testid: 'popup-menu' },
    ...buttons,
  );
  const onDocClick = (e: MouseEvent): void => {
    if (e.target instanceof Node && !menu.contains(e.target) && !anchor.contains(e.target)) close(false);
  };
  const onKey = (e: KeyboardEvent): void => {
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const step = e.key === 'ArrowDown' ? 1 : -1;
      buttons[(index + step + buttons.length) % buttons.length]?.focus();
    } else if (e.key === 'Tab') {
      close(false);
    }
  };
  const close = (focus: boolean): void => {
    menu.remove();
    document.removeEventListener('click', onDocClick, true);
    window.removeEventListener('resize', onResize);
    anchor.setAttribute('aria-expanded', 'false');
    if (openMenu === handle) openMenu = null;
    if (focus) anchor.focus();
  };
  const onResize = (): void => close(false);
  const handle = { close };
  openMenu = handle;

  menu.addEventListener('keydown', onKey);
  document.body.appendChild(menu);
  // Below the anchor, kept inside the window (above it when there is no room below).
  const rect = anchor.getBoundingClientRect();
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  const left = Math.max(8, Math.min(rect.right - width, window.innerWidth - width - 8));
  const below = rect.bottom + 4;
  const top = below + height > window.innerHeight - 8 ? Math.max(8, rect.top - height - 4) : below;
  menu.style.left = `${left}px`;
  menu.style.top = `${top}px`;
  anchor.setAttribute('aria-expanded', 'true');
  // Registered after this click finished bubbling, so it does not close the menu at once.
  window.setTimeout(() => document.addEventListener('click', onDocClick, true), 0);
  window.addEventListener('resize', onResize);
  buttons[0]?.focus();
}
