import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamStage, type StageChange } from '../../src/live/stream/stream-stage.js';

const user = (id: string) => ({ id, name: id, avatar: `/avatars/${id}` });
const member = (id: string, streamer: boolean) => ({ id: `s-${id}`, user: user(id), streamer });

test('the first streamer to join is the source; viewers are everyone else', () => {
  const stage = new StreamStage({ now: () => 1000 });
  assert.equal(stage.join('r', member('v1', false)).state, 'waiting');
  const s = stage.join('r', member('alice', true));
  assert.equal(s.state, 'live');
  assert.deepEqual(s.source, { kind: 'participant', participant: 's-alice', user: user('alice') });
  stage.join('r', member('bob', true));
  assert.equal(stage.sourceId('r'), 's-alice', 'a second streamer watches');
  assert.deepEqual(stage.viewers('r'), ['s-v1', 's-bob']);
  assert.equal(stage.snapshot('r')?.viewers, 2);
});

test('the source leaves: the next streamer present takes over, else the stream ends', () => {
  const stage = new StreamStage();
  const changes: StageChange[] = [];
  stage.on((c) => changes.push(c));
  stage.join('r', member('alice', true));
  stage.join('r', member('v1', false));
  stage.join('r', member('bob', true));
  stage.leave('r', 's-alice');
  assert.equal(stage.sourceId('r'), 's-bob');
  assert.ok(changes.at(-1)?.sourceChanged);
  stage.leave('r', 's-bob');
  assert.equal(stage.snapshot('r')?.state, 'ended');
  assert.equal(stage.source('r'), null);
  assert.equal(stage.snapshot('r')?.viewers, 1);
  stage.join('r', member('carol', true));
  assert.equal(stage.snapshot('r')?.state, 'live', 'a streamer joining starts it again');
});

test('viewer-only changes are marked so listeners can coalesce them', () => {
  const stage = new StreamStage();
  stage.join('r', member('alice', true));
  const changes: StageChange[] = [];
  stage.on((c) => changes.push(c));
  stage.join('r', member('v1', false));
  assert.deepEqual(
    changes.map((c) => [c.viewersOnly, c.sourceChanged, c.after?.viewers]),
    [[true, false, 1]],
  );
});

test('an external source claims an empty stage, is refused over a member unless it preempts', () => {
  const stage = new StreamStage();
  const obs = { kind: 'external' as const, id: 'key-1', displayName: 'OBS' };
  assert.equal(stage.claim('r', obs), true, 'no source: granted (the room opens)');
  assert.equal(stage.snapshot('r')?.state, 'live');
  stage.join('r', member('alice', true));
  assert.equal(stage.sourceId('r'), 'key-1', 'a streamer joining does not displace it');
  stage.release('r', 'key-1');
  assert.equal(stage.sourceId('r'), 's-alice', 'released: the streamer present takes over');
  assert.equal(stage.claim('r', obs), false);
  assert.equal(stage.claim('r', obs, { preempt: true }), true);
  assert.deepEqual(stage.viewers('r'), ['s-alice']);
  assert.equal(
    stage.claim('r', { kind: 'participant', participant: 's-x', user: user('x') }),
    false,
    'not present',
  );
});

test('a source removed from the streamer group hands over; close forgets the room', () => {
  const stage = new StreamStage();
  stage.join('r', member('alice', true));
  stage.join('r', member('bob', false));
  stage.setStreamer('r', 's-bob', true);
  stage.setStreamer('r', 's-alice', false);
  assert.equal(stage.sourceId('r'), 's-bob');
  const changes: StageChange[] = [];
  stage.on((c) => changes.push(c));
  stage.close('r');
  assert.equal(stage.has('r'), false);
  assert.equal(changes[0]?.after, null);
});

test('joining again with the streamer flag off (group changed): the source hands over, a watcher stays one', () => {
  const stage = new StreamStage();
  stage.join('r', member('alice', true));
  stage.join('r', member('bob', true));
  stage.join('r', member('carol', true));
  stage.join('r', member('bob', false));
  assert.equal(stage.sourceId('r'), 's-alice', 'a watching streamer leaving the group changes nothing now');
  stage.join('r', member('alice', false));
  assert.equal(
    stage.sourceId('r'),
    's-carol',
    'the source left the group: the next streamer (not Bob) takes over',
  );
  assert.deepEqual(stage.viewers('r'), ['s-alice', 's-bob'], 'join order is kept');
  stage.leave('r', 's-carol');
  assert.equal(stage.snapshot('r')?.state, 'ended', 'nobody in the group is left');
});
