/**
 * Presence limits as plain numbers, in a module without zod: the web app imports them, and a
 * bundle that pulls in zod also pulls in zod's probe for `new Function`, which the app's
 * Content-Security-Policy (no 'unsafe-eval') reports as a violation.
 */
export const PRESENCE_LIMITS = { statusLength: 256, groupName: 40, groups: 32, contactMessage: 200 } as const;
