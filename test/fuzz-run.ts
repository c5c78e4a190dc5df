/**
 * Seeded protocol fuzzing, shared by the suite (packages/server/test/integration/fuzz.test.ts,
 * 10,000 frames per transport) and the bench (bench/fuzz.ts, 10^5): frames built from every
 * documented client message (the schemas of @presence/protocol), then mutated — wrong types, deep
 * nesting, huge numbers, unicode junk, binary frames (WebSocket), partial lines (TCP). Every reply
 * must be a documented shape with a catalogued code other than INTERNAL_ERROR, and a healthy
 * client on its own connection must be answered throughout.
 */
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import {
  ERROR_CODES,
  NOTIFICATION_TYPES,
  REQUEST_TYPES,
  requestSchemas,
} from '../packages/protocol/src/index.js';

type Json = Record<string, unknown>;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JUNK_STRINGS = [
  '',
  ' ',
  'x'.repeat(70),
  '\u200b\u200b',
  '\u202eevil',
  '\ud800',
  '\udfff\ud800',
  '😀'.repeat(40),
  'e\u0301'.repeat(20),
  '\u0000\u0001\u001f',
  '<script>alert(1)</script>',
  '>'.repeat(3_000) + ' x',
  '1. '.repeat(1_000),
  '*'.repeat(2_000),
  '%00%2e%2e/',
  'Ａｄｍｉｎ',
  'null',
  '__proto__',
  'constructor',
];
/** Chat texts that are valid requests but hard to render (marked once ran out of stack on these). */
const HOSTILE_TEXT = [
  '>'.repeat(3_000) + ' x',
  '1. '.repeat(1_250),
  '- '.repeat(1_900),
  '*'.repeat(1_999) + 'x',
  '[a '.repeat(1_000),
];
const JUNK_NUMBERS = [
  0,
  -1,
  1,
  1.5,
  -0,
  1e308,
  -1e308,
  2 ** 53,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  4_294_967_296,
];

export interface FuzzResult {
  frames: number;
  replies: number;
  /** Reply counts by error code. */
  codes: Record<string, number>;
  /** Connections the server closed (a documented closing code or a flood cut-off) and reopened. */
  reconnects: number;
  healthChecks: number;
  /** Frames that broke a rule: undocumented shape, unknown code, INTERNAL_ERROR. */
  violations: string[];
  ms: number;
}

