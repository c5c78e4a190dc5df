/**
 * Where Preact meets the router and the screens that are still DOM-built: a view is a component
 * rendered into its own element (`componentView`), and an element built elsewhere can sit inside
 * a component (`DomSlot`).
 */
import { render, type VNode } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { View } from '../views/view.ts';

/**
 * A router view whose content is a component. It is unmounted in `destroy`, which ends its
 * subscriptions, timers and effects with it. Focus and scroll happen in the component's own
 * effects, which run once the element is in the document.
 */
export function componentView(vnode: VNode, tag: keyof HTMLElementTagNameMap = 'div', className = ''): View {
  const el = document.createElement(tag);
  if (className) el.className = className;
  render(vnode, el);
  return { el, destroy: () => render(null, el) };
}

/**
 * An element made outside Preact (a DOM-built part, e.g. the call area) placed inside a component.
 * Preact never looks inside it; whoever built it keeps it current and ends it.
 */
export function DomSlot({ el }: { el: Node }) {
  const host = useRef<HTMLSpanElement>(null);
  useLayoutEffect(() => {
    const parent = host.current?.parentNode;
    if (!parent || !host.current) return;
    parent.insertBefore(el, host.current);
    return () => el.parentNode?.removeChild(el);
  }, [el]);
  // An empty marker keeps the slot's place among its siblings.
  return <span hidden ref={host} />;
}
