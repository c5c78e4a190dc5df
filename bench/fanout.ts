// Fan-out bench: deliveries per server CPU-second, Presence vs the bare-ws baseline, same load
// generator, same run. Usage: npm run bench -- fanout [--quick]
import type WebSocket from 'ws';
import { cpu, here, open, rpc, startChild } from './bench-child.js';

interface Target {
  name: string;
  script: string;
  /** Prepare a room with `subscribers` members; returns a publish function resolving when echoed back. */
  setup(port: number, subscribers: WebSocket[], publisher: WebSocket): Promise<(text: string) => void>;
}

const presence: Target = {
  name: 'presence',
  script: here('./presence-server.ts'),
  async setup(_port, subscribers, publisher) {
    await rpc(publisher, { type: 'hello', id: 1, v: 1, name: 'pub' });
    const created = await rpc(publisher, { type: 'room.create', id: 2 });
    const room = ((created['result'] as Record<string, unknown>)['room'] as Record<string, unknown>)['id'];
    await Promise.all(
      subscribers.map(async (s, i) => {
        await rpc(s, { type: 'hello', id: 1, v: 1, name: `s${i}` });
        await rpc(s, { type: 'room.join', id: 2, room });
      }),
    );
    let id = 10;
    return (text) => publisher.send(JSON.stringify({ type: 'chat.send', id: id++, room, text }));
  },
};

const baseline: Target = {
  name: 'ws-baseline',
  script: here('./ws-baseline-server.ts'),
  async setup(_port, _subscribers, publisher) {
    return (text) => publisher.send(JSON.stringify({ text }));
  },
};

interface Result {
  target: string;
  members: number;
  messages: number;
  deliveries: number;
  cpuSeconds: number;
  perCpuSecond: number;
}

async function run(target: Target, members: number, messages: number): Promise<Result> {
  const { child, port } = await startChild(target.script);
  try {
    const url = `ws://127.0.0.1:${port}/ws`;
    const publisher = await open(url);
    const subscribers: WebSocket[] = [];
    for (let i = 0; i < members - 1; i++) subscribers.push(await open(url));
    const publish = await target.setup(port, subscribers, publisher);
    let received = 0;
    let waiting: { goal: number; resolve: () => void } | undefined;
    for (const s of subscribers) {
      s.on('message', (data: Buffer) => {
        // Count only chat deliveries; a cheap prefix test keeps the load generator light.
        if (data.includes('"message"')) received++;
        if (waiting && received >= waiting.goal) {
          waiting.resolve();
          waiting = undefined;
        }
      });
    }
    const burst = async (n: number): Promise<void> => {
      const start = received;
      const goal = start + n * subscribers.length;
      const done = new Promise<void>((resolve) => (waiting = { goal, resolve }));
      const text = 'x'.repeat(150);
      // Windowed: at most 50 messages ahead of delivery, so no queue grows without bound.
      for (let i = 0; i < n; i++) {
        publish(text);
        while ((i + 1 - 50) * subscribers.length > received - start)
          await new Promise((r) => setImmediate(r));
      }
      await done;
    };
    await burst(Math.min(200, messages));
    const before = await cpu(child);
    await burst(messages);
    const after = await cpu(child);
    const cpuSeconds = (after.cpuMicros - before.cpuMicros) / 1e6;
    const deliveries = messages * subscribers.length;
    for (const s of [publisher, ...subscribers]) s.terminate();
    return {
      target: target.name,
      members,
      messages,
      deliveries,
      cpuSeconds,
      perCpuSecond: deliveries / cpuSeconds,
    };
  } finally {
    // A graceful stop lets --cpu-prof write its profile.
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

export async function fanoutBench(quick: boolean): Promise<Result[]> {
  const sizes = quick ? [100] : [100, 1000];
  const results: Result[] = [];
  for (const members of sizes) {
    const messages = quick ? 1000 : members >= 1000 ? 1000 : 5000;
    for (const target of [baseline, presence]) results.push(await run(target, members, messages));
  }
  return results;
}
