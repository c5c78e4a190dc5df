import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActiveSpeaker, promote, type SpeakerTile } from '../../src/call/active-speaker.ts';

const tile = (participant: string, speaking = false, extra: Partial<SpeakerTile> = {}): SpeakerTile => ({
  participant,
  self: false,
  screen: false,
  speaking,
  audioOn: true,
  ...extra,
});

test('the last one to start speaking is active, and stays so through silence', () => {
  const s = new ActiveSpeaker();
  assert.equal(
    s.update([tile('me', true, { self: true }), tile('a'), tile('b')]),
    null,
    'we never spotlight ourselves',
  );
  assert.equal(s.update([tile('a', true), tile('b')]), 'a');
  assert.equal(s.update([tile('a', true), tile('b', true)]), 'b', 'b started later');
  assert.equal(s.update([tile('a', true), tile('b', true)]), 'b', 'still b while both speak');
  assert.equal(s.update([tile('a'), tile('b')]), 'b', 'sticky when nobody speaks');
  assert.equal(s.update([tile('a', true), tile('b')]), 'a');
  assert.equal(s.update([tile('a', true, { audioOn: false }), tile('b')]), 'a', 'muted: no change');
  assert.equal(s.update([tile('b')]), null, 'a left the call');
});

test('promote moves the active speaker to the front and keeps the others in order', () => {
  const tiles = [tile('me', false, { self: true }), tile('a'), tile('b'), tile('c')];
  assert.deepEqual(
    promote(tiles, 'c').map((t) => t.participant),
    ['c', 'me', 'a', 'b'],
  );
  assert.deepEqual(
    promote(tiles, null).map((t) => t.participant),
    ['me', 'a', 'b', 'c'],
  );
  assert.deepEqual(
    promote(tiles, 'me').map((t) => t.participant),
    ['me', 'a', 'b', 'c'],
  );
});
