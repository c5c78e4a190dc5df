import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface JanusChildConfig {
  /** Where the generated .jcfg files go (Janus's -F). */
  configDir: string;
  /** Port of the WebSocket API, bound to 127.0.0.1 only. */
  wsPort: number;
  /** First and last UDP port for media. */
  rtpPorts: [number, number];
  /** Interfaces ICE may use (empty = all but loopback, Janus's default). */
  interfaces: string[];
  apiSecret?: string | undefined;
  /** Janus's module folders (Debian: /usr/lib/x86_64-linux-gnu/janus/{plugins,transports,…}). */
  libDir: string;
}

/** The one plugin and the one transport Presence uses; every other module is disabled. */
const KEEP = new Set(['libjanus_videoroom.so', 'libjanus_websockets.so']);

/** The Debian module folder for this machine's architecture, when Janus is installed. */
export function findJanusLibDir(
  candidates = ['/usr/lib/x86_64-linux-gnu/janus', '/usr/lib/aarch64-linux-gnu/janus', '/usr/lib/janus'],
): string | null {
  for (const dir of candidates) {
    try {
      if (readdirSync(join(dir, 'plugins')).includes('libjanus_videoroom.so')) return dir;
    } catch {
      // not this one
    }
  }
  return null;
}

function others(dir: string): string {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.so') && !KEEP.has(f))
      .join(',');
  } catch {
    return '';
  }
}

const str = (s: string): string => JSON.stringify(s);

/**
 * The .jcfg files (libconfig syntax) of a Janus child: loopback-only WebSocket API, no admin API,
 * its own RTP port range, only the VideoRoom plugin and the WebSocket transport, no static rooms
 * (Presence creates them through the API), no event handlers or loggers.
 */
export function janusConfigFiles(c: JanusChildConfig): Record<string, string> {
  const general = [
    `configs_folder = ${str(c.configDir)}`,
    `plugins_folder = ${str(join(c.libDir, 'plugins'))}`,
    `transports_folder = ${str(join(c.libDir, 'transports'))}`,
    `events_folder = ${str(join(c.libDir, 'events'))}`,
    `loggers_folder = ${str(join(c.libDir, 'loggers'))}`,
    'debug_level = 3',
    'session_timeout = 60',
    'server_name = "presence-janus"',
    ...(c.apiSecret ? [`api_secret = ${str(c.apiSecret)}`] : []),
  ];
  const nat = [
    'ignore_mdns = true',
    ...(c.interfaces.length > 0 ? [`ice_enforce_list = ${str(c.interfaces.join(','))}`] : []),
  ];
  const janus = `general: {\n  ${general.join('\n  ')}\n}
media: {\n  rtp_port_range = "${c.rtpPorts[0]}-${c.rtpPorts[1]}"\n}
nat: {\n  ${nat.join('\n  ')}\n}
plugins: {\n  disable = ${str(others(join(c.libDir, 'plugins')))}\n}
transports: {\n  disable = ${str(others(join(c.libDir, 'transports')))}\n}
loggers: {\n  disable = ${str(others(join(c.libDir, 'loggers')))}\n}
events: {\n  broadcast = false\n}
`;
  const websockets = `general: {
  json = "compact"
  ws = true
  ws_port = ${c.wsPort}
  ws_ip = "127.0.0.1"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`;
  const videoroom = 'general: {\n}\n';
  return {
    'janus.jcfg': janus,
    'janus.transport.websockets.jcfg': websockets,
    'janus.plugin.videoroom.jcfg': videoroom,
  };
}
