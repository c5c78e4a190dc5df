import { useLayoutEffect, useRef } from 'preact/hooks';

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
