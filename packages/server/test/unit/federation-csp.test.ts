import assert from 'node:assert/strict';
import { test } from 'node:test';
import { federationConnectSources } from '../../src/http/security-headers.js';

test("with federation on, the web app's connect-src names the static map's servers, and wss: only when peers may be discovered", () => {
  assert.deepEqual(
    federationConnectSources({ federation: false, peers: ['b.test=http://127.0.0.1:9'], allow: [] }),
    [],
  );
  // Every static entry listed, allow list naming only them: nothing else.
  assert.deepEqual(
    federationConnectSources({
      federation: true,
      peers: ['b.test=http://127.0.0.1:7890', 'c.example=https://chat.c.example/'],
      allow: ['b.test', 'c.example'],
    }),
    ['ws://127.0.0.1:7890', 'http://127.0.0.1:7890', 'wss://chat.c.example', 'https://chat.c.example'],
  );
  // No allow list (any domain, discovered over HTTPS), or one beyond the map: any secure WebSocket.
  assert.ok(federationConnectSources({ federation: true, peers: [], allow: [] }).includes('wss:'));
  assert.ok(
    federationConnectSources({
      federation: true,
      peers: ['b.test=http://127.0.0.1:1'],
      allow: ['b.test', 'd.example'],
    }).includes('wss:'),
  );
});
