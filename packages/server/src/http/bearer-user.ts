import { HARD_LIMITS, PresenceError } from '@presence/protocol';
import type { FastifyRequest } from 'fastify';

/** The user of a request's `Authorization: Bearer <session token>`, else UNAUTHORIZED. */
export async function bearerUser(
  req: FastifyRequest,
  authenticate: (token: string) => Promise<string | null>,
): Promise<string> {
  const m = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
  const token = m?.[1];
  const user = token && token.length <= HARD_LIMITS.tokenLength ? await authenticate(token) : null;
  if (!user)
    throw new PresenceError('UNAUTHORIZED', 'Send the session token as "Authorization: Bearer <token>".');
  return user;
}
