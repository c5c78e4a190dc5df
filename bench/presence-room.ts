// Presence broadcast in one room, Presence against Prosody: N members, each change of availability
// visible to every member. Rounds of changes are timed by an observer that waits until it has seen
// every change of the round; the server's CPU time over all rounds gives changes per CPU-second.
// "all at once": every member changes in the same round; "one at a time": one change per round.
import type WebSocket from 'ws';
import { here, nodeServer, open, rpc, type BenchServer } from './bench-child.js';
import { MUC_DOMAIN, startProsody } from './prosody-server.js';
import { mucMembers } from './target-prosody.js';
import { parallel } from './target.js';

export interface PresenceRoomRow {
  target: string;
  members: number;
  shape: 'all at once' | 'one at a time';
  changes: number;
  cpuSeconds: number;
  perCpuSecond: number;
}

const STATES = ['busy', 'away', 'chatty', 'online'];
const SHOWS = ['dnd', 'away', 'chat', 'xa'];

type Shape = PresenceRoomRow['shape'];
/** One round of changes of a shape; resolves with how many changes it made. */
type Round = (shape: Shape) => Promise<number>;
interface Room {
  server: BenchServer;
  round: Round;
  close(): void;
}

/** Run up to `rounds` rounds (fewer if `seconds` run out) after a one-change warm-up round. */
async function measure(
  target: string,
  room: Room,
  shape: Shape,
  rounds: number,
  seconds: number,
  members: number,
): Promise<PresenceRoomRow> {
  await room.round('one at a time');
  const before = await room.server.cpuMicros();
  const deadline = performance.now() + seconds * 1000;
  let changes = 0;
  for (let r = 0; r < rounds && performance.now() < deadline; r++) changes += await room.round(shape);
  const cpuSeconds = ((await room.server.cpuMicros()) - before) / 1e6;
  return { target, members, shape, changes, cpuSeconds, perCpuSecond: changes / cpuSeconds };
}

/** Presence: members subscribed to presence; the observer tracks every user's latest state. */
async function presenceRoom(server: BenchServer, members: number): Promise<Room> {
  const url = `ws://127.0.0.1:${server.port}/ws`;
  const join = async (i: number, room?: unknown): Promise<{ ws: WebSocket; user: string; room: unknown }> => {
    const ws = await open(url);
    const welcome = await rpc(ws, { type: 'hello', id: 1, v: 1, name: `p${i}` });
    if (room === undefined) {
      const created = await rpc(ws, { type: 'room.create', id: 2 });
      room = ((created['result'] as Record<string, unknown>)['room'] as Record<string, unknown>)['id'];
    } else {
      await rpc(ws, { type: 'room.join', id: 2, room });
    }
    await rpc(ws, { type: 'presence.subscribe', id: 3 });
    return { ws, user: welcome['userId'] as string, room };
  };
  const first = await join(0);
  const all = [first, ...(await parallel(members - 1, 50, (i) => join(i + 1, first.room)))];
  const seen = new Map<string, string>();
  let wake: (() => void) | undefined;
  first.ws.on('message', (data: Buffer) => {
    if (!data.includes('"type":"presence"')) return;
    const m = JSON.parse(data.toString()) as { users: { user: string; state: string }[] };
    for (const u of m.users) seen.set(u.user, u.state);
    wake?.();
  });
  let id = 10;
  let turn = 0;
  // Each member cycles through the states, so every set is a real change.
  const changed = all.map(() => 0);
  const next = (i: number): string => STATES[++changed[i]! % STATES.length]!;
  return {
    server,
    async round(shape) {
      const changing = shape === 'all at once' ? all.map((_, i) => i) : [turn++ % all.length];
      const expect = new Map<string, string>();
      for (const i of changing) {
        const state = next(i);
        all[i]!.ws.send(JSON.stringify({ type: 'presence.set', id: id++, state }));
        if (i > 0) expect.set(all[i]!.user, state);
      }
      const deadline = Date.now() + 10_000;
      while ([...expect].some(([u, state]) => seen.get(u) !== state) && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return changing.length;
    },
    close: () => all.forEach((m) => m.ws.terminate()),
  };
}

/** Prosody: MUC occupants change <show>; every occupant gets each change as a presence stanza. */
async function prosodyRoom(server: BenchServer, members: number): Promise<Room> {
  const room = `presence@${MUC_DOMAIN}`;
  const all = await mucMembers(server.port, room, members);
  const observer = all[0]!;
  let turn = 0;
  const changed = all.map(() => 0);
  return {
    server,
    async round(shape) {
      const changing = shape === 'all at once' ? all.map((_, i) => i) : [turn++ % all.length];
      const goal = observer.presences + changing.length;
      for (const i of changing) all[i]!.show(room, `m${i}`, SHOWS[++changed[i]! % SHOWS.length]!);
      const deadline = Date.now() + 10_000;
      while (observer.presences < goal && Date.now() < deadline)
        await new Promise((res) => setTimeout(res, 1));
      return changing.length;
    },
    close: () => all.forEach((c) => c.close()),
  };
}

async function both(
  target: string,
  start: () => Promise<BenchServer>,
  fill: (server: BenchServer, members: number) => Promise<Room>,
  members: number,
  rounds: { all: number; one: number },
  seconds: number,
): Promise<PresenceRoomRow[]> {
  const server = await start();
  try {
    const room = await fill(server, members);
    const rows = [
      await measure(target, room, 'all at once', rounds.all, seconds, members),
      await measure(target, room, 'one at a time', rounds.one, seconds, members),
    ];
    room.close();
    return rows;
  } finally {
    await server.stop();
  }
}

export async function presenceRoomBench(quick: boolean): Promise<PresenceRoomRow[]> {
  const members = 100;
  const seconds = quick ? 1 : 8;
  const presenceServer = (): Promise<BenchServer> => nodeServer(here('./presence-server.ts'));
  return [
    ...(await both(
      'presence',
      presenceServer,
      presenceRoom,
      members,
      { all: quick ? 4 : 20, one: quick ? 3 : 20 },
      seconds,
    )),
    ...(await both(
      'prosody',
      startProsody,
      prosodyRoom,
      members,
      { all: quick ? 4 : 30, one: quick ? 200 : 1000 },
      seconds,
    )),
  ];
}
