import type { ComponentChildren } from 'preact';

/**
 * A labelled form field with an optional hint under it. The input (the child) names the hint in
 * its `aria-describedby` as `${id}-hint`.
 */
export function Field({
  id,
  label,
  hint,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label class="field__label" for={id}>
        {label}
      </label>
      {children}
      {hint && (
        <p class="field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** The error paragraph of a form (role=alert), empty and hidden when there is none. */
export function FormError({ id, text, testid }: { id: string; text: string; testid?: string }) {
  return (
    <p class="form-error" role="alert" id={id} data-testid={testid} hidden={text === ''}>
      {text}
    </p>
  );
}

/** `aria-describedby` of an input: its hint, plus the form's error while it is the culprit. */
export function describedBy(...ids: (string | false | null | undefined)[]): string | undefined {
  const list = ids.filter(Boolean);
  return list.length > 0 ? list.join(' ') : undefined;
}
