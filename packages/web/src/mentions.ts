/**
 * Mentions in the web app: finding the `@partial` being typed, and showing `@name` of mentioned
 * members highlighted. The server stores mentions as user ids; names are only for people.
 */

import { escapeText as escapeHtml } from '@presence/protocol/escape-text';

/**
 * The server's sanitized HTML with each `@name` of a mentioned member wrapped in
 * `<span class="mention">`. Only text between tags is touched, and only the escaped name (the same
 * characters the server's renderer produced) is matched, so no markup is ever made from a name.
 */
export function highlightMentions(
  html: string,
  mentions: readonly string[],
  nameOf: (id: string) => string,
): string {
  const names = [...new Set(mentions.map(nameOf))]
    .filter((n) => n !== '')
    .sort((a, b) => b.length - a.length);
  if (names.length === 0) return html;
  const escaped = names.map((n) => `@${escapeHtml(n)}`);
  return html
    .split(/(<[^>]*>)/)
    .map((part) => {
      if (part.startsWith('<')) return part;
      // One pass over the text, longest names first, so a name inside another is not wrapped twice.
      let out = '';
      let i = 0;
      while (i < part.length) {
        const token = escaped.find((t) => part.startsWith(t, i));
        if (token) {
          out += `<span class="mention">${token}</span>`;
          i += token.length;
        } else {
          out += part[i];
          i++;
        }
      }
      return out;
    })
    .join('');
}

/** The `@partial` right before the caret, if any: where it starts and what is typed after `@`. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)@([^\s@]{0,40})$/u.exec(before);
  if (!m) return null;
  const query = m[2] ?? '';
  return { start: caret - query.length - 1, query };
}

/** The ids of picked members whose `@name` is still in the text when it is sent. */
export function mentionedIds(text: string, picked: ReadonlyMap<string, string>): string[] {
  const ids: string[] = [];
  for (const [id, name] of picked) if (text.includes(`@${name}`)) ids.push(id);
  return ids;
}
