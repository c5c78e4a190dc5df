/**
 * What the SFU integration tests share: re-running a test file inside a network namespace with the
 * SFU veth pair (Janus sends no media over loopback), waiting for conditions, counting the media a
 * werift participant receives, a call fixture (a test server with a supervised Janus child, a VP8
 * source and members of one room), and external Janus instances for failover and cluster tests.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { Config } from '../packages/server/src/index.js';
import { JanusInstance } from '../packages/server/src/live/sfu/janus-instance.js';
import { JanusSupervisor } from '../packages/server/src/live/sfu/janus-supervisor.js';
import { inLoopbackNamespace, runInLoopbackNamespace, SFU_VETH } from './e2e/netns.js';
import { startTestServer, type TestServer } from './harness.js';
import { RawClient, type Json } from './raw-client.js';
import { SfuPeer } from './sfu-peer.js';
import { Vp8Source } from './werift-peers.js';

export { SFU_VETH };

/**
 * Run `tests` inside a loopback namespace with the SFU veth pair: outside it, one test re-executes
 * `fileUrl` there and passes when at least `minTests` inner tests ran and all passed.
 */
export function inSfuNamespace(
  fileUrl: string,
  what: string,
  minTests: number,
  tests: () => void,
  timeoutMs = 180_000,
): void {
  if (inLoopbackNamespace()) {
    tests();
    return;
  }
  test(`${what}, inside a network namespace`, { timeout: timeoutMs }, async () => {
    const root = fileURLToPath(new URL('../', import.meta.url));
    const { code, output } = await runInLoopbackNamespace(relative(root, fileURLToPath(fileUrl)), {
      veth: true,
    });
    assert.equal(code, 0, `${what}: the tests passed inside the namespace (their output is above)`);
    const count = (label: string): number => Number(new RegExp(`ℹ ${label} (\\d+)`).exec(output)?.[1] ?? -1);
    assert.ok(
      count('tests') >= minTests && count('pass') === count('tests'),
      `${what}: every test ran (${count('tests')} of at least ${minTests}) and passed`,
    );
  });
}

/** Poll `check` every 20 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** How many tracks of a peer's current subscriber PeerConnection received RTP. */
export function liveTracks(peer: SfuPeer): number {
  return [...(peer.subscriber?.packets.values() ?? [])].filter((n) => n > 0).length;
}

/** Per received track, how many RTP packets arrived during a `windowMs` window. */
export async function flow(peer: SfuPeer, windowMs = 600): Promise<number[]> {
  const before = new Map(peer.subscriber?.packets ?? []);
  await new Promise((r) => setTimeout(r, windowMs));
  return [...(peer.subscriber?.packets ?? new Map<string, number>())].map(
    ([k, n]) => n - (before.get(k) ?? 0),
  );
}

/** Whether every peer's current subscriber receives `tracks` tracks, each of them now (not before). */
export async function allFlowing(peers: SfuPeer[], tracks: number, windowMs = 600): Promise<boolean> {
  const flows = await Promise.all(peers.map((p) => flow(p, windowMs)));
  return flows.every((d) => d.filter((n) => n > 0).length === tracks);
}

/**
 * One SFU call under test: a test server (a Janus child of its own on `rtpPorts`, or the given
 * `janusUrl`s), a VP8 source, and members of one room (the first creates it) with their werift
 * peers. `close()` tears everything down.
 */
export class SfuCallFixture {
  readonly peers: SfuPeer[] = [];
  readonly clients: RawClient[] = [];
  room = '';
  private constructor(
    readonly srv: TestServer,
    readonly source: Vp8Source,
  ) {}

  static async start(options: {
    liveMeshMax?: number;
    /** The Janus child's media ports ("20300-20600"); ignored with janusUrl. */
    rtpPorts?: string;
    janusUrl?: string[];
    config?: Partial<Config>;
  }): Promise<SfuCallFixture> {
    const srv = await startTestServer({
      liveMeshMax: options.liveMeshMax ?? 2,
      ...(options.janusUrl
        ? { janusUrl: options.janusUrl }
        : {
            janusBinary: '/usr/bin/janus',
            janusInterfaces: [SFU_VETH.janusSide],
            janusRtpPorts: options.rtpPorts ?? '20300-20600',
          }),
      ...options.config,
    });
    return new SfuCallFixture(srv, await Vp8Source.start());
  }

  /** A new signed-in client in the fixture's room (the first one creates it). */
  async member(name: string): Promise<{ c: RawClient; id: string; token: string }> {
    const c = await RawClient.ws(this.srv.wsUrl);
    this.clients.push(c);
    const welcome = await c.hello(name);
    const id = welcome['userId'] as string;
    const token = welcome['token'] as string;
    if (this.room) await c.ok('room.join', { room: this.room });
    else this.room = ((await c.ok('room.create'))['room'] as Json)['id'] as string;
    return { c, id, token };
  }

  /** A werift SFU participant for `client` (publishing the fixture's source unless `source: null`). */
  peer(client: RawClient, source: Vp8Source | null = this.source): SfuPeer {
    const p = new SfuPeer(client, this.room, source);
    this.peers.push(p);
    return p;
  }

  async close(): Promise<void> {
    for (const p of this.peers) await p.close().catch(() => undefined);
    for (const c of this.clients) c.close();
    await this.srv.close();
    await this.source.close();
  }
}

/**
 * A Janus the test runs itself (an "external" one for the server under test), on the SFU veth,
 * not restarted when killed unless `restartMs` says when.
 */
export async function startExternalJanus(
  rtpPorts: [number, number],
  restartMs = 600_000,
): Promise<{ janus: JanusSupervisor; url: string; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'presence-janus-ext-'));
  const janus = new JanusSupervisor({
    binary: '/usr/bin/janus',
    configDir: join(dir, 'janus'),
    rtpPorts,
    interfaces: [SFU_VETH.janusSide],
    restartMs,
  });
  const url = await janus.start();
  return {
    janus,
    url,
    async close() {
      await janus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** How many VideoRoom rooms the Janus at `url` has (asked over its own API, as an operator would). */
export async function janusRoomCount(url: string): Promise<number> {
  const instance = new JanusInstance({ url });
  try {
    await instance.start();
    const reply = await instance.request({ request: 'list' });
    return Array.isArray(reply['list']) ? reply['list'].length : 0;
  } finally {
    await instance.close();
  }
}
