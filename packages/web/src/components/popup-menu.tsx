/**
 * A small menu that pops up next to a button (a member's or a contact's actions): arrow keys move,
 * Escape or a click elsewhere closes it, focus goes back to the button.
 */
import { render } from 'preact';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { Icon } from '../ui/icon.tsx';
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

function PopupMenu({
  anchor,
  items,
  label,
  close,
}: {
  anchor: HTMLElement;
  items: MenuItem[];
  label: string;
  close(focus: boolean): void;
}) {
  const menu = useRef<HTMLDivElement>(null);
  const buttons = (): HTMLButtonElement[] => [...(menu.current?.querySelectorAll('button') ?? [])];
  // Below the anchor, kept inside the window (above it when there is no room below): this needs
  // the menu's laid-out size, so it is placed by hand once drawn.
  useLayoutEffect(() => {
    const el = menu.current;
    if (!el) return;
    const rect = anchor.getBoundingClientRect();
    const width = el.offsetWidth;
    const height = el.offsetHeight;
    const left = Math.max(8, Math.min(rect.right - width, window.innerWidth - width - 8));
    const below = rect.bottom + 4;
    const top = below + height > window.innerHeight - 8 ? Math.max(8, rect.top - height - 4) : below;
    el.style.left = `${left}px`;
    el.style.top = `${top}px`;
    buttons()[0]?.focus();
  }, []);
  useEffect(() => {
    const onDocClick = (e: MouseEvent): void => {
      if (e.target instanceof Node && !menu.current?.contains(e.target) && !anchor.contains(e.target))
        close(false);
    };
    const onResize = (): void => close(false);
    // Registered after this click finished bubbling, so it does not close the menu at once.
    const timer = window.setTimeout(() => document.addEventListener('click', onDocClick, true), 0);
    window.addEventListener('resize', onResize);
    return () => {
      window.clearTimeout(timer);
      document.removeEventListener('click', onDocClick, true);
      window.removeEventListener('resize', onResize);
    };
  }, []);
  return (
    <div
      class="popup-menu"
      role="menu"
      aria-label={label}
      data-testid="popup-menu"
      ref={menu}
      onKeyDown={(e) => {
        const list = buttons();
        const index = list.indexOf(document.activeElement as HTMLButtonElement);
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          close(true);
        } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          const step = e.key === 'ArrowDown' ? 1 : -1;
          list[(index + step + list.length) % list.length]?.focus();
        } else if (e.key === 'Tab') {
          close(false);
        }
      }}
    >
      {items.map((item) => (
        <button
          key={item.testid}
          type="button"
          class={`popup-menu__item${item.danger ? ' is-danger' : ''}`}
          role="menuitem"
          data-testid={item.testid}
          onClick={(e) => {
            e.stopPropagation();
            close(false);
            item.action();
          }}
        >
          {item.icon && <Icon paths={item.icon} />}
          {item.label}
        </button>
      ))}
    </div>
  );
}

/**
 * Open the menu for `anchor`. The anchor belongs to whoever opened the menu, so its
 * `aria-expanded` is set here, on the element, for as long as the menu is open.
 */
export function openPopupMenu(anchor: HTMLElement, items: MenuItem[], label: string): void {
  openMenu?.close(false);
  if (items.length === 0) return;
  const host = document.createElement('div');
  host.style.display = 'contents';
  document.body.appendChild(host);
  const close = (focus: boolean): void => {
    render(null, host);
    host.remove();
    anchor.setAttribute('aria-expanded', 'false');
    if (openMenu === handle) openMenu = null;
    if (focus) anchor.focus();
  };
  const handle = { close };
  openMenu = handle;
  anchor.setAttribute('aria-expanded', 'true');
  render(<PopupMenu anchor={anchor} items={items} label={label} close={close} />, host);
}
