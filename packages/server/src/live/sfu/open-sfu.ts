import { join } from 'node:path';
import type { Logger } from '../../ops/logger.js';
import { JanusPool } from './janus-pool.js';
import { janusInstalled, JanusSupervisor } from './janus-supervisor.js';
import type { SfuBackend } from './sfu-backend.js';

export interface SfuOptions {
  janusUrl: string[];
  janusApiSecret: string;
  janusBinary: string;
  janusRtpPorts: string;
  janusInterfaces: string[];
  dataDir: string;
}

export interface OpenedSfu {
  /** null when there is no Janus: sfu and streaming requests get SFU_UNAVAILABLE, mesh works. */
  backend: SfuBackend | null;
  /** The Janus child, when this server runs one. */
  supervisor: JanusSupervisor | null;
  /** Which Janus is used, for the startup log. */
  description: string;
  close(): Promise<void>;
}

/**
 * Pick the SFU: the configured Janus URLs, else a supervised Janus child when the binary is
 * installed (the one-box default), else none. A configured Janus that is down at startup is not
 * fatal: the pool keeps reconnecting and requests fail with SFU_UNAVAILABLE meanwhile.
 */
export async function openSfu(options: SfuOptions, log: Logger): Promise<OpenedSfu> {
  let supervisor: JanusSupervisor | null = null;
  let urls = options.janusUrl;
  let description: string;
  if (urls.length > 0) {
    description = `external Janus ${urls.length === 1 ? 'instance' : 'pool'} (${urls.length})`;
  } else if (options.janusBinary !== 'none' && janusInstalled(options.janusBinary)) {
    const [low, high] = options.janusRtpPorts.split('-').map(Number) as [number, number];
    supervisor = new JanusSupervisor({
      binary: options.janusBinary,
      configDir: join(options.dataDir, 'janus'),
      rtpPorts: [low, high],
      interfaces: options.janusInterfaces,
      apiSecret: options.janusApiSecret || undefined,
      log: (line) => log.debug({ janus: line }, 'janus'),
    });
    try {
      urls = [await supervisor.start()];
      description = `Janus child (${options.janusBinary}, pid ${supervisor.pid ?? '?'}, ${urls[0]})`;
    } catch (err) {
      await supervisor.close();
      log.warn({ err }, 'could not start the Janus child: calls stay peer-to-peer');
      return none('none (the Janus child did not start)');
    }
  } else {
    return none('none (no --janus-url and no janus binary): calls stay peer-to-peer');
  }
  const pool = new JanusPool({ urls, apiSecret: options.janusApiSecret || undefined });
  await pool.start().catch((err: unknown) => {
    log.warn({ err }, 'Janus is not reachable yet; retrying in the background');
  });
  return {
    backend: pool,
    supervisor,
    description,
    async close() {
      await pool.close();
      await supervisor?.close();
    },
  };
}

function none(description: string): OpenedSfu {
  return { backend: null, supervisor: null, description, close: () => Promise.resolve() };
}
