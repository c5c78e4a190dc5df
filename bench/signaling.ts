/**
 * Signaling latency of a 6-participant mesh call, measured on the signaling path only: raw
 * protocol clients join the call and answer every offer with a fake SDP (no WebRTC stack: werift
 * is not installed here), as a browser following the server's rule would — the later joiner
 * offers, the other answers; each offer and answer is followed by two trickled candidates.
 *
 *   node --import tsx bench/signaling.ts [--rounds 30]
 *
 * "call start": six room members press Join at the same moment; time until all 15 pairs have
 * completed offer/answer. "late joiner": a sixth joins a running 5-person call; time until its
 * five offers are answered. Server and clients share this process (one event loop), so the
 * figures include client-side handling; they are an upper bound for the server's part.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createPresenceServer } from '../packages/server/src/index.js';

type Json = Record<string, unknown>;
const PEERS = 6;
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 30;
/** About the size of a Chromium offer with audio and video. */
const FAKE_SDP = `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n${'a=x-filler:0123456789abcdef\r\n'.repeat(180)}`;

/** A participant: a raw WebSocket client that plays its part of perfect negotiation's first round. */
class Participant {
  id = '';
  private readonly ws: WebSocket;
  private nextId = 1;
  private readonly replies = new Map<number, (m: Json) => void>();
  /** Answers still awaited, by participant id. */
  private readonly awaiting = new Map<string, () => void>();

  private constructor(
    ws: WebSocket,
    private readonly room: () => string,
  ) {
    this.ws = ws;
    ws.on('message', (data) => this.onMessage(JSON.parse(data.toString()) as Json));
  }

  static async connect(url: string, name: string, room: () => string): Promise<Participant> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const p = new Participant(ws, room);
    const welcome = await p.request('hello', { v: 1, name });
    p.id = welcome['sessionId'] as string;
    return p;
  }

  request(type: string, params: Json = {}): Promise<Json> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ type, id, ...params }));
    return new Promise((resolve) => this.replies.set(id, resolve));
  }

  async ok(type: string, params: Json = {}): Promise<Json> {
    const reply = await this.request(type, params);
    if (reply['type'] !== 'ok') throw new Error(`${type}: ${JSON.stringify(reply)}`);
    return reply['result'] as Json;
  }

  /** Join the call and offer to everyone already in it; resolves when all of them answered. */
  async joinCall(): Promise<void> {
    const result = await this.ok('live.join', { room: this.room(), media: { audio: true, video: true } });
    const others = (result['participants'] as Json[]).map((p) => p['id'] as string);
    await Promise.all(
      others.map(
        (to) =>
          new Promise<void>((resolve) => {
            this.awaiting.set(to, resolve);
            this.signal(to, { kind: 'offer', sdp: FAKE_SDP });
            this.trickle(to);
          }),
      ),
    );
  }

  close(): void {
    this.ws.close();
  }

  private signal(to: string, signal: Json): void {
    void this.request('live.signal', { room: this.room(), to, signal });
  }

  private trickle(to: string): void {
    for (const port of [50_000, 50_001]) {
      this.signal(to, {
        kind: 'candidate',
        candidate: { candidate: `candidate:1 1 udp 2122260223 127.0.0.1 ${port} typ host`, sdpMid: '0' },
      });
    }
  }

  private onMessage(m: Json): void {
    if (
      typeof m['id'] === 'number' &&
      (m['type'] === 'ok' || m['type'] === 'error' || m['type'] === 'welcome')
    ) {
      const reply = this.replies.get(m['id']);
      this.replies.delete(m['id']);
      reply?.(m);
      return;
    }
    if (m['type'] !== 'live.signal') return;
    const from = m['from'] as string;
    const kind = (m['signal'] as Json)['kind'];
    if (kind === 'offer') {
      this.signal(from, { kind: 'answer', sdp: FAKE_SDP });
      this.trickle(from);
    } else if (kind === 'answer') {
      this.awaiting.get(from)?.();
      this.awaiting.delete(from);
    }
  }
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return `${at(0.5).toFixed(2)} | ${at(0.95).toFixed(2)} | ${(s[s.length - 1] ?? NaN).toFixed(2)}`;
}

const dataDir = await mkdtemp(join(tmpdir(), 'presence-bench-signaling-'));
const server = await createPresenceServer({
  host: '127.0.0.1',
  port: 0,
  tcpPort: -1,
  logLevel: 'silent',
  dataDir,
  metrics: false,
});
const { httpPort } = await server.listen();
const url = `ws://127.0.0.1:${httpPort}/ws`;

const start: number[] = [];
const late: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  let roomId = '';
  const people: Participant[] = [];
  for (let i = 0; i < PEERS; i++) people.push(await Participant.connect(url, `P${i}`, () => roomId));
  roomId = ((await people[0]!.ok('room.create'))['room'] as Json)['id'] as string;
  for (const p of people.slice(1)) await p.ok('room.join', { room: roomId });

  // Call start: everyone joins at once.
  let t = performance.now();
  await Promise.all(people.map((p) => p.joinCall()));
  start.push(performance.now() - t);

  // Late joiner: the last one leaves, then joins the running call of five again.
  const last = people[PEERS - 1]!;
  await last.ok('live.leave', { room: roomId });
  t = performance.now();
  await last.joinCall();
  late.push(performance.now() - t);
  for (const p of people) p.close();
}

console.log(
  `Signaling only, ${PEERS} participants, ${ROUNDS} rounds, fake SDP of ${FAKE_SDP.length} characters:\n`,
);
console.log('| scenario | median ms | p95 ms | max ms |');
console.log('|---|---|---|---|');
console.log(
  `| call start: ${PEERS} join at once → all ${(PEERS * (PEERS - 1)) / 2} pairs answered | ${summary(start)} |`,
);
console.log(`| late joiner → its ${PEERS - 1} offers answered | ${summary(late)} |`);
await server.close();
await rm(dataDir, { recursive: true, force: true });
