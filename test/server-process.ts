import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../packages/server/src/cli.ts', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  httpPort: number;
  tcpPort: number;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string>;
  output(): string;
}

/**
 * A real server in a child process (so a test can SIGKILL it), on 127.0.0.1 with ephemeral ports.
 * Resolves once it prints its listening line.
 */
export async function spawnServer(flags: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      CLI,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--tcp-port',
      '0',
      '--log-level',
      'warn',
      // No Janus child per test server (slow to start, heavy on this box) unless the test asks.
      ...(flags.some((f) => f.startsWith('--janus')) ? [] : ['--janus-binary', 'none']),
      ...flags,
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const ports = await new Promise<{ httpPort: number; tcpPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A server that never listened must not outlive the test (it would keep the runner waiting).
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${out}`));
    }, 20_000);
    const check = (): void => {
      const m = /Presence is running: http:\/\/[^:]+:(\d+)\s+\(TCP (\d+)\)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ httpPort: Number(m[1]), tcpPort: Number(m[2]) });
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${out}`));
    });
  });
  return { child, ...ports, exited, output: () => out };
}
