import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { RecordingService } from '../live/recording/recording-service.js';
import type { Logger } from '../ops/logger.js';
import { bearerUser } from './bearer-user.js';
import { INTERNAL, toHttpError } from './http-errors.js';

export interface RecordingRouteDeps {
  recordings: Pick<RecordingService, 'open'>;
  /** The user id a session token stands for, or null. */
  authenticate: (token: string) => Promise<string | null>;
  log: Logger;
}

/** `<room>-<UTC start>-<publisher>.webm`, ASCII only: a name a person recognises in Downloads. */
function fileName(room: string, startedAt: number, publisher: string | null, type: string): string {
  const when = new Date(startedAt).toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const who = (publisher ?? 'call').replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40);
  return `${room}-${when}-${who}.${type === 'audio/ogg' ? 'opus' : 'webm'}`;
}

/**
 * `GET /api/recordings/:id` with the session token: the recording's file, for its room's members
 * (404 FILE_NOT_FOUND for anyone else, as for files). Always a download (`attachment`), never run.
 */
export async function registerRecordingRoutes(app: FastifyInstance, deps: RecordingRouteDeps): Promise<void> {
  await app.register(async (scope) => {
    scope.setErrorHandler((err: unknown, req, reply) => {
      const known = toHttpError(err);
      if (known) return reply.code(known.status).send(known.body);
      deps.log.error({ err, route: req.routeOptions.url }, 'recording route failed');
      return reply.code(INTERNAL.status).send(INTERNAL.body);
    });
    scope.get<{ Params: { id: string } }>('/api/recordings/:id', async (req, reply) => {
      const user = await bearerUser(req, deps.authenticate);
      const { recording, path, size } = await deps.recordings.open(user, req.params.id);
      const name = fileName(
        recording.room,
        recording.startedAt,
        recording.publisher?.name ?? null,
        recording.type,
      );
      reply
        .header('content-type', recording.type)
        .header('content-length', String(size))
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, no-store');
      return reply.send(createReadStream(path));
    });
  });
}
