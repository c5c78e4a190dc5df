/**
 * Modal dialogs whose content is a Preact component. `openDialog` appends a holder to the body,
 * renders a `<dialog>` into it and shows it (`showModal` is a method: there is no attribute for a
 * modal dialog); Escape, a click on the backdrop or `close()` closes it, which unmounts the
 * component (its subscriptions and timers end with it) and removes the holder.
 */
import { render, type ComponentChildren, type VNode } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

export interface Modal {
  close(): void;
}

function Dialog({
  className,
  testid,
  labelledBy,
  onClosed,
  children,
}: {
  className: string;
  testid?: string;
  labelledBy: string;
  onClosed(): void;
  children: ComponentChildren;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useLayoutEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog
      class={className}
      data-testid={testid}
      aria-labelledby={labelledBy}
      ref={dialog}
      onClose={onClosed}
      onClick={(e) => {
        if (e.target === e.currentTarget) e.currentTarget.close();
      }}
    >
      {children}
    </dialog>
  );
}

/** A `<dialog>` of `className` around what `body` renders (the body brings its own title). */
export function openDialog(
  opts: { className: string; testid?: string; labelledBy: string },
  body: (close: () => void) => VNode,
): Modal {
  const host = document.createElement('div');
  document.body.appendChild(host);
  let closed = false;
  const unmount = (): void => {
    if (closed) return;
    closed = true;
    render(null, host);
    host.remove();
  };
  const close = (): void => {
    const d = host.querySelector('dialog');
    if (d?.open) d.close();
    unmount();
  };
  render(
    <Dialog className={opts.className} testid={opts.testid} labelledBy={opts.labelledBy} onClosed={unmount}>
      {body(close)}
    </Dialog>,
    host,
  );
  return { close };
}

/** The app's usual modal: a titled card (`title` may be left to the body, e.g. when it changes). */
export function openComponentModal(
  opts: { id: string; title?: string; testid: string; wide?: boolean },
  body: (close: () => void) => VNode,
): Modal {
  return openDialog(
    {
      className: `dialog modal${opts.wide ? ' modal--wide' : ''}`,
      testid: opts.testid,
      labelledBy: `${opts.id}-title`,
    },
    (close) => (
      <div class="modal__inner">
        {opts.title !== undefined && <ModalTitle id={opts.id}>{opts.title}</ModalTitle>}
        {body(close)}
      </div>
    ),
  );
}

export function ModalTitle({ id, children }: { id: string; children: ComponentChildren }) {
  return (
    <h2 id={`${id}-title`} class="dialog__title">
      {children}
    </h2>
  );
}
