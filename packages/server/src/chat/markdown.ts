import { Marked } from 'marked';
import type { Tokens } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { escapeText as escapeHtml } from '@presence/protocol';

/**
 * Chat markdown → safe HTML.
 *
 * Two layers, on purpose: the marked renderer never emits markup we do not
 * want (raw HTML is escaped, images become links, headings become bold
 * paragraphs), and sanitize-html then enforces the allowlist on the result, so
 * a renderer bug or a marked upgrade cannot smuggle anything past it.
 */

export const MARKDOWN_FEATURES = [
  { name: 'bold', syntax: '**bold** or __bold__', html: 'strong' },
  { name: 'italic', syntax: '*italic* or _italic_', html: 'em' },
  { name: 'strikethrough', syntax: '~~struck~~', html: 'del' },
  { name: 'inline code', syntax: '`code`', html: 'code' },
  { name: 'code block', syntax: '```lang\\n…\\n``` or 4-space indent', html: 'pre > code.language-lang' },
  { name: 'link', syntax: '[text](https://…) or <https://…>', html: 'a (http, https, mailto only)' },
  { name: 'autolink', syntax: 'bare https://… , www.… or user@host', html: 'a' },
  { name: 'unordered list', syntax: '- item / * item', html: 'ul > li' },
  { name: 'ordered list', syntax: '1. item', html: 'ol > li (start number kept)' },
  { name: 'blockquote', syntax: '> quote', html: 'blockquote' },
  { name: 'line break', syntax: 'single newline', html: 'br' },
  { name: 'heading', syntax: '# … ###### (any level)', html: 'p > strong (no size change)' },
  { name: 'image', syntax: '![alt](url)', html: 'a to the image URL, never inlined' },
  { name: 'raw HTML', syntax: '<tag>', html: 'shown escaped as literal text' },
] as const;

