/**
 * Browser call tests run inside a network namespace of their own that has nothing but loopback:
 * WebRTC media then cannot leave the machine (or pick a real interface), and the test may change
 * the namespace's firewall without touching the host. A test file calls `runInLoopbackNamespace`
 * and, when it is not in such a namespace yet, gets re-executed inside `unshare -n`.
 */
import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';

/**
 * The veth pair an SFU test namespace gets: Janus will not send media over loopback, so it is told
 * to use `SFU_VETH.janusSide` (10.77.0.1) and the peers reach it from 10.77.0.2.
 */
export const SFU_VETH = { janusSide: 'pva', peerSide: 'pvb', janusAddress: '10.77.0.1' } as const;

/**
 * True when every network interface is a loopback one or the SFU veth pair, which only exists
 * inside the test namespace (we are inside it).
 */
export function inLoopbackNamespace(): boolean {
  return Object.entries(networkInterfaces()).every(
    ([name, addresses]) =>
      name === SFU_VETH.janusSide ||
      name === SFU_VETH.peerSide ||
      (addresses ?? []).every((i) => i.internal !== false),
  );
}

/** Shell commands that create the SFU veth pair inside a fresh namespace. */
const VETH_SETUP = [
  `ip link add ${SFU_VETH.janusSide} type veth peer name ${SFU_VETH.peerSide}`,
  `ip addr add ${SFU_VETH.janusAddress}/24 dev ${SFU_VETH.janusSide}`,
  `ip addr add 10.77.0.2/24 dev ${SFU_VETH.peerSide}`,
  `ip link set ${SFU_VETH.janusSide} up`,
  `ip link set ${SFU_VETH.peerSide} up`,
].join(' && ');

/**
 * Run `file` with node's test runner inside a fresh loopback-only network namespace; resolves with
 * its exit code and output once it ends (the output is passed through as it comes). As root a plain
 * `unshare -n` works; other users get a user namespace too (`-r`), where the kernel allows it.
 */
export function runInLoopbackNamespace(
  file: string,
  options: { veth?: boolean } = {},
): Promise<{ code: number; output: string }> {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const args = [
    ...(asRoot ? ['-n'] : ['-r', '-n']),
    'sh',
    '-c',
    `ip link set lo up${options.veth ? ` && ${VETH_SETUP}` : ''} && exec "$@"`,
    'sh',
    process.execPath,
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    file,
  ];
  return new Promise((resolve, reject) => {
    // Without NODE_TEST_CONTEXT: inherited from the outer runner it makes the inner `--test` skip
    // every test ("run() is being called recursively") and pass vacuously.
    const env = { ...process.env };
    delete env['NODE_TEST_CONTEXT'];
    const child = spawn('unshare', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    // Line by line, so the outer runner shows the inner tests as they finish.
    const relay = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        output += chunk;
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) out.write(`  [netns] ${line}\n`);
      });
      stream.on('end', () => rest && out.write(`  [netns] ${rest}\n`));
    };
    relay(child.stdout, process.stdout);
    relay(child.stderr, process.stderr);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}
