import type { FastifyInstance } from 'fastify';

export interface SecurityHeaderOptions {
  /** Origins allowed to frame the app (CSP frame-ancestors); empty = nobody (X-Frame-Options DENY). */
  frameAncestors: string[];
}

/**
 * The app's policy: everything from this origin only. The Vite build is one module script and one
 * stylesheet, with no inline script or style; styles set through the DOM (element.style) are not
 * inline styles to CSP. Avatars may be any http(s) image (a host site's account system sets them);
 * camera and screen streams are MediaStreams, and the WebSocket is same-origin ('self' covers
 * ws:/wss: of this host).
 */
function contentSecurityPolicy(frameAncestors: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob: https: http:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'"}`,
  ].join('; ');
}

/** Calls need the camera, the microphone and screen sharing here, and nothing else anywhere. */
const PERMISSIONS_POLICY =
  'camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()';

/**
 * Security headers on every response, web app and API alike. A route that needs a stricter policy
 * of its own (the API docs page, SVG avatars) sets its CSP itself, and that one is kept.
 */
export function addSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  const csp = contentSecurityPolicy(options.frameAncestors);
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