const ALLOWED_TAGS = ['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'ul', 'ol', 'li', 'blockquote', 'a'];

// Checked against the decoded href, so entity tricks like `&#106;avascript:` have
// already been resolved. Requiring the exact prefix (no leading whitespace or
// control chars) means a browser cannot read any other scheme into it. Relative
// URLs are refused too: chat has no sensible base for them.
const SAFE_HREF = /^(?:https?:\/\/[^\s]|mailto:[^\s])/i;
const SAFE_LANG = /^[a-z0-9_+#.-]{1,32}$/i;
const LINK_REL = 'noopener noreferrer nofollow';

function encodeHref(href: string): string | null {
  if (!SAFE_HREF.test(href)) return null;
  try {
    // Same normalisation marked applies by default; keeps already-encoded %XX intact.
    return encodeURI(href).replace(/%25/g, '%');
  } catch {
    // Lone surrogates make encodeURI throw; such a link is not worth keeping.
    return null;
  }
}

function linkHtml(href: string, inner: string): string {
  const safe = encodeHref(href);
  return safe === null ? inner : `<a href="${escapeHtml(safe)}">${inner}</a>`;
}

// Block constructs chat does not render (tables, rules) fall back to their
// source text so nothing the user typed silently disappears.
function literalBlock(raw: string): string {
  const text = raw.replace(/\n+$/, '');
  return text ? `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>\n` : '';
}

const marked = new Marked({
  async: false,
  gfm: true,
  // Chat users expect Enter to mean a new line, not a soft wrap.
  breaks: true,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag): string {
      // Shown as literal text: users pasting snippets expect to see them, and
      // nothing typed as HTML can ever become markup.
      return 'block' in token && token.block ? literalBlock(token.text) : escapeHtml(token.text);
    },
    heading({ tokens }: Tokens.Heading): string {
      return `<p><strong>${this.parser.parseInline(tokens)}</strong></p>\n`;
    },
    code({ text, lang }: Tokens.Code): string {
      const language = (lang ?? '').match(/^\S*/)?.[0] ?? '';
      const cls = SAFE_LANG.test(language) ? ` class="language-${language.toLowerCase()}"` : '';
      return `<pre><code${cls}>${escapeHtml(text.replace(/\n$/, ''))}\n</code></pre>\n`;
    },
    link({ href, tokens }: Tokens.Link): string {
      return linkHtml(href, this.parser.parseInline(tokens));
    },
    image({ href, text }: Tokens.Image): string {
      return linkHtml(href, escapeHtml(text || href));
    },
    checkbox({ checked }: Tokens.Checkbox): string {
      return checked ? '[x] ' : '[ ] ';
    },
    hr({ raw }: Tokens.Hr): string {
      return literalBlock(raw);
    },
    table({ raw }: Tokens.Table): string {
      return literalBlock(raw);
    },
  },
});

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: {
    a: ['href', 'rel', 'target'],
    code: ['class'],
    ol: ['start'],
  },
  allowedClasses: { code: [/^language-[a-z0-9_+#.-]{1,32}$/] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  allowedStyles: {},
  disallowedTagsMode: 'discard',
  // Keeps the text of anything unexpected from being rendered as live content.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'svg', 'math', 'iframe', 'template'],
  transformTags: {
    a(tagName, attribs): sanitizeHtml.Tag {
      const href = attribs.href;
      if (href === undefined || !SAFE_HREF.test(href)) {
        // An anchor without a usable href is just text; 'span' is not allowed,
        // so sanitize-html drops the tag and keeps its content.
        return { tagName: 'span', attribs: {} };
      }
      return { tagName, attribs: { href, rel: LINK_REL, target: '_blank' } };
    },
    ol(tagName, attribs): sanitizeHtml.Tag {
      const start = attribs.start;
      return {
        tagName,
        attribs: start !== undefined && /^\d{1,9}$/.test(start) && start !== '1' ? { start } : {},
      };
    },
  },
};

/**
 * Text that renders as itself in one paragraph: it starts with a letter or `|` (no list, heading,
 * quote or indented code), has only letters, digits, spaces, `|` and punctuation that no markdown
 * rule uses (no newline, `*_~\`[]<>&#/@`), ends without a space, and has no `www.` (the only autolink
 * left without `:` `/` `@`). A `|` makes a table only with a delimiter row on the next line, so on
 * one line it is text. Most chat lines are like that, and marked plus sanitize-html cost tens of
 * microseconds per message; the fast path's equivalence is fuzzed in markdown.test.ts.
 */
const PLAIN_TEXT = /^[\p{L}|][\p{L}\p{M}\p{Nd} ,.;:?!'"()|-]*$/u;
const AUTOLINK_WWW = /www\./i;

function isPlainText(text: string): boolean {
  return PLAIN_TEXT.test(text) && text.charCodeAt(text.length - 1) !== 0x20 && !AUTOLINK_WWW.test(text);
}

export function renderMarkdown(text: string): string {
  return isPlainText(text) ? `<p>${text}</p>` : renderMarkdownFull(text);
}

/**
 * renderMarkdown, telling whether the text took the plain path: then the HTML is `<p>` + the text +
 * `</p>`, and the text has no `<>&`, no backslash, no control or lone surrogate characters (what
 * RoomLog needs to know to serialize the message without checking again).
 */
export function renderMessageText(text: string): { html: string; plain: boolean } {
  return isPlainText(text)
    ? { html: `<p>${text}</p>`, plain: true }
    : { html: renderMarkdownFull(text), plain: false };
}

/**
 * Quotes and lists nested deeper than this, or runs of one emphasis delimiter longer than
 * MAX_DELIMITER_RUN, are not parsed as markdown: marked recurses once per level and runs out of
 * stack near a thousand (4,000 `>` or 1,250 × `1. ` in one message did), and long delimiter runs
 * cost it hundreds of milliseconds. Such a message is shown as its literal text instead.
 */
export const MAX_NESTING = 32;
const MAX_DELIMITER_RUN = 64;
/** One level of block nesting at the start of a line: a quote marker or a list marker. */
const CONTAINER_MARKER = /[ \t]*(?:>|[*+-](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))/y;
const LONG_DELIMITER_RUN = new RegExp(`([*_~\\[\\]])\\1{${MAX_DELIMITER_RUN},}`);

/** Whether marked may be handed this text without deep recursion (a cheap scan, no parsing). */
function withinNesting(text: string): boolean {
  if (LONG_DELIMITER_RUN.test(text)) return false;
  // Lists nested by indentation need a line per level and ever more indentation: within the
  // longest text allowed that stays far from the stack's limit, so only markers on one line count.
  for (const line of text.split('\n')) {
    let depth = 0;
    CONTAINER_MARKER.lastIndex = 0;
    while (CONTAINER_MARKER.test(line)) {
      if (++depth > MAX_NESTING) return false;
    }
  }
  return true;
}

/** The text as it was typed, escaped, line breaks kept: what a message that cannot be rendered shows. */
function literalText(text: string): string {
  return `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`;
}

/** The full pipeline, without the plain-text shortcut (exported so a test can compare the two). */
export function renderMarkdownFull(text: string): string {
  if (!withinNesting(text)) return literalText(text);
  let html: string | Promise<string>;
  try {
    html = marked.parse(text);
  } catch (err) {
    // The scan above bounds the nesting we know of; any other input deep enough to exhaust the
    // stack is shown literally too, rather than failing the request.
    if (err instanceof RangeError) return literalText(text);
    throw err;
  }
  // The instance is configured with async: false, so a Promise here means a
  // misconfiguration that must not go unnoticed.
  if (typeof html !== 'string') throw new Error('marked returned a Promise; async must stay disabled');
  return sanitizeHtml(html, SANITIZE_OPTIONS).trim();
}
