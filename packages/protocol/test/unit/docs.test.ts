import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  ERRORS,
  ERROR_CODES,
  NOTIFICATION_TYPES,
  REQUEST_TYPES,
  ROOM_EVENT_TYPES,
  errorMessage,
  notificationSchemas,
  okReply,
  requestSchemas,
  resultSchemas,
  leanMessageEvent,
  roomEvent,
  transientEventSchemas,
  welcome,
  type RequestType,
} from '../../src/index.js';

/**
 * Keeps docs/protocol.md honest: its error table, its per-type sections and every JSON example
 * are checked against the schemas this package exports.
 *
 * Conventions of the page: a ```json block holds exactly one protocol message; blocks with any
 * other info string (```text, ```json5, …) are transcripts or sketches and are not checked.
 */

const DOC_PATH = new URL('../../../../docs/protocol.md', import.meta.url);
const doc = readFileSync(DOC_PATH, 'utf8');

interface Heading {
  level: number;
  text: string;
  line: number;
}
interface Block {
  lang: string;
  body: string;
  line: number;
  /** The enclosing level-2 and level-3 headings. */
  h2: string;
  h3: string;
}

function parse(markdown: string): { headings: Heading[]; blocks: Block[]; lines: string[] } {
  const lines = markdown.split('\n');
  const headings: Heading[] = [];
  const blocks: Block[] = [];
  let h2 = '';
  let h3 = '';
  let open: { lang: string; line: number; body: string[] } | null = null;
  lines.forEach((line, i) => {
    if (open) {
      if (/^```\s*$/.test(line)) {
        blocks.push({ lang: open.lang, body: open.body.join('\n'), line: open.line, h2, h3 });
        open = null;
      } else {
        open.body.push(line);
      }
      return;
    }
    const fence = /^```(\S*)\s*$/.exec(line);
    if (fence) {
      open = { lang: fence[1] ?? '', line: i + 1, body: [] };
      return;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*$/.exec(line);
    if (heading) {
      const level = heading[1]?.length ?? 0;
      const text = heading[2] ?? '';
      headings.push({ level, text, line: i + 1 });
      if (level <= 2) h3 = '';
      if (level === 2) h2 = text;
      if (level === 3) h3 = text;
    }
  });
  assert.equal(open, null, 'docs/protocol.md has an unclosed code block');
  return { headings, blocks, lines };
}

const { headings, blocks, lines } = parse(doc);

/** The type a heading names when the heading is exactly one code span: ### `chat.send`. */
function headingType(h: Heading): string | null {
  const m = /^`([^`]+)`$/.exec(h.text);
  return m ? (m[1] ?? null) : null;
}

/** Lines of the level-2 section titled `title` (without its heading). */
function sectionLines(title: string): string[] {
  const start = headings.find((h) => h.level === 2 && h.text === title);
  assert.ok(start, `docs/protocol.md needs a "## ${title}" section`);
  const next = headings.find((h) => h.level <= 2 && h.line > start.line);
  return lines.slice(start.line, next ? next.line - 1 : lines.length);
}

/** Table rows (cells trimmed) whose first cell matches `first`. */
function tableRows(section: string[], first: RegExp): string[][] {
  return section
    .filter((l) => l.startsWith('|'))
    .map((l) =>
      l
        .replace(/^\|/, '')
        .replace(/\|\s*$/, '')
        .split('|')
        .map((c) => c.trim()),
    )
    .filter((cells) => first.test(cells[0] ?? ''));
}

function setDiff(a: Iterable<string>, b: Iterable<string>): string[] {
  const bs = new Set(b);
  return [...new Set(a)].filter((x) => !bs.has(x)).sort();
}

test('the page has its sections in the documented order, the error codes last', () => {
  const expected = [
    /^Overview$/,
    /^Try it$/,
    /^Connection lifecycle$/,
    /^Sessions, tokens and recovery$/,
    /^Requests$/,
    /^Client notifications$/,
    /^Room events$/,
    /^Transient events$/,
    /^Shared objects$/,
    /^Error codes$/,
  ];
  const h2 = headings.filter((h) => h.level === 2).map((h) => h.text);
  let at = -1;
  for (const re of expected) {
    const found = h2.findIndex((t, i) => i > at && re.test(t));
    assert.ok(found > at, `section matching ${re} is missing or out of order; sections: ${h2.join(' | ')}`);
    at = found;
  }
  assert.equal(at, h2.length - 1, '"Error codes" must be the last section');
});

test('the error table lists exactly ERROR_CODES, with the right close behaviour and WS close code', () => {
  const rows = tableRows(sectionLines('Error codes'), /^`[A-Z_]+`$/);
  assert.ok(rows.length > 0, 'no error table rows found under "## Error codes"');
  const documented = rows.map((r) => (r[0] ?? '').replaceAll('`', ''));
  const duplicates = documented.filter((c, i) => documented.indexOf(c) !== i);
  assert.deepEqual(duplicates, [], 'codes documented twice');
  assert.deepEqual(setDiff(ERROR_CODES, documented), [], 'codes in ERRORS missing from the table');
  assert.deepEqual(setDiff(documented, ERROR_CODES), [], 'codes in the table that ERRORS does not have');
  for (const row of rows) {
    const code = (row[0] ?? '').replaceAll('`', '') as keyof typeof ERRORS;
    assert.equal(row.length, 4, `${code}: the row needs 4 cells (code, closes, WS close code, meaning)`);
    const closes = /^(yes|no)\b/i.exec(row[1] ?? '')?.[1]?.toLowerCase();
    assert.ok(closes, `${code}: "closes connection?" must start with yes or no`);
    assert.equal(closes === 'yes', ERRORS[code].closes, `${code}: closes connection?`);
    const ws = /\d+/.exec(row[2] ?? '')?.[0];
    assert.equal(Number(ws), ERRORS[code].wsClose, `${code}: WS close code`);
    assert.ok((row[3] ?? '').length > 20, `${code}: the meaning is missing`);
  }
});

