import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foreignId, setHomeDomain } from '../../src/names.ts';
import { parseRemoteRoom, parseRoute, routePath } from '../../src/router.ts';

test('a room of another server has its own address, /r/ROOM@SERVER, and round-trips', () => {
  const route = { view: 'room' as const, room: 'pl5ohghqrtx2x7x7', server: 'b.example' };
  assert.equal(routePath(route), '/r/pl5ohghqrtx2x7x7@b.example');
  assert.deepEqual(parseRoute({ pathname: routePath(route), search: '' }), route);
  // Browsers may hand the @ over encoded; a port is part of a server's name.
  assert.deepEqual(parseRoute({ pathname: '/r/pl5ohghqrtx2x7x7%40B.Example:8443', search: '' }), {
    view: 'room',
    room: 'pl5ohghqrtx2x7x7',
    server: 'b.example:8443',
  });
  assert.deepEqual(parseRoute({ pathname: '/r/pl5ohghqrtx2x7x7', search: '' }), {
    view: 'room',
    room: 'pl5ohghqrtx2x7x7',
  });
  assert.deepEqual(parseRoute({ pathname: '/r/pl5o@b.example/x', search: '' }), { view: 'not-found' });
});

test('ROOM@SERVER as pasted: spaces trimmed, anything else is a search', () => {
  assert.deepEqual(parseRemoteRoom('  pl5ohghqrtx2x7x7@B.example '), {
    room: 'pl5ohghqrtx2x7x7',
    server: 'b.example',
  });
  assert.equal(parseRemoteRoom('design review'), null);
  assert.equal(parseRemoteRoom('ann@'), null);
  assert.equal(parseRemoteRoom('a b@c.example'), null);
  assert.equal(parseRemoteRoom('room@b.example/r/x'), null);
});

test("users of another server than the viewer's show their qualified id; guests and neighbours do not", () => {
  setHomeDomain('');
  assert.equal(foreignId('ann@a.example'), null, 'before the home server is known');
  setHomeDomain('A.example');
  assert.equal(foreignId('ann@a.example'), null);
  assert.equal(foreignId('bob@b.example'), 'bob@b.example');
  assert.equal(foreignId('~k3f9x2ab@b.example'), null);
});
