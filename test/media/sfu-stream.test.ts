// test-needs: janus
/**
 * Streaming rooms on the SFU through the server, with werift peers: owners turn streaming on
 * (others get FORBIDDEN), the first streamer to join is the source, every viewer (STREAM_VIEWERS,
 * default 100) receives the source's media on its one subscriber PeerConnection and sees the
 * viewer count, a viewer publishing gets FORBIDDEN, and when the source leaves without another
 * streamer present everyone sees the stream end. Inside a network namespace with a veth pair.
 */
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../harness.js';
import { inLoopbackNamespace, runInLoopbackNamespace, SFU_VETH } from '../e2e/netns.js';
import { RawClient, type Json } from '../raw-client.js';
import { SfuPeer } from '../sfu-peer.js';
import { Vp8Source } from '../werift-peers.js';

const FILE = fileURLToPath(import.meta.url);
const VIEWERS = Number(process.env['STREAM_VIEWERS'] ?? 100);

if (!inLoopbackNamespace()) {
  test('streaming rooms through the server, inside a network namespace', { timeout: 400_000 }, async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const { code, output } = await runInLoopbackNamespace(relative(root, FILE), { veth: true });
    assert.equal(code, 0, 'the streaming tests passed inside the namespace (their output is above)');
    const count = (label: string): number => Number(new RegExp(`ℹ ${label} (\\d+)`).exec(output)?.[1] ?? -1);
    assert.ok(count('tests') >= 3 && count('pass') === count('tests'), 'every streaming test ran and passed');
  });
} else {
  streamTests();
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function receiving(peer: SfuPeer): boolean {
  return [...(peer.subscriber?.packets.values() ?? [])].some((n) => n > 0);
}

let nextId = 1_000_000;
/** Like RawClient.ok with a generous timeout: 100 joins fan out to 100 members on a shared box. */
async function slowOk(c: RawClient, type: string, params: Json): Promise<Json> {
  const id = nextId++;
  c.send({ type, id, ...params });
  const reply = await c.next((m) => m['id'] === id, 60_000);
  if (reply['type'] !== 'ok') throw new Error(`${type} failed: ${JSON.stringify(reply)}`);
  return reply['result'] as Json;
}

/** The last live.stream event a client got (without consuming anything). */
function lastStream(c: RawClient): Json | undefined {
  const events = c.received.filter((m) => m['type'] === 'live.stream');
  return events.at(-1)?.['stream'] as Json | undefined;
}

function streamTests(): void {
  let srv: TestServer;
  let source: Vp8Source;
  const peers: SfuPeer[] = [];
  const clients: RawClient[] = [];
  let room = '';

  before(async () => {
    srv = await startTestServer({
      janusBinary: '/usr/bin/janus',
      janusInterfaces: [SFU_VETH.janusSide],
      janusRtpPorts: '20700-21500',
      maxConnectionsPerIp: 1000,
    });
    source = await Vp8Source.start();
  });

  after(async () => {
    for (const p of peers) await p.close();
    for (const c of clients) c.close();
    await srv?.close();
    await source?.close();
  });

  async function member(name: string): Promise<RawClient> {
    const c = await RawClient.ws(srv.wsUrl);
    clients.push(c);
    await c.hello(name);
    if (room) await slowOk(c, 'room.join', { room });
    else room = ((await c.ok('room.create'))['room'] as Json)['id'] as string;
    return c;
  }

  test('owners turn streaming on and name the streamers; members may not', async () => {
    const ann = await member('Ann');
    const bob = await member('Bob');
    const refused = await bob.request('live.settings', { room, streaming: true });
    assert.equal(refused['code'], 'FORBIDDEN');
    const set = await ann.ok('live.settings', {
      room,
      streaming: true,
      streamers: { users: [], role: 'admin' },
    });
    assert.deepEqual(set, {
      settings: { mediaMode: 'auto', streaming: true, streamers: { users: [], role: 'admin' } },
      mode: 'mesh',
    });
    const seen = await bob.event('live.settings');
    assert.equal((seen['settings'] as Json)['streaming'], true, 'the room hears the new settings');
    const bad = await ann.request('live.settings', { room, streamers: { users: [], role: 'boss' } });
    assert.equal(bad['code'], 'INVALID_MESSAGE');
  });

  test(`the first streamer is the source; ${VIEWERS} viewers receive it, see the count, may not publish`, async () => {
    const ann = clients[0] as RawClient;
    const joined = await ann.ok('live.join', { room });
    assert.equal(joined['mode'], 'sfu', 'a streaming room is on the SFU from the first join');
    const stream = joined['stream'] as Json;
    assert.equal(stream['state'], 'live');
    assert.equal((stream['source'] as Json)['kind'], 'participant');
    const pa = new SfuPeer(ann, room, source);
    peers.push(pa);
    await pa.startSfu();

    const viewers: SfuPeer[] = [];
    const started = Date.now();
    const bob = clients[1] as RawClient;
    const all = [bob];
    for (let i = 1; i < VIEWERS; i++) all.push(await member(`Viewer ${i}`));
    // Join in batches: the box is shared; the server must take them all.
    for (let i = 0; i < all.length; i += 10) {
      await Promise.all(
        all.slice(i, i + 10).map(async (c) => {
          const j = await slowOk(c, 'live.join', { room });
          assert.equal(((j['stream'] as Json)['source'] as Json)['kind'], 'participant');
          const p = new SfuPeer(c, room, null);
          viewers.push(p);
          peers.push(p);
        }),
      );
    }
    await until(`all ${VIEWERS} viewers receive the source`, () => viewers.every(receiving), 120_000);
    const ms = Date.now() - started;
    const n = viewers.filter(receiving).length;
    console.log(`streaming: ${n} viewers receive the source ${ms} ms after the first viewer joined`);
    assert.equal(n, VIEWERS);
    await until('everyone sees the viewer count', () => lastStream(ann)?.['viewers'] === VIEWERS, 10_000);
    assert.equal(lastStream(bob)?.['viewers'], VIEWERS);

    const forbidden = await bob
      .request('live.sfu.publish', { room, sdp: 'v=0' })
      .catch(() => bob.next((m) => m['code'] !== undefined, 30_000));
    assert.equal(forbidden['code'], 'FORBIDDEN', 'a viewer that tries to publish is refused');
    const chat = await bob.request('chat.send', { room, text: 'viewers can still chat' });
    assert.equal(chat['type'], 'ok');
  });

  test('the source leaves without another streamer present: the stream ended', async () => {
    const ann = clients[0] as RawClient;
    const bob = clients[1] as RawClient;
    await ann.ok('live.leave', { room });
    await until('viewers see the stream end', () => lastStream(bob)?.['state'] === 'ended', 10_000);
    assert.equal(lastStream(bob)?.['source'], null);
    // Ann (an owner, so a streamer: role admin and up) comes back: live again.
    const again = await ann.ok('live.join', { room });
    assert.equal((again['stream'] as Json)['state'], 'live');
    await until('viewers see it live again', () => lastStream(bob)?.['state'] === 'live', 10_000);
  });
}