test('every backticked error-like code on the page is a real error code', () => {
  const known = new Set<string>(ERROR_CODES);
  const unknown = [...doc.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,})`/g)]
    .map((m) => m[1] ?? '')
    .filter((c) => !known.has(c));
  assert.deepEqual([...new Set(unknown)], [], 'unknown codes mentioned in docs/protocol.md');
});

const SECTIONS: { title: string; types: readonly string[] }[] = [
  { title: 'Requests', types: REQUEST_TYPES },
  { title: 'Client notifications', types: NOTIFICATION_TYPES },
  { title: 'Room events', types: ROOM_EVENT_TYPES },
  { title: 'Transient events', types: Object.keys(transientEventSchemas) },
];

test('every message type has its own ### `type` section, and no section names an unknown type', () => {
  const sectionOf = (h: Heading): string =>
    [...headings].reverse().find((x) => x.level === 2 && x.line < h.line)?.text ?? '';
  const typed = headings.filter((h) => headingType(h) !== null);
  for (const h of typed) {
    assert.equal(h.level, 3, `line ${h.line}: type headings are level 3 (### \`${headingType(h)}\`)`);
  }
  for (const { title, types } of SECTIONS) {
    const here = typed.filter((h) => sectionOf(h) === title).map((h) => headingType(h) ?? '');
    const duplicates = here.filter((t, i) => here.indexOf(t) !== i);
    assert.deepEqual(duplicates, [], `types with two sections under "## ${title}"`);
    assert.deepEqual(setDiff(types, here), [], `types without a section under "## ${title}"`);
    assert.deepEqual(setDiff(here, types), [], `sections under "## ${title}" for types that do not exist`);
  }
  const elsewhere = typed.filter((h) => !SECTIONS.some((s) => s.title === sectionOf(h)));
  assert.deepEqual(
    elsewhere.map((h) => `line ${h.line}: ${h.text}`),
    [],
    'type headings outside the Requests / Client notifications / Room events / Transient events sections',
  );
});

test('every request section has a parameter table, its errors and request/reply examples', () => {
  for (const type of REQUEST_TYPES) {
    const heading = headings.find((h) => h.level === 3 && headingType(h) === type);
    assert.ok(heading, `no section for ${type}`);
    const next = headings.find((h) => h.level <= 3 && h.line > heading.line);
    const body = lines.slice(heading.line, next ? next.line - 1 : lines.length);
    assert.ok(
      body.some((l) => /^\|\s*Field\s*\|/.test(l)),
      `${type}: needs a parameter table (| Field | …)`,
    );
    assert.ok(
      body.some((l) => l.startsWith('**Errors:**')),
      `${type}: needs an **Errors:** paragraph`,
    );
  }
});

/** Schemas strip unknown keys; a key that disappeared in parsing was not in the schema. */
function unknownKeys(input: unknown, output: unknown, path = ''): string[] {
  if (Array.isArray(input) && Array.isArray(output)) {
    return input.flatMap((v, i) => unknownKeys(v, output[i], `${path}[${i}]`));
  }
  if (input && output && typeof input === 'object' && typeof output === 'object') {
    const out = output as Record<string, unknown>;
    return Object.entries(input).flatMap(([k, v]) =>
      Object.hasOwn(out, k) ? unknownKeys(v, out[k], path ? `${path}.${k}` : k) : [path ? `${path}.${k}` : k],
    );
  }
  return [];
}

interface Schema {
  safeParse(
    value: unknown,
  ): { success: true; data: unknown } | { success: false; error: { message: string } };
}

function check(schema: Schema, value: unknown, where: string): void {
  const parsed = schema.safeParse(value);
  if (!parsed.success) assert.fail(`${where}: does not match its schema: ${parsed.error.message}`);
  assert.deepEqual(unknownKeys(value, parsed.data), [], `${where}: fields the schema does not have`);
}

