// Readings from /proc: a process's CPU time and RSS, and the kernel's TCP socket memory.
import { readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux build that matters here.
const PAGE = 4096;

/** utime + stime of a process, in microseconds (fields 14 and 15 of /proc/<pid>/stat). */
export async function processCpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after it start past the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / TICKS_PER_SECOND;
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
export async function processRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb ?? NaN) * 1024;
}

/** Memory the kernel holds for all TCP sockets, in bytes ("TCP: ... mem N" pages in sockstat). */
export async function tcpSocketMemory(): Promise<number> {
  const sockstat = await readFile('/proc/net/sockstat', 'utf8');
  const pages = /^TCP:.*\bmem (\d+)/m.exec(sockstat)?.[1];
  return Number(pages ?? NaN) * PAGE;
}
