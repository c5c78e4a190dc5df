import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainHtml, shortSender, type RoomEvent, type UserRef } from '@presence/protocol';
import type { BrokerMessage } from '../../src/broker/broker.js';
import { InProcessBroker } from '../../src/broker/in-process-broker.js';
import { renderMessageText } from '../../src/chat/markdown.js';
import { RoomLog, type RoomEventBody } from '../../src/rooms/room-log.js';
import { Room } from '../../src/rooms/room.js';
import type { Store } from '../../src/store/store.js';

/**
 * RoomLog builds a message's JSON from parts stringified once. What it publishes must be what the
 * plain way gives: `JSON.stringify` of the whole event for the full shape, and for the lean shape
 * the event without `from`, `epoch` and (when it is `<p>` + the escaped text) `html`, the sender
 * shortened. The reference below is that plain way, written out.
 */
function reference(event: Extract<RoomEvent, { type: 'message' }>, room: Room, domain: string) {
  const json = JSON.stringify(event);
  const member = room.members.get(event.from.id);
  if (
    member === undefined ||
    member.ref.name !== event.from.name ||
    member.ref.avatar !== event.from.avatar
  ) {
    return { json, lean: undefined };
  }
  const { from, epoch: _epoch, html, ...rest } = event;
  const plain =
    (html === `<p>${event.text}</p>` && !/[<>&]/.test(event.text)) || html === plainHtml(event.text);
  return {
    json,
    lean: JSON.stringify({ ...rest, from: shortSender(from.id, domain), ...(plain ? {} : { html }) }),
  };
}

const alice: UserRef = { id: 'alice@example.org', name: 'Alice', avatar: '/avatars/a.png' };
const bob: UserRef = { id: 'bob@elsewhere.net', name: 'Bob "B" \u2028', avatar: '/avatars/"b".png' };

function setup(): { log: RoomLog; room: Room; published: BrokerMessage[] } {
  const broker = new InProcessBroker({ windowSize: 16 });
  const published: BrokerMessage[] = [];
  const room = new Room({
    id: 'r_1-x',
    name: null,
    topic: '',
    visibility: 'private',
    persistent: false,
    epoch: 'ep"1',
    seq: 41,
    createdAt: 0,
    createdBy: alice.id,
  });
  broker.subscribe(room.id, (m) => published.push(m));
  for (const ref of [alice, bob]) {
    room.members.set(ref.id, { ref, role: 'member', joinedAt: 0, sessions: new Set(), lastRead: 0 });
  }
  // The store is never reached: the room is not persistent.
  return { log: new RoomLog({} as Store, broker, 'example.org'), room, published };
}

const texts = [
  'hello',
  'a plain message of a hundred and fifty characters '.repeat(3),
  'quotes " and \\ backslashes',
  'less < than & greater >',
  '**bold** and _em_ and `code`',
  '# heading\n\n- list\n- items',
  'line\nbreak',
  'emoji 😀👍🏽 and lone \ud800 surrogate',
  'U+2028 \u2028 and U+2029 \u2029 and tab \t',
  'control \u0001 chars',
  '<p>looks like html</p>',
  '|t123|xxxx',
  'plain "quoted" words, and more: (really)!',
  "plain 'single' quotes",
  'Ünïcödé plain text with marks a\u0301',
  'é'.repeat(40),
];

test('a message publishes the full shape as JSON.stringify would, and the lean one as the plain way does', async () => {
  for (const text of texts) {
    for (const extras of [
      {},
      { nonce: 'n-1"' },
      { nonce: 'n2', reply: { seq: 3, from: bob.id, name: bob.name, text: 'q"uote' }, mentions: [bob.id] },
      { file: { id: 'f1', name: 'a "b".png', type: 'image/png', size: 10, w: 2, h: 3 } },
    ]) {
      for (const [from, hinted] of [
        [alice, true],
        [alice, false],
        [bob, true],
        [{ ...alice, name: 'Renamed' }, true],
      ] as const) {
        const { log, room, published } = setup();
        // As chat.send appends (with the renderer's word on plain text), and as others do (without).
        const { html, plain } = renderMessageText(text);
        const body = { type: 'message', from, text, html, ...extras } as RoomEventBody;
        const appended = await log.append(room, body, hinted ? { plainText: plain } : undefined);
        const event = appended as Extract<RoomEvent, { type: 'message' }>;
        assert.equal(event.seq, 42);
        assert.equal(room.seq, 42);
        const want = reference(event, room, 'example.org');
        const got = published[0];
        assert.ok(got);
        assert.equal(got.json, want.json, `full shape of ${JSON.stringify(text)}`);
        assert.equal(got.lean, want.lean, `lean shape of ${JSON.stringify(text)}`);
        assert.deepEqual(Object.keys(event).slice(-4), ['room', 'epoch', 'seq', 'ts']);
      }
    }
  }
});

test('other events are published as JSON.stringify of the event, with no lean shape', async () => {
  const { log, room, published } = setup();
  const event = await log.append(room, { type: 'member.left', user: bob, reason: 'removed' });
  assert.equal(published[0]?.json, JSON.stringify(event));
  assert.ok(published[0]?.json.startsWith('{"type":"member.left"'));
  assert.equal(published[0]?.lean, undefined);
  assert.equal(event.seq, 42);
});
