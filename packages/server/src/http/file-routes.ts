import { PresenceError, roomId as roomIdSchema } from '@presence/protocol';
import type { FastifyInstance } from 'fastify';
import type { FileService } from '../chat/file-service.js';
import { INLINE_IMAGE_TYPES } from '../chat/file-sniff.js';
import type { Logger } from '../ops/logger.js';
import { bearerUser } from './bearer-user.js';
import { INTERNAL, toHttpError } from './http-errors.js';

export interface FileRouteDeps {
  files: FileService;
  /** The user id a session token stands for, or null. */
  authenticate: (token: string) => Promise<string | null>;
  log: Logger;
}

/** RFC 6266 / 5987: an ASCII fallback and the exact name, percent-encoded. */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Files over HTTP (their messages go over the socket): `POST /api/rooms/:room/files?name=…` with
 * the bytes as the body and the session token, and `GET /api/files/:id` with the token. Only the
 * room's members upload and read. Nothing is ever served as something a browser would run from
 * this origin: the type is the sniffed one (raster images, or application/octet-stream), always
 * with `Content-Disposition: attachment`, `nosniff` and a sandboxing CSP.
 */
export async function registerFileRoutes(app: FastifyInstance, deps: FileRouteDeps): Promise<void> {
  await app.register(async (scope) => {
    scope.setErrorHandler((err: unknown, req, reply) => {
      const code = (err as { code?: unknown }).code;
      if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply
          .code(413)
          .send({ code: 'FILE_TOO_LARGE', message: 'The file is larger than the server accepts.' });
      }
      if (typeof code === 'string' && code.startsWith('FST_ERR_CTP')) {
        return reply
          .code(400)
          .send({ code: 'INVALID_MESSAGE', message: 'Send the file as the request body.' });
      }
      const known = toHttpError(err);
      if (known) return reply.code(known.status).send(known.body);
      deps.log.error({ err, route: req.routeOptions.url }, 'file route failed');
      return reply.code(INTERNAL.status).send(INTERNAL.body);
    });
    // Any content type is taken as bytes: the type is sniffed from them, never believed.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: deps.files.maxUploadBytes },
      (_req, body, done) => done(null, body),
    );

    scope.post<{ Params: { room: string }; Querystring: { name?: string } }>(
      '/api/rooms/:room/files',
      async (req, reply) => {
        const user = await bearerUser(req, deps.authenticate);
        if (!roomIdSchema.safeParse(req.params.room).success) throw new PresenceError('ROOM_NOT_FOUND');
        const body = req.body;
        if (!Buffer.isBuffer(body))
          throw new PresenceError('INVALID_MESSAGE', 'Send the file as the request body.');
        const file = await deps.files.upload(user, req.params.room, String(req.query.name ?? 'file'), body);
        reply.code(201);
        return { file };
      },
    );

    scope.get<{ Params: { id: string } }>('/api/files/:id', async (req, reply) => {
      const user = await bearerUser(req, deps.authenticate);
      const { file, data } = await deps.files.read(user, req.params.id);
      reply
        .header('content-type', INLINE_IMAGE_TYPES.has(file.type) ? file.type : 'application/octet-stream')
        .header('content-disposition', disposition(file.name))
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, no-store');
      return reply.send(data);
    });
  });
}
