import { z } from 'zod';
import { request } from './request-schema.js';

/** A server's domain, as in user ids. */
const domain = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:-]+$/);

/** Federation (docs/federation.md): what a client asks of its home server. */
export const federationRequestSchemas = {
  /**
   * A short-lived assertion, signed by this server, that the caller is who they are: presented as
   * `hello.token` to another server, it opens a session there as this user (to join its rooms).
   */
  'federation.assertion': request('federation.assertion', { server: domain }),
} as const;

export const federationResultSchemas = {
  'federation.assertion': z.object({ assertion: z.string(), expiresAt: z.number().int() }),
} as const;
