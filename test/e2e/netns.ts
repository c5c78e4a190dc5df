/**
 * Browser call tests run inside a network namespace of their own that has nothing but loopback:
 * WebRTC media then cannot leave the machine (or pick a real interface), and the test may change
 * the namespace's firewall without touching the host. A test file calls `runInLoopbackNamespace`
 * and, when it is not in such a namespace yet, gets re-executed inside `unshare -n`.
 */
import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';

/** True when every network interface is a loopback one (we are inside the test namespace). */
export function inLoopbackNamespace(): boolean {
  return Object.values(networkInterfaces())
    .flat()
    .every((i) => i?.internal !== false);
}

/**
 * Run `file` with node's test runner inside a fresh loopback-only network namespace; resolves with
 * its exit code and output once it ends (the output is passed through as it comes). As root a plain
 * `unshare -n` works; other users get a user namespace too (`-r`), where the kernel allows it.
 */
export function runInLoopbackNamespace(file: string): Promise<{ code: number; output: string }> {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const args = [
    ...(asRoot ? ['-n'] : ['-r', '-n']),
    'sh',
    '-c',
    'ip link set lo up && exec "$@"',
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