/** A frame generator: a documented message of a random type, then zero or more mutations. */
function generator(
  seed: number,
  room: () => string,
): () => { text: string; binary?: Buffer; partial?: boolean } {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const types = [...REQUEST_TYPES, ...NOTIFICATION_TYPES];
  const deep = (n: number, leaf: unknown): unknown => {
    let v = leaf;
    for (let i = 0; i < n; i++) v = rnd() < 0.5 ? [v] : { a: v };
    return v;
  };
  const junk = (): unknown => {
    switch (Math.floor(rnd() * 9)) {
      case 0:
        return pick(JUNK_STRINGS);
      case 1:
        return pick(JUNK_NUMBERS);
      case 2:
        return rnd() < 0.5;
      case 3:
        return null;
      case 4:
        return deep(1 + Math.floor(rnd() * 3_000), pick(JUNK_STRINGS));
      case 5:
        return [pick(JUNK_NUMBERS), pick(JUNK_STRINGS)];
      case 6:
        return { room: room(), epoch: pick(JUNK_STRINGS), seq: pick(JUNK_NUMBERS) };
      case 7:
        return room();
      default:
        return Array.from({ length: Math.floor(rnd() * 300) }, () => pick(JUNK_NUMBERS));
    }
  };
  /** A plausible value for a field, by its name: often right, so handlers beyond the schema run. */
  const plausible = (key: string): unknown => {
    if (rnd() < 0.35) return junk();
    switch (key) {
      case 'text':
        return rnd() < 0.3 ? pick(HOSTILE_TEXT) : pick(['hello', '**b**', '_i_ `c`', '> q\n- l']);
      case 'room':
        return room();
      case 'seq':
      case 'before':
      case 'after':
      case 'limit':
        return Math.floor(rnd() * 10);
      case 'v':
        return rnd() < 0.9 ? 1 : 2;
      case 'typing':
      case 'audio':
      case 'video':
      case 'hidden':
        return rnd() < 0.5;
      case 'rooms':
        return [{ room: room(), epoch: 'x', seq: 0 }];
      default:
        return pick([
          'hello',
          'Fuzz',
          'a'.repeat(10),
          '**b**',
          'single',
          'public',
          'admin',
          'online',
          'busy',
        ]);
    }
  };
  return () => {
    const type = pick(types);
    const schema = (requestSchemas as Record<string, unknown>)[type] as
      { shape?: Record<string, unknown> } | undefined;
    const message: Json = { type };
    if (REQUEST_TYPES.includes(type as never) && rnd() < 0.95)
      message['id'] = rnd() < 0.9 ? Math.floor(rnd() * 1e6) : junk();
    for (const key of Object.keys(schema?.shape ?? {})) {
      if (key === 'type' || key === 'id') continue;
      if (rnd() < 0.85) message[key] = plausible(key);
    }
    if (rnd() < 0.1) message[pick(JUNK_STRINGS)] = junk();
    if (rnd() < 0.05) message['type'] = junk();
    let text = JSON.stringify(message);
    const r = rnd();
    if (r < 0.04)
      text = text.slice(0, Math.floor(rnd() * text.length)); // truncated JSON
    else if (r < 0.06)
      text = JSON.stringify(junk()); // not an object
    else if (r < 0.07) text = pick(JUNK_STRINGS);
    if (text === '') text = '{';
    if (rnd() < 0.03) return { text, binary: Buffer.from(text) };
    if (rnd() < 0.05) return { text, partial: true };
    return { text };
  };
}

/** A connection of the fuzzing client: send text (and binary on WebSocket), receive JSON. */
interface Wire {
  send(text: string, opts?: { binary?: Buffer; partial?: boolean }): void;
  close(): void;
  closed: Promise<void>;
}

function open(
  kind: 'ws' | 'tcp',
  target: { wsUrl: string; tcpPort: number },
  onMessage: (m: Json) => void,
): Promise<Wire> {
  if (kind === 'ws') {
    const ws = new WebSocket(target.wsUrl);
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) =>
      onMessage(isBinary ? { type: '!binary' } : (JSON.parse(String(data)) as Json)),
    );
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    return new Promise((resolve, reject) => {
      ws.once('open', () =>
        resolve({
          send: (text, opts) => ws.send(opts?.binary ?? text),
          close: () => ws.terminate(),
          closed,
        }),
      );
      ws.once('error', reject);
    });
  }
  const socket: Socket = connect(target.tcpPort, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  let rest = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf('\n')) !== -1) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line) onMessage(JSON.parse(line) as Json);
    }
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    socket.once('connect', () =>
      resolve({
        send: (text, opts) => {
          if (!opts?.partial) {
            socket.write(text + '\n');
            return;
          }
          // A line in pieces, split inside a multibyte character where there is one.
          const bytes = Buffer.from(text + '\n');
          const cut = Math.max(1, Math.floor(bytes.length / 2));
          // Two writes, two segments (no Nagle): the server sees the line arrive in pieces.
          socket.write(bytes.subarray(0, cut));
          socket.write(bytes.subarray(cut));
        },
        close: () => socket.destroy(),
        closed,
      }),
    );
    socket.once('error', reject);
  });
}

const CODES = new Set<string>(ERROR_CODES);
const SHAPES = new Set(['ok', 'error', 'welcome', 'ping']);

/**
 * Send `frames` fuzzed frames over one transport (reconnecting whenever the server closes the
 * connection), `batch` at a time, each batch followed by a ping that must be answered; a second,
 * healthy client pings after every batch too.
 */
