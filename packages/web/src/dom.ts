/**
 * Tiny DOM helpers: the whole UI is built with `h()` and patched by hand, no framework.
 * Text always goes in as text nodes; the only HTML ever inserted is a message's server-sanitized `html`.
 */

type Child = Node | string | number | null | undefined | false;
type EventMap = HTMLElementEventMap;

export type Attrs = {
  class?: string;
  text?: string;
  testid?: string;
  style?: Partial<CSSStyleDeclaration>;
  dataset?: Record<string, string>;
  on?: { [K in keyof EventMap]?: (event: EventMap[K]) => void };
} & Record<string, unknown>;

/** Create an element: `h('button', { type: 'button', testid: 'send', on: { click } }, 'Send')`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      switch (key) {
        case 'class':
          el.className = String(value);
          break;
        case 'text':
          el.textContent = String(value);
          break;
        case 'testid':
          el.dataset['testid'] = String(value);
          break;
        case 'style':
          Object.assign(el.style, value);
          break;
        case 'dataset':
          Object.assign(el.dataset, value);
          break;
        case 'on':
          for (const [type, handler] of Object.entries(value as Record<string, EventListener>)) {
            el.addEventListener(type, handler);
          }
          break;
        default:
          if (value === true) el.setAttribute(key, '');
          else if (key in el && typeof value !== 'string') {
            (el as unknown as Record<string, unknown>)[key] = value;
          } else el.setAttribute(key, String(value));
      }
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replace all children of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** An inline SVG icon from a trusted, bundled path string (never user data). */
export function icon(paths: string, label?: string): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '18');
  svg.setAttribute('height', '18');
  svg.setAttribute('fill', 'none');
  svg.setAttribute('stroke', 'currentColor');
  svg.setAttribute('stroke-width', '2');
  svg.setAttribute('stroke-linecap', 'round');
  svg.setAttribute('stroke-linejoin', 'round');
  svg.classList.add('icon');
  if (label) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
  } else {
    svg.setAttribute('aria-hidden', 'true');
  }
  for (const d of paths.split('|')) {
    const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return svg;
}

/** Feather-style icon paths (24×24), several paths separated by '|'. */
export const ICONS = {
  link: 'M10 13a5 5 0 0 0 7.54.54l3-3a5 5 0 0 0-7.07-7.07l-1.72 1.71|M14 11a5 5 0 0 0-7.54-.54l-3 3a5 5 0 0 0 7.07 7.07l1.71-1.71',
  copy: 'M9 9h11v11H9z|M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1',
  check: 'M20 6 9 17l-5-5',
  send: 'M22 2 11 13|M22 2l-7 20-4-9-9-4 20-7z',
  edit: 'M12 20h9|M16.5 3.5a2.12 2.12 0 0 1 3 3L7 19l-4 1 1-4Z',
  trash: 'M3 6h18|M8 6V4h8v2|M19 6l-1 14H6L5 6',
  tag: 'M20.59 13.41 13.42 20.58a2 2 0 0 1-2.83 0L2 12V2h10l8.59 8.59a2 2 0 0 1 0 2.82z|M7 7h.01',
  users:
    'M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2|M9 3a4 4 0 1 0 0 8 4 4 0 0 0 0-8z|M23 21v-2a4 4 0 0 0-3-3.87|M16 3.13a4 4 0 0 1 0 7.75',
  menu: 'M3 12h18|M3 6h18|M3 18h18',
  search: 'M11 3a8 8 0 1 0 0 16 8 8 0 0 0 0-16z|M21 21l-4.35-4.35',
  plus: 'M12 5v14|M5 12h14',
  x: 'M18 6 6 18|M6 6l12 12',
  home: 'M3 9l9-7 9 7v11a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z|M9 22V12h6v10',
  compass: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20z|M16.24 7.76l-2.12 6.36-6.36 2.12 2.12-6.36 6.36-2.12z',
  lock: 'M5 11h14v10H5z|M7 11V7a5 5 0 0 1 10 0v4',
  logout: 'M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4|M16 17l5-5-5-5|M21 12H9',
} as const;
