import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';
import { createServiceKey } from '../../src/identity/service-keys.js';
import { renderMarkdown, MAX_NESTING } from '../../src/chat/markdown.js';

/**
 * Markdown nested deep enough to exhaust marked's stack (issue 11, item 10): every way of posting
 * text answers with its usual result or a typed refusal, never INTERNAL_ERROR, and the message
 * shows as its literal text.
 */

const QUOTES = '>'.repeat(3_998) + ' x';
const LISTS = '1. '.repeat(1_250) + 'x';
const EMPHASIS = '*'.repeat(1_990) + 'x' + '*'.repeat(1_990);

let srv: TestServer;
let alice: RawClient;
let bob: RawClient;
let room: string;
let bobId: string;
before(async () => {
  srv = await startTestServer({ maxTextLength: 4_000 });
  alice = await RawClient.ws(srv.wsUrl);
  bob = await RawClient.tcp(srv.tcp.port);
  await alice.hello('Alice');
  bobId = (await bob.hello('Bob'))['userId'] as string;
  room = ((await alice.ok('room.create'))['room'] as Json)['id'] as string;
  await bob.ok('room.join', { room });
});
after(async () => {
  alice.close();
  bob.close();
  await srv.close();
});

test('the renderer shows over-deep markdown as escaped literal text', () => {
  assert.equal(renderMarkdown('>'.repeat(40) + ' <b>x'), `<p>${'&gt;'.repeat(40)} &lt;b&gt;x</p>`);
  assert.equal(renderMarkdown(LISTS), `<p>${LISTS}</p>`);
  // Within the bound it is still markdown.
  const quoted = renderMarkdown('> '.repeat(MAX_NESTING) + '**x**');
  assert.equal(quoted.split('<blockquote>').length - 1, MAX_NESTING);
  assert.match(quoted, /<strong>x<\/strong>/);
});

test('chat.send of deeply nested markdown is stored and shown literally', async () => {
  for (const text of [QUOTES, LISTS, EMPHASIS]) {
    const sent = await alice.request('chat.send', { room, text });
    assert.equal(sent['type'], 'ok', JSON.stringify(sent).slice(0, 300));
    const event = await bob.event('message', (m) => m['seq'] === (sent['result'] as Json)['seq']);
    assert.equal(event['text'], text);
    assert.ok(String(event['html']).startsWith('<p>'), String(event['html']).slice(0, 80));
    assert.ok(!String(event['html']).includes('<blockquote>'));
  }
});

test('chat.edit: rights are checked before the text is rendered', async () => {
  const sent = await bob.ok('chat.send', { room, text: 'bob wrote this' });
  const seq = sent['seq'] as number;
  const foreign = await alice.request('chat.edit', { room, seq, text: QUOTES });
  assert.equal(foreign['code'], 'FORBIDDEN', JSON.stringify(foreign).slice(0, 300));
  const own = await bob.request('chat.edit', { room, seq, text: LISTS });
  assert.equal(own['type'], 'ok', JSON.stringify(own).slice(0, 300));
});

test('dm.send of deeply nested markdown gets its usual answer', async () => {
  // Guests are not chatty to strangers: the answer is the presence refusal, not a failure.
  const reply = await alice.request('dm.send', { to: bobId, text: QUOTES });
  assert.equal(reply['code'], 'RECIPIENT_UNAVAILABLE', JSON.stringify(reply).slice(0, 300));
});

test('the service API posts deeply nested markdown (no HTTP 500)', async () => {
  const { key } = await createServiceKey(srv.server.store.serviceKeys, 'nesting test');
  const call = async (path: string, body: Json): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${srv.httpUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const created = await call('/api/service/rooms', { name: 'Deep' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = (created.body['room'] as Json)['id'] as string;
  for (const text of [QUOTES, LISTS]) {
    const posted = await call(`/api/service/rooms/${id}/messages`, { text });
    assert.equal(posted.status, 201, JSON.stringify(posted.body).slice(0, 300));
  }
});
