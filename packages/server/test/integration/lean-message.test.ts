import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.close();
});

/** RFC 6455 §5.2: an unmasked server frame's header for a payload of n bytes. */
const wsHeader = (n: number): number => (n < 126 ? 2 : n < 65_536 ? 4 : 10);

/** 150 characters of plain chat text (letters, spaces, punctuation: the markdown fast path). */
const PLAIN_150 =
  'The quick brown fox jumps over the lazy dog, then naps in the warm sun by the old barn, while the farmer, amused, counts sheep and drinks tea today o.';

async function room(): Promise<{
  v2: RawClient;
  v1: RawClient;
  sender: RawClient;
  id: string;
  epoch: string;
  senderId: string;
}> {
  const sender = await RawClient.ws(srv.wsUrl);
  const v2 = await RawClient.ws(srv.wsUrl);
  const v1 = await RawClient.ws(srv.wsUrl);
  const welcome = await sender.hello('Ann', { v: 2 });
  assert.equal(welcome['v'], 2);
  assert.equal((await v2.hello('Bob', { v: 2 }))['v'], 2);
  assert.equal((await v1.hello('Cy'))['v'], 1);
  const created = await sender.ok('room.create');
  const info = created['room'] as Json;
  const id = info['id'] as string;
  await v2.ok('room.join', { room: id });
  await v1.ok('room.join', { room: id });
  return { v2, v1, sender, id, epoch: info['epoch'] as string, senderId: welcome['userId'] as string };
}

test('a 150-character plain message is at most 260 bytes on the wire for v2; v1 keeps the full shape', async () => {
  assert.equal(PLAIN_150.length, 150);
  const { v2, v1, sender, id, epoch, senderId } = await room();
  const ack = await sender.ok('chat.send', { room: id, text: PLAIN_150 });
  const lean = await v2.event('message', (m) => m['seq'] === ack['seq']);
  const payload = v2.bytes.get(lean) as number;
  assert.ok(
    payload + wsHeader(payload) <= 260,
    `lean message: ${payload + wsHeader(payload)} bytes on the wire`,
  );
  assert.equal(lean['text'], PLAIN_150);
  assert.equal(lean['html'], undefined, 'plain text: no html');
  assert.equal(lean['epoch'], undefined, 'no epoch per message');
  assert.equal(lean['room'], id);
  assert.equal(typeof lean['ts'], 'number');
  // The server's own users by the part before @domain.
  assert.equal(lean['from'], senderId.replace(/@localhost$/, ''));
  assert.notEqual(lean['from'], senderId);
  // The sender's own echo is lean too (v2 session).
  const echo = await sender.event('message', (m) => m['seq'] === ack['seq']);
  assert.equal(echo['from'], lean['from']);

  const full = await v1.event('message', (m) => m['seq'] === ack['seq']);
  assert.deepEqual(full['from'], { id: senderId, name: 'Ann', avatar: (full['from'] as Json)['avatar'] });
  assert.equal(full['html'], `<p>${PLAIN_150}</p>`);
  assert.equal(full['epoch'], epoch);
  assert.ok((v1.bytes.get(full) as number) > 2 * PLAIN_150.length, 'v1 carries the text twice');
  for (const c of [v2, v1, sender]) c.close();
});

test('v2 gets html when rendering changes more than escaping, and text needing escapes omits it', async () => {
  const { v2, v1, sender, id } = await room();
  const md = await sender.ok('chat.send', { room: id, text: 'hello **world**' });
  const rich = await v2.event('message', (m) => m['seq'] === md['seq']);
  assert.equal(rich['html'], '<p>hello <strong>world</strong></p>');
  const esc = await sender.ok('chat.send', { room: id, text: 'a < b & c > d' });
  const escaped = await v2.event('message', (m) => m['seq'] === esc['seq']);
  assert.equal(escaped['html'], undefined, 'the escaped text in a paragraph: clients build it');
  const full = await v1.event('message', (m) => m['seq'] === esc['seq']);
  assert.equal(full['html'], '<p>a &lt; b &amp; c &gt; d</p>');
  // Replies, mentions and nonces ride along in the lean shape.
  const reply = await sender.ok('chat.send', { room: id, text: 'yes', replyTo: md['seq'], nonce: 'n-1' });
  const r = await v2.event('message', (m) => m['seq'] === reply['seq']);
  assert.equal((r['reply'] as Json)['seq'], md['seq']);
  assert.equal(r['nonce'], 'n-1');
  for (const c of [v2, v1, sender]) c.close();
});

test('history and join snapshots keep the full shape for v2 too', async () => {
  const { v2, v1, sender, id } = await room();
  await sender.ok('chat.send', { room: id, text: 'kept whole' });
  await v2.event('message');
  const late = await RawClient.ws(srv.wsUrl);
  await late.hello('Dee', { v: 2 });
  const joined = await late.ok('room.join', { room: id });
  const recent = (joined['recent'] as Json[]).find((e) => e['type'] === 'message') as Json;
  assert.equal(typeof recent['from'], 'object');
  assert.equal(typeof recent['epoch'], 'string');
  assert.equal(recent['html'], '<p>kept whole</p>');
  for (const c of [v2, v1, sender, late]) c.close();
});

test('hello with v 3 is refused, naming the versions spoken', async () => {
  const c = await RawClient.ws(srv.wsUrl);
  const reply = await c.request('hello', { v: 3 });
  assert.equal(reply['code'], 'UNSUPPORTED_VERSION');
  assert.match(String(reply['message']), /1 and 2/);
  c.close();
});
