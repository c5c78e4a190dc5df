import { z } from 'zod';
import { directoryRoom } from './room-directory.js';
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
  /** Public rooms of the federated servers (this server's own are in rooms.directory). */
  'federation.directory': request('federation.directory', { query: z.string().max(80).optional() }),
} as const;

/** One federated server's public rooms, as last fetched (signed by that server). */
export const federatedRooms = z.object({
  server: domain,
  /** Where that server's web app is: a room is at url + '/r/' + id. */
  url: z.string(),
  /** Its public rooms; `live` only while the list is fresh (`federationDirectoryFreshMs`). */
  rooms: z.array(directoryRoom),
  /** When this server last got that list. */
  fetchedAt: z.number().int(),
});
export type FederatedRooms = z.infer<typeof federatedRooms>;

export const federationResultSchemas = {
  'federation.assertion': z.object({
    assertion: z.string(),
    expiresAt: z.number().int(),
    /** Where `server` is (its base URL, as this server reaches it): connect to its `/ws` there. */
    url: z.string(),
  }),
  'federation.directory': z.object({ servers: z.array(federatedRooms) }),
} as const;
