/** The Presence mark: two overlapping speech bubbles, drawn inline (no external asset). */
export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg viewBox="0 0 32 32" width={size} height={size} aria-hidden="true" class="logo">
      <path
        d="M12 4h14a4 4 0 0 1 4 4v9a4 4 0 0 1-4 4h-1v4l-5-4h-8a4 4 0 0 1-4-4V8a4 4 0 0 1 4-4z"
        class="logo__back"
      />
      <path
        d="M6 11h12a4 4 0 0 1 4 4v7a4 4 0 0 1-4 4h-7l-5 4v-4a4 4 0 0 1-4-4v-7a4 4 0 0 1 4-4z"
        class="logo__front"
      />
    </svg>
  );
}
