// `npx tsx bench/heap-idle.ts [connections]`: what an idle joined connection keeps on the server's
// JS heap, by constructor: heap snapshots of the Presence server (its own process) before and after
// opening the connections (hello + a room of 10, as the idle bench), diffed. RSS counts more (socket
// buffers, native memory); this says where the heap part goes.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presence } from './target-presence.js';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

function bySelfSize(file: string): Map<string, { size: number; count: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + iType] as number] as string;
    const name =
      type === 'object' || type === 'closure' ? (s.strings[s.nodes[i + iName] as number] as string) : '';
    const key = `${type} ${name}`.slice(0, 80);
    const e = out.get(key) ?? { size: 0, count: 0 };
    e.size += s.nodes[i + iSize] as number;
    e.count++;
    out.set(key, e);
  }
  return out;
}

const n = Number(process.argv[2] ?? 2000);
const server = await presence.start();
try {
  if (!server.heapSnapshot || !presence.idle) throw new Error('no heap snapshots from this server');
  const closeWarm = await presence.idle(server, 50);
  await new Promise((r) => setTimeout(r, 300));
  const before = join(tmpdir(), `heap-idle-before-${process.pid}.heapsnapshot`);
  const after = join(tmpdir(), `heap-idle-after-${process.pid}.heapsnapshot`);
  await server.heapSnapshot(before);
  const close = await presence.idle(server, n);
  await new Promise((r) => setTimeout(r, 500));
  await server.heapSnapshot(after);
  const a = bySelfSize(before);
  const b = bySelfSize(after);
  rmSync(before);
  rmSync(after);
  const rows = [...b].map(([k, v]) => {
    const was = a.get(k) ?? { size: 0, count: 0 };
    return { k, bytes: (v.size - was.size) / n, count: (v.count - was.count) / n };
  });
  rows.sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((t, r) => t + r.bytes, 0);
  console.log(`${n} idle joined connections: ${total.toFixed(0)} heap bytes each`);
  console.log('| bytes / conn | objects / conn | type and constructor |');
  console.log('|---:|---:|---|');
  for (const r of rows.slice(0, 40))
    console.log(`| ${r.bytes.toFixed(0)} | ${r.count.toFixed(2)} | ${r.k} |`);
  close();
  closeWarm();
} finally {
  await server.stop();
}