export async function runFuzz(options: {
  kind: 'ws' | 'tcp';
  wsUrl: string;
  tcpPort: number;
  frames: number;
  seed: number;
  batch?: number;
}): Promise<FuzzResult> {
  const started = Date.now();
  const batch = options.batch ?? 100;
  const result: FuzzResult = {
    frames: 0,
    replies: 0,
    codes: {},
    reconnects: 0,
    healthChecks: 0,
    violations: [],
    ms: 0,
  };
  let room = 'nosuchroom';
  const next = generator(options.seed, () => room);
  const waiters = new Map<string, () => void>();

  const check = (m: Json): void => {
    result.replies++;
    const type = m['type'];
    if (typeof type !== 'string') {
      result.violations.push(`no type: ${JSON.stringify(m).slice(0, 200)}`);
      return;
    }
    if (type === 'error') {
      const code = String(m['code']);
      result.codes[code] = (result.codes[code] ?? 0) + 1;
      if (!CODES.has(code) || code === 'INTERNAL_ERROR' || typeof m['message'] !== 'string') {
        result.violations.push(`bad error: ${JSON.stringify(m).slice(0, 300)}`);
      }
    } else if (!SHAPES.has(type) && m['id'] !== undefined) {
      result.violations.push(`reply of unknown type: ${JSON.stringify(m).slice(0, 200)}`);
    }
    const id = m['id'];
    if (typeof id === 'string' && waiters.has(id)) {
      waiters.get(id)?.();
      waiters.delete(id);
    }
  };

  const answered = (wire: Wire, send: (id: string) => void, id: string, ms = 10_000): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiters.delete(id);
        resolve(false);
      }, ms);
      waiters.set(id, () => {
        clearTimeout(timer);
        resolve(true);
      });
      void wire.closed.then(() => {
        clearTimeout(timer);
        resolve(false);
      });
      send(id);
    });

  // The healthy client: hello once, then a ping per batch.
  const healthy = await open(options.kind, options, check);
  await answered(
    healthy,
    (id) => healthy.send(JSON.stringify({ type: 'hello', id, v: 1, name: 'Healthy' })),
    'h-hello',
  );
  const sendOn = (wire: Wire) => (id: string) => wire.send(JSON.stringify({ type: 'ping', id }));

  let wire: Wire | null = null;
  let seq = 0;
  while (result.frames < options.frames) {
    if (wire === null) {
      wire = await open(options.kind, options, (m) => {
        check(m);
        const created = ((m['result'] as Json | undefined)?.['room'] as Json | undefined)?.['id'];
        if (typeof created === 'string') room = created;
      });
      const w: Wire = wire;
      void w.closed.then(() => {
        if (wire === w) wire = null;
      });
      // Mostly after hello, so that handlers beyond the schema run too.
      if (seq++ % 4 !== 0) {
        await answered(
          w,
          (id) => w.send(JSON.stringify({ type: 'hello', id, v: 1, name: 'Fuzz' })),
          `f-hello-${seq}`,
        );
        await answered(w, (id) => w.send(JSON.stringify({ type: 'room.create', id })), `f-room-${seq}`);
      }
    }
    const w: Wire = wire;
    for (let i = 0; i < batch && result.frames < options.frames; i++) {
      const frame = next();
      w.send(frame.text, {
        ...(frame.binary ? { binary: frame.binary } : {}),
        ...(frame.partial ? { partial: true } : {}),
      });
      result.frames++;
    }
    const through = await answered(w, sendOn(w), `f-ping-${result.frames}`);
    if (!through) {
      result.reconnects++;
      w.close();
      wire = null;
    }
    result.healthChecks++;
    if (!(await answered(healthy, sendOn(healthy), `h-ping-${result.frames}`, 5_000))) {
      result.violations.push(`the healthy client was not answered after ${result.frames} frames`);
      break;
    }
  }
  (wire as Wire | null)?.close();
  healthy.close();
  result.ms = Date.now() - started;
  return result;
}
