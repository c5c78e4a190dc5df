/** An inline SVG icon from a trusted, bundled path string (never user data); see `ICONS`. */
export function Icon({ paths, label }: { paths: string; label?: string }) {
  return (
    <svg
      viewBox="0 0 24 24"
      width="18"
      height="18"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      class="icon"
      {...(label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': 'true' })}
    >
      {paths.split('|').map((d) => (
        <path key={d} d={d} />
      ))}
    </svg>
  );
}
