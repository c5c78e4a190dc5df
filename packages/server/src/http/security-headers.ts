import type { FastifyInstance } from 'fastify';

export interface SecurityHeaderOptions {
  /** Origins allowed to frame the app (CSP frame-ancestors); empty = nobody (X-Frame-Options DENY). */
  frameAncestors: string[];
  /** Other origins the app may connect to (federated servers' WebSockets); 'self' always. */
  connectSources?: string[];
}

/**
 * The app's policy: everything from this origin only. The Vite build is one module script and one
 * stylesheet, with no inline script or style; styles set through the DOM (element.style) are not
 * inline styles to CSP. Avatars may be any http(s) image (a host site's account system sets them);
 * camera and screen streams are MediaStreams, and the WebSocket is same-origin ('self' covers
 * ws:/wss: of this host).
 */
function contentSecurityPolicy(frameAncestors: readonly string[], connect: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob: https: http:",
    "media-src 'self' blob: mediastream:",
    ["connect-src 'self'", ...connect].join(' '),
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'"}`,
  ].join('; ');
}

/**
 * With federation on, the web app opens rooms of other servers as its user over their WebSocket:
 * the static map's servers by origin (ws/wss of their URL), and, when a peer may be discovered
 * over HTTPS (no allow list, or one naming domains outside the map), any `wss:` origin.
 */
export function federationConnectSources(opts: {
  federation: boolean;
  peers: readonly string[];
  allow: readonly string[];
}): string[] {
  if (!opts.federation) return [];
  const out = new Set<string>();
  const mapped = new Set<string>();
  for (const entry of opts.peers) {
    const eq = entry.indexOf('=');
    mapped.add(entry.slice(0, eq).toLowerCase());
    try {
      const url = new URL(entry.slice(eq + 1));
      const ws = url.protocol === 'https:' ? 'wss:' : 'ws:';
      out.add(`${ws}//${url.host}`);
      out.add(url.origin);
    } catch {
      // The config check refuses a malformed entry before this runs.
    }
  }
  if (opts.allow.length === 0 || opts.allow.some((d) => !mapped.has(d.toLowerCase()))) out.add('wss:');
  return [...out];
}

/** Calls need the camera, the microphone and screen sharing here, and nothing else anywhere. */
const PERMISSIONS_POLICY =
  'camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()';

/**
 * Security headers on every response, web app and API alike. A route that needs a stricter policy
 * of its own (the API docs page, SVG avatars) sets its CSP itself, and that one is kept.
 */
export function addSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  const csp = contentSecurityPolicy(options.frameAncestors, options.connectSources ?? []);
  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', csp);
    reply.header('x-content-type-options', 'nosniff');
    // Older browsers know only X-Frame-Options; it cannot name other origins, so it goes when
    // frameAncestors allows some.
    if (options.frameAncestors.length === 0) reply.header('x-frame-options', 'DENY');
    // Room links are the room's key for link rooms: never hand them to another site.
    reply.header('referrer-policy', 'no-referrer');
    reply.header('permissions-policy', PERMISSIONS_POLICY);
    return payload;
  });
}
