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

export { ICONS } from './ui/icons.ts';
