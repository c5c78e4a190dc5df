/**
 * A network switch for one browser page: its current UDP ports stop working for good, as when a
 * phone leaves the Wi-Fi. Uses nftables inside the test's own network namespace (never the host:
 * callers must be in a loopback-only namespace, see netns.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { inLoopbackNamespace } from './netns.js';

export const NFT = '/usr/sbin/nft';
const TABLE = 'presence_test';

export function blockUdpPorts(ports: readonly number[]): void {
  if (!inLoopbackNamespace()) throw new Error('refusing to change the firewall outside the test namespace');
  if (!existsSync(NFT)) throw new Error(`${NFT} is missing: apt-get install nftables`);
  if (ports.length === 0) throw new Error('no ports to block');
  const set = `{ ${[...new Set(ports)].join(', ')} }`;
  const script = [
    `table inet ${TABLE} {`,
    `  chain input {`,
    `    type filter hook input priority 0; policy accept;`,
    `    udp dport ${set} drop`,
    `    udp sport ${set} drop`,
    `  }`,
    `}`,
  ].join('\n');
  execFileSync(NFT, ['-f', '-'], { input: script });
}

export function clearFirewall(): void {
  if (!inLoopbackNamespace()) return;
  try {
    execFileSync(NFT, ['delete', 'table', 'inet', TABLE], { stdio: 'ignore' });
  } catch {
    // No table: nothing was blocked.
  }
}
