import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MARKDOWN_FEATURES, renderMarkdown, renderMarkdownFull } from '../../src/chat/markdown.js';

const ALLOWED_TAGS = new Set([
  'p',
  'br',
  'strong',
  'em',
  'del',
  'code',
  'pre',
  'ul',
  'ol',
  'li',
  'blockquote',
  'a',
]);
const ALLOWED_ATTRS: Record<string, Set<string>> = {
  a: new Set(['href', 'rel', 'target']),
  code: new Set(['class']),
  ol: new Set(['start']),
};
const SAFE_SCHEME = /^(?:https?:\/\/|mailto:)/i;

interface ParsedTag {
  name: string;
  closing: boolean;
  attrs: Map<string, string>;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_, d: string) => String.fromCodePoint(parseInt(d, 10)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Strict tokenizer for sanitize-html's serialisation: every tag must be
 * `<name attr="value" …>` or `</name>`. Any `<` that is not such a tag fails the
 * test, because a browser could read it as markup (comments, CDATA, odd tags).
 */
function parseTags(html: string): ParsedTag[] {
  const tags: ParsedTag[] = [];
  const tagRe = /<(\/?)([a-z][a-z0-9]*)((?:\s+[^\s"'=<>/`]+(?:="[^"<>]*")?)*)\s*\/?>/gy;
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) break;
    tagRe.lastIndex = lt;
    const m = tagRe.exec(html);
    assert.ok(m, `unparseable '<' at ${lt} in ${JSON.stringify(html)}`);
    const attrs = new Map<string, string>();
    for (const a of (m[3] ?? '').matchAll(/\s+([^\s"'=<>/`]+)(?:="([^"]*)")?/g)) {
      const name = (a[1] ?? '').toLowerCase();
      assert.ok(!attrs.has(name), `duplicate attribute ${name}`);
      attrs.set(name, decodeEntities(a[2] ?? ''));
    }
    tags.push({ name: (m[2] ?? '').toLowerCase(), closing: m[1] === '/', attrs });
    i = tagRe.lastIndex;
  }
  return tags;
}

function assertInert(input: string): void {
  const out = renderMarkdown(input);
  assertSafeHtml(out, `input ${JSON.stringify(input)} → ${JSON.stringify(out)}`);
}

function assertSafeHtml(out: string, ctx: string): void {
  assert.doesNotMatch(out, /<script/i, ctx);
  assert.doesNotMatch(
    out,
    /<(?:svg|iframe|style|img|form|math|object|embed|input|button|body|meta|link)\b/i,
    ctx,
  );
  for (const tag of parseTags(out)) {
    assert.ok(ALLOWED_TAGS.has(tag.name), `tag <${tag.name}> not allowed: ${ctx}`);
    if (tag.closing) {
      assert.equal(tag.attrs.size, 0, ctx);
      continue;
    }
    const allowed = ALLOWED_ATTRS[tag.name] ?? new Set<string>();
    for (const [name, value] of tag.attrs) {
      assert.ok(allowed.has(name), `attribute ${name} on <${tag.name}> not allowed: ${ctx}`);
      assert.doesNotMatch(name, /^on/i, ctx);
      if (name === 'href') {
        const compact = value.replace(/[\s\p{Cc}]/gu, '').toLowerCase();
        assert.match(value, SAFE_SCHEME, `unsafe href ${value}: ${ctx}`);
        assert.doesNotMatch(compact, /^(?:javascript|data|vbscript):/, ctx);
        assert.ok(!/(?:javascript|vbscript):|^data:/.test(compact), `scheme smuggled in href: ${ctx}`);
      }
      if (name === 'class') assert.match(value, /^language-[a-z0-9_+#.-]+$/, ctx);
      if (name === 'start') assert.match(value, /^\d+$/, ctx);
      if (name === 'rel') assert.equal(value, 'noopener noreferrer nofollow', ctx);
      if (name === 'target') assert.equal(value, '_blank', ctx);
    }
    if (tag.name === 'a') {
      assert.ok(tag.attrs.has('href') && tag.attrs.has('rel') && tag.attrs.has('target'), ctx);
    }
  }
}

test('the safety checker itself rejects live markup', () => {
  const bad = [
    '<script>alert(1)</script>',
    '<p onclick="alert(1)">x</p>',
    '<img src=x>',
    '<span>x</span>',
    '<a href="javascript:alert(1)" rel="noopener noreferrer nofollow" target="_blank">x</a>',
    '<a href="https://ok.example">x</a>',
    '<a href="https://ok.example" rel="noopener noreferrer nofollow" target="_blank" title="t">x</a>',
    '<code class="evil">x</code>',
    '<!-- x -->',
    '<p x=1>',
  ];
  for (const html of bad)
    assert.throws(() => assertSafeHtml(html, html), assert.AssertionError, `accepted ${html}`);
  assertSafeHtml('<p>a &lt;b&gt; <code class="language-js">x</code></p>', 'good');
});

test('inline formatting', () => {
  assert.equal(
    renderMarkdown('**b** __b2__ *i* _i2_ ~~s~~ `c<d>`'),
    '<p><strong>b</strong> <strong>b2</strong> <em>i</em> <em>i2</em> <del>s</del> <code>c&lt;d&gt;</code></p>',
  );
});

test('plain text is escaped and wrapped', () => {
  assert.equal(renderMarkdown('a < b & c > d'), '<p>a &lt; b &amp; c &gt; d</p>');
  assert.equal(renderMarkdown(''), '');
});

test('single newlines become line breaks', () => {
  assert.equal(renderMarkdown('one\ntwo'), '<p>one<br />two</p>');
  assert.equal(renderMarkdown('one\n\ntwo'), '<p>one</p>\n<p>two</p>');
});

test('fenced code block keeps a safe language class and escapes content', () => {
  assert.equal(
    renderMarkdown('```TS\nif (a < b) { x = "<b>"; }\n```'),
    '<pre><code class="language-ts">if (a &lt; b) { x = "&lt;b&gt;"; }\n</code></pre>',
  );
  assert.equal(renderMarkdown('```\nplain\n```'), '<pre><code>plain\n</code></pre>');
  assert.equal(renderMarkdown('    indented'), '<pre><code>indented\n</code></pre>');
});

test('code block language with unsafe characters loses its class', () => {
  for (const lang of ['js"onmouseover="alert(1)', 'a<b>', 'x;y', 'x'.repeat(40)]) {
    const out = renderMarkdown('```' + lang + '\ncode\n```');
    assert.doesNotMatch(out, /class=/, out);
    assert.match(out, /<pre><code>code\n<\/code><\/pre>/, out);
  }
});

test('links get rel and target; titles are dropped', () => {
  assert.equal(
    renderMarkdown('[site](https://example.com/a?b=1&c=2 "Title")'),
    '<p><a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">site</a></p>',
  );
  assert.equal(
    renderMarkdown('[mail](mailto:me@example.com)'),
    '<p><a href="mailto:me@example.com" rel="noopener noreferrer nofollow" target="_blank">mail</a></p>',
  );
  assert.equal(
    renderMarkdown('[**bold** link](http://example.com)'),
    '<p><a href="http://example.com" rel="noopener noreferrer nofollow" target="_blank"><strong>bold</strong> link</a></p>',
  );
});

test('bare URLs, www and emails are autolinked', () => {
  assert.equal(
    renderMarkdown('see https://example.com/x.'),
    '<p>see <a href="https://example.com/x" rel="noopener noreferrer nofollow" target="_blank">https://example.com/x</a>.</p>',
  );
  assert.match(renderMarkdown('www.example.com'), /<a href="http:\/\/www\.example\.com" rel=/);
  assert.match(renderMarkdown('mail me@example.com'), /<a href="mailto:me@example\.com" rel=/);
  assert.match(renderMarkdown('<https://example.com>'), /<a href="https:\/\/example\.com" rel=/);
});

test('relative and unknown-scheme links render as plain text', () => {
  assert.equal(renderMarkdown('[x](/admin)'), '<p>x</p>');
  assert.equal(renderMarkdown('[x](ftp://example.com)'), '<p>x</p>');
  assert.equal(renderMarkdown('[x](//evil.example)'), '<p>x</p>');
});

test('lists', () => {
  assert.equal(renderMarkdown('- a\n- b'), '<ul>\n<li>a</li>\n<li>b</li>\n</ul>');
  assert.equal(renderMarkdown('* a\n* b'), '<ul>\n<li>a</li>\n<li>b</li>\n</ul>');
  assert.equal(renderMarkdown('1. a\n2. b'), '<ol>\n<li>a</li>\n<li>b</li>\n</ol>');
  assert.equal(renderMarkdown('3. a\n4. b'), '<ol start="3">\n<li>a</li>\n<li>b</li>\n</ol>');
  assert.equal(renderMarkdown('- [x] done\n- [ ] todo'), '<ul>\n<li>[x] done</li>\n<li>[ ] todo</li>\n</ul>');
});

test('blockquote', () => {
  assert.equal(
    renderMarkdown('> quoted *text*\n> more'),
    '<blockquote>\n<p>quoted <em>text</em><br />more</p>\n</blockquote>',
  );
});

test('headings render as bold paragraphs', () => {
  for (let depth = 1; depth <= 6; depth++) {
    assert.equal(
      renderMarkdown('#'.repeat(depth) + ' Title *x*'),
      '<p><strong>Title <em>x</em></strong></p>',
    );
  }
  assert.equal(renderMarkdown('Setext\n==='), '<p><strong>Setext</strong></p>');
});

test('images become links, never <img>', () => {
  assert.equal(
    renderMarkdown('![a cat](https://example.com/cat.png)'),
    '<p><a href="https://example.com/cat.png" rel="noopener noreferrer nofollow" target="_blank">a cat</a></p>',
  );
});

test('raw HTML is shown escaped', () => {
  assert.equal(renderMarkdown('hi <b>there</b>'), '<p>hi &lt;b&gt;there&lt;/b&gt;</p>');
  assert.equal(renderMarkdown('<div>\nblock\n</div>'), '<p>&lt;div&gt;<br />block<br />&lt;/div&gt;</p>');
});

test('tables and rules fall back to their source text', () => {
  assert.equal(renderMarkdown('| a |\n|---|\n| 1 |'), '<p>| a |<br />|---|<br />| 1 |</p>');
  assert.equal(renderMarkdown('a\n\n***\n\nb'), '<p>a</p>\n<p>***</p>\n<p>b</p>');
});

test('MARKDOWN_FEATURES lists the supported syntax', () => {
  const names: string[] = MARKDOWN_FEATURES.map((f) => f.name);
  for (const n of ['bold', 'italic', 'strikethrough', 'inline code', 'code block', 'link', 'autolink']) {
    assert.ok(names.includes(n), n);
  }
});

const XSS_CORPUS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  'text <script>alert(1)</script> text',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<<script>script>alert(1)//<</script>/script>',
  '<img src=x onerror=alert(1)>',
  '<IMG SRC="javascript:alert(1)">',
  '<img src=x onerror=alert(1)',
  'inline <img src=x onerror=alert(1)> image',
  '[x](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x](&#x6A;avascript&#x3A;alert(1))',
  '[x](javascript&colon;alert(1))',
  '[x](java&#x09;script:alert(1))',
  '[x](\tjavascript:alert(1))',
  '[x](<javascript:alert(1)>)',
  '[x]( javascript:alert(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[x](DATA:text/html,<script>alert(1)</script>)',
  '[x](vbscript:msgbox(1))',
  '[x](%6Aavascript:alert(1))',
  '[x][ref]\n\n[ref]: javascript:alert(1)',
  '[x][ref]\n\n[ref]: https://ok.example "a\\" onmouseover=\\"alert(1)"',
  '[x](https://ok.example "\\" onmouseover=\\"alert(1)")',
  "[x](https://ok.example 'a' onclick='alert(1)')",
  '[x](https://ok.example" onclick="alert(1))',
  '[x](https://ok.example/"><script>alert(1)</script>)',
  '![x](javascript:alert(1))',
  '![x](https://ok.example/"onerror="alert(1))',
  '[![x](https://ok.example/i.png)](javascript:alert(1))',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="JaVaScRiPt:alert(1)">x</a>',
  '<a href="&#106;avascript:alert(1)">x</a>',
  '<a href="data:text/html,<script>alert(1)</script>">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<a href="https://ok.example" onclick="alert(1)">x</a>',
  '<a href=https://ok.example onmouseover=alert(1)>x',
  '<p onclick="alert(1)">x</p>',
  '<strong onmouseover=alert(1)>x</strong>',
  '<code class="x" onclick="alert(1)">x</code>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<details open ontoggle=alert(1)>',
  '<body onload=alert(1)>',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
  '<svg><animate onbegin=alert(1) attributeName=x dur=1s>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<style>@import "https://evil.example/x.css";</style>',
  '<style>body{background:url("javascript:alert(1)")}</style>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<math href="javascript:alert(1)">CLICK</math>',
  '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<form action="javascript:alert(1)"><button>go</button></form>',
  '<form><input formaction=javascript:alert(1) type=submit>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<base href="javascript:alert(1)//">',
  '<!-- <img src=x onerror=alert(1)> -->',
  '<![CDATA[<img src=x onerror=alert(1)>]]>',
  '<unclosed',
  '<b',
  '<a href="https://ok.example"',
  '<javascript:alert(1)>',
  '<JAVASCRIPT:alert(1)>',
  '<vbscript:msgbox(1)>',
  '<data:text/html,<script>alert(1)</script>>',
  '```"><script>alert(1)</script>\ncode\n```',
  '```js onload=alert(1)\ncode\n```',
  '`<script>alert(1)</script>`',
  '> <script>alert(1)</script>',
  '- <img src=x onerror=alert(1)>\n- [x](javascript:alert(1))',
  '**<img src=x onerror=alert(1)>**',
  '[<img src=x onerror=alert(1)>](https://ok.example)',
  'https://ok.example/<script>alert(1)</script>',
  'https://ok.example/"onmouseover="alert(1)',
  'www.ok.example/"><svg onload=alert(1)>',
  'javascript:alert(1)',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '&#60;script&#62;alert(1)&#60;/script&#62;',
];

test('XSS corpus renders inert', () => {
  for (const payload of XSS_CORPUS) assertInert(payload);
});

test('XSS corpus stays inert inside other constructs', () => {
  for (const payload of XSS_CORPUS) {
    assertInert(`> ${payload}`);
    assertInert(`- ${payload}`);
    assertInert(`**${payload}**`);
    assertInert(`# ${payload}`);
  }
});

test('dangerous links keep their text but lose the anchor', () => {
  assert.equal(renderMarkdown('[click](javascript:alert(1))'), '<p>click</p>');
  assert.equal(renderMarkdown('[click](&#106;avascript:alert(1))'), '<p>click</p>');
  assert.equal(renderMarkdown('<javascript:alert(1)>'), '<p>javascript:alert(1)</p>');
});

test('rendering is deterministic and needs no per-call setup', () => {
  const input = '**a** [b](https://c.example) `d`';
  const first = renderMarkdown(input);
  for (let i = 0; i < 100; i++) assert.equal(renderMarkdown(input), first);
});

test('the plain-text shortcut renders exactly what the full pipeline renders', () => {
  // Pieces chosen to sit on the shortcut's edges: list and heading starts, autolink prefixes,
  // combining marks, non-Latin letters and digits, doubled spaces, quotes.
  const pieces = ['a', 'W', 'x', '1', ' ', '  ', ',', '.', ';', ':', '?', '!', "'", '"', '(', ')', '-'];
  // Pipes: a table needs a delimiter row on a next line, so one line with pipes is text.
  pieces.push('|', '||', '| ', ' |', '|t1.5|', '|-|', '|:-', '-|');
  pieces.push('é', 'ß', '日', '\u0301', 'Ω', 'ǅ', '𝐀', 'ａ', '١', 'www.', 'WWW.', '1.', '1)', '---', 'e.g.');
  let seed = 42;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let shortcut = 0;
  for (let i = 0; i < 20_000; i++) {
    let text = '';
    for (let j = next(12); j >= 0; j--) text += pieces[next(pieces.length)];
    const fast = renderMarkdown(text);
    assert.equal(fast, renderMarkdownFull(text), JSON.stringify(text));
    if (fast === `<p>${text}</p>`) shortcut++;
  }
  // The shortcut must actually be taken for ordinary text.
  assert.ok(shortcut > 1_000);
  assert.equal(renderMarkdown('x'.repeat(150)), `<p>${'x'.repeat(150)}</p>`);
});