const requestTypes = new Set<string>(REQUEST_TYPES);
const roomEventTypes = new Set<string>(ROOM_EVENT_TYPES);

interface Checked {
  block: Block;
  type: string;
  /** For requests: the request type; for ok replies: the request type answered. */
  answers?: RequestType;
}

/** Validate every ```json block; returns what each one was recognised as. */
function checkExamples(): Checked[] {
  const checked: Checked[] = [];
  /** The last request example seen with a given id, to tell which request an `ok` answers. */
  const requestsById = new Map<string, RequestType>();
  for (const block of blocks.filter((b) => b.lang === 'json')) {
    const where = `docs/protocol.md line ${block.line}`;
    let value: unknown;
    try {
      value = JSON.parse(block.body);
    } catch (err) {
      assert.fail(`${where}: not valid JSON (${(err as Error).message})`);
    }
    assert.ok(
      value !== null && typeof value === 'object' && !Array.isArray(value),
      `${where}: a json block holds one message (an object)`,
    );
    const msg = value as Record<string, unknown>;
    const type = msg['type'];
    if (type === undefined) continue;
    assert.equal(typeof type, 'string', `${where}: "type" must be a string`);
    const key = JSON.stringify(msg['id']);
    if (type === 'welcome') {
      check(welcome, msg, where);
      checked.push({ block, type });
    } else if (type === 'ok') {
      check(okReply, msg, where);
      const section = headingType({ level: 3, text: block.h3, line: 0 });
      const answers =
        block.h2 === 'Requests' && section !== null && requestTypes.has(section)
          ? (section as RequestType)
          : requestsById.get(key);
      assert.ok(
        answers,
        `${where}: cannot tell which request this ok answers (no request with id ${key} above)`,
      );
      assert.notEqual(answers, 'hello', `${where}: hello is answered with welcome, not ok`);
      if (answers === 'hello') continue;
      check(resultSchemas[answers], msg['result'], `${where} (result of ${answers})`);
      checked.push({ block, type, answers });
    } else if (type === 'error') {
      check(errorMessage, msg, where);
      checked.push({ block, type });
    } else if (requestTypes.has(type as string) && Object.hasOwn(msg, 'id')) {
      const requestType = type as RequestType;
      check(requestSchemas[requestType], msg, where);
      requestsById.set(key, requestType);
      checked.push({ block, type: requestType, answers: requestType });
    } else if (Object.hasOwn(notificationSchemas, type as string)) {
      check(notificationSchemas[type as keyof typeof notificationSchemas], msg, where);
      checked.push({ block, type: type as string });
    } else if (type === 'message' && typeof msg['from'] === 'string') {
      // Protocol v2's lean shape (lean-message.ts).
      check(leanMessageEvent, msg, where);
      checked.push({ block, type: type as string });
    } else if (roomEventTypes.has(type as string)) {
      check(roomEvent, msg, where);
      checked.push({ block, type: type as string });
    } else if (Object.hasOwn(transientEventSchemas, type as string)) {
      check(transientEventSchemas[type as keyof typeof transientEventSchemas], msg, where);
      checked.push({ block, type: type as string });
    } else {
      assert.fail(`${where}: "${String(type)}" is not a message type of this protocol`);
    }
  }
  return checked;
}

test('every json example parses and matches the schema of its message type', () => {
  const checked = checkExamples();
  assert.ok(checked.length > 50, `only ${checked.length} examples were recognised`);
});

test('every request section shows a request and its reply; every event section an example', () => {
  const checked = checkExamples();
  const inSection = (h2: string, type: string) =>
    checked.filter((c) => c.block.h2 === h2 && c.block.h3 === `\`${type}\``);
  for (const type of REQUEST_TYPES) {
    const here = inSection('Requests', type);
    assert.ok(
      here.some((c) => c.type === type),
      `### \`${type}\`: needs a json example of the request`,
    );
    const reply = type === 'hello' ? 'welcome' : 'ok';
    assert.ok(
      here.some((c) => c.type === reply),
      `### \`${type}\`: needs a json example of the ${reply} reply`,
    );
  }
  for (const { title, types } of SECTIONS.slice(1)) {
    for (const type of types) {
      assert.ok(
        inSection(title, type).some((c) => c.type === type),
        `### \`${type}\` under "## ${title}": needs a json example`,
      );
    }
  }
});

/** GitHub's heading ids: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of headings) {
    const base = h.text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

test('every link to a heading on the page resolves', () => {
  const known = anchors();
  const outside = lines.filter(
    (_, i) => !blocks.some((b) => i + 1 >= b.line && i + 1 <= b.line + b.body.split('\n').length),
  );
  const broken = outside
    .flatMap((l) => [...l.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] ?? ''))
    .filter((a) => !known.has(a));
  assert.deepEqual([...new Set(broken)], [], 'links to headings that do not exist');
});
