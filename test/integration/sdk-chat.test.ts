import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  PresenceClient,
  applyReactionEvent,
  downloadFile,
  tcpTransport,
  uploadFile,
  wsTransport,
  type ClientTransport,
  type TransportFactory,
} from '../../packages/client/src/node.js';
import { startTestServer, type TestServer } from '../harness.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ rateLimitPerSecond: 5_000, rateLimitBurst: 5_000 });
});
after(async () => {
  await srv.close();
});

function cuttable(make: TransportFactory): { factory: TransportFactory; cut(): void } {
  let current: ClientTransport | undefined;
  return { factory: () => (current = make()), cut: () => current?.close() };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('the SDK replies, reacts (recovered after a drop), mentions, uploads, downloads and searches', async () => {
  const link = cuttable(wsTransport(srv.wsUrl));
  const ann = new PresenceClient({ transport: link.factory, name: 'Ann', heartbeat: false });
  const bob = new PresenceClient({ transport: tcpTransport(srv.tcp), name: 'Bob' });
  await ann.connect();
  const bobWelcome = await bob.connect();
  const { room } = await ann.request('room.create', { name: 'SDK room' });
  await bob.request('room.join', { room: room.id });

  const reactions: { emoji: string; on: boolean }[] = [];
  ann.on('reaction', (r) => reactions.push({ emoji: r.emoji, on: r.on }));
  const first = await ann.sendChat(room.id, 'first words about kiwis');
  const reply = await bob.sendChat(room.id, '@Ann agreed', {
    replyTo: first.seq,
    mentions: [String(ann.userId)],
  });
  assert.equal(reply.duplicate, false);

  // Bob reacts while Ann's link is down: the reaction reaches her on reconnection, once.
  link.cut();
  await bob.react(room.id, first.seq, '🥝');
  await until(() => reactions.length === 1, 'the replayed reaction');
  assert.deepEqual(reactions, [{ emoji: '🥝', on: true }]);
  assert.deepEqual(applyReactionEvent(undefined, { by: { id: bobWelcome.userId }, emoji: '🥝', on: true }), {
    '🥝': [bobWelcome.userId],
  });

  const ref = await uploadFile(
    room.id,
    new Blob([new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 4, 0, 2, 0])]),
    {
      baseUrl: srv.httpUrl,
      token: String(ann.token),
    },
  );
  assert.equal(ref.type, 'image/gif');
  await ann.sendChat(room.id, 'a kiwi picture', { file: ref.id });
  const blob = await downloadFile(ref.id, { baseUrl: srv.httpUrl, token: String(bob.token) });
  assert.equal(blob.size, 10);

  const found = await bob.search('kiwi', { room: room.id });
  assert.deepEqual(
    found.messages.map((m) => m.text),
    ['a kiwi picture', 'first words about kiwis'],
  );
  const history = await bob.request('room.history', { room: room.id });
  const quoted = history.events.find((e) => e.type === 'message' && e.seq === reply.seq);
  assert.equal(quoted?.type === 'message' ? quoted.reply?.text : undefined, 'first words about kiwis');
  ann.close();
  bob.close();
});
