import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PresenceClient, PresenceRequestError, wsTransport } from '../../packages/client/src/node.js';
import { startTestServer, type TestServer } from '../harness.js';

/**
 * Typing fast against the server's default budget (20 frames/s, burst 60): every message a person
 * types costs a typing start, a typing stop, the send and a read marker. The SDK paces and coalesces;
 * nothing is refused, nothing is lost.
 */

let srv: TestServer;
before(async () => {
  // The defaults, stated so the test keeps meaning the same if they change.
  srv = await startTestServer({ rateLimitPerSecond: 20, rateLimitBurst: 60 });
});
after(async () => {
  await srv.close();
});

const MESSAGES = 120;
const PER_SECOND = 12;

test('120 messages typed at 12/s, each with typing start/stop and a read marker: all arrive, in order, none refused', async (t) => {
  const ann = new PresenceClient({ transport: wsTransport(srv.wsUrl), name: 'Ann' });
  const bob = new PresenceClient({ transport: wsTransport(srv.wsUrl), name: 'Bob' });
  t.after(() => {
    ann.close();
    bob.close();
  });
  const welcome = await ann.connect();
  assert.deepEqual([welcome.limits.ratePerSecond, welcome.limits.burst], [20, 60], 'the budget is announced');
  await bob.connect();
  const { room } = await ann.request('room.create', {});
  await bob.request('room.join', { room: room.id });
  const errors: string[] = [];
  ann.on('error', (e) => errors.push(e.code));
  const seenByBob: string[] = [];
  const allSeen = new Promise<void>((resolve) => {
    bob.on('message', (m) => {
      seenByBob.push(m.text);
      if (seenByBob.length === MESSAGES) resolve();
    });
  });
  let lastSeq = room.seq;
  ann.on('message', (m) => (lastSeq = Math.max(lastSeq, m.seq)));

  const failures: unknown[] = [];
  const note = (p: Promise<unknown>): void => void p.catch((e: unknown) => failures.push(e));
  const started = Date.now();
  for (let i = 0; i < MESSAGES; i++) {
    // What the web app does per message: typing on, typing off, send, mark what it has seen read.
    note(ann.request('chat.typing', { room: room.id, typing: true }));
    note(ann.request('chat.typing', { room: room.id, typing: false }));
    note(ann.sendChat(room.id, `message ${i}`));
    note(ann.request('room.read', { room: room.id, seq: lastSeq }));
    const due = started + ((i + 1) * 1000) / PER_SECOND;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
  }
  // Bounded, so a lost message fails the assertion below instead of hanging the test.
  await Promise.race([allSeen, new Promise((r) => setTimeout(r, 30_000).unref())]);
  const lagMs = Date.now() - started - (MESSAGES * 1000) / PER_SECOND;
  assert.ok(lagMs < 5_000, `the last message arrived ${lagMs} ms after it was typed`);
  assert.deepEqual(
    seenByBob,
    Array.from({ length: MESSAGES }, (_, i) => `message ${i}`),
  );
  // Everything asked for settles: nothing was refused or timed out.
  await ann.request('ping', {});
  assert.deepEqual(
    failures.map((e) => (e instanceof PresenceRequestError ? e.code : String(e))),
    [],
  );
  assert.deepEqual(errors, [], 'no RATE_LIMITED (or anything else) reached the app');
  assert.deepEqual(ann.pendingSends(), []);
});
