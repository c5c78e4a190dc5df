/**
 * `& < > " '` as entities: what every client must apply to text it inserts as HTML. In a module of
 * its own, without zod, so that browser bundles and the SDK can import it alone
 * (`@presence/protocol/escape-text`).
 */
export function escapeText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
