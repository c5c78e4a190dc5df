import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { findJanusLibDir, janusConfigFiles } from './janus-config.js';

export interface JanusSupervisorOptions {
  /** The janus binary. */
  binary: string;
  /** Folder for the generated config (created). */
  configDir: string;
  rtpPorts: [number, number];
  interfaces: string[];
  apiSecret?: string | undefined;
  /** WebSocket API port; 0 = pick a free one. */
  wsPort?: number | undefined;
  /** Called with every line Janus prints (for logs) and with lifecycle notes. */
  log?: ((line: string) => void) | undefined;
  /** Pause before restarting a Janus that exited. */
  restartMs?: number | undefined;
}

/** Whether a janus binary is there to supervise. */
export function janusInstalled(binary: string): boolean {
  return existsSync(binary) && findJanusLibDir() !== null;
}

/**
 * The one-box default: a Janus child of the server with a generated config (loopback WebSocket
 * API, its own RTP ports, only the VideoRoom plugin). Restarted when it exits; `close()` stops it
 * for good. The pool (JanusPool) connects to `url` and notices restarts by itself.
 */
export class JanusSupervisor {
  readonly #options: JanusSupervisorOptions;
  #child: ChildProcess | null = null;
  #port = 0;
  #closed = false;
  #restart: NodeJS.Timeout | null = null;
  /** How many times Janus was (re)started. */
  starts = 0;

  constructor(options: JanusSupervisorOptions) {
    this.#options = options;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.#port}`;
  }

  /** The running child's pid (tests kill it to check recovery). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Write the config, start Janus and resolve once its API accepts connections. */
  async start(): Promise<string> {
    const libDir = findJanusLibDir();
    if (!libDir) throw new Error('Janus modules not found (is the janus package installed?)');
    this.#port = this.#options.wsPort || (await freePort());
    const configDir = resolve(this.#options.configDir);
    await mkdir(configDir, { recursive: true });
    const files = janusConfigFiles({
      configDir,
      wsPort: this.#port,
      rtpPorts: this.#options.rtpPorts,
      interfaces: this.#options.interfaces,
      apiSecret: this.#options.apiSecret,
      libDir,
    });
    for (const [name, text] of Object.entries(files))
      await writeFile(join(configDir, name), text, { mode: 0o600 });
    this.#spawn();
    await waitForPort(this.#port, 10_000);
    return this.url;
  }

  #spawn(): void {
    const configDir = resolve(this.#options.configDir);
    // -F: only our config folder (else /etc/janus plugin configs are read too); -o: no colours.
    const child = spawn(this.#options.binary, ['-F', configDir, '-C', join(configDir, 'janus.jcfg'), '-o'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.starts++;
    this.#child = child;
    const log = this.#options.log;
    const relay = (stream: NodeJS.ReadableStream | null): void => {
      if (!stream || !log) {
        stream?.resume();
        return;
      }
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) log(line);
      });
    };
    relay(child.stdout);
    relay(child.stderr);
    child.on('error', (err) => log?.(`janus failed to start: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (this.#child === child) this.#child = null;
      if (this.#closed) return;
      log?.(`janus exited (${signal ?? code}); restarting`);
      this.#restart = setTimeout(() => {
        this.#restart = null;
        if (!this.#closed) this.#spawn();
      }, this.#options.restartMs ?? 200);
      this.#restart.unref();
    });
  }

  /** Stop Janus (SIGTERM, SIGKILL after 3 s); safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#restart) clearTimeout(this.#restart);
    this.#restart = null;
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((done) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(kill);
        done();
      });
      child.kill('SIGTERM');
    });
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Janus did not open port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
