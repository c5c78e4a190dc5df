import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from './openapi.js';
import { renderApiDocsPage } from './openapi-page.js';

/** /api/openapi.json and /api/docs. Both are built once: the API does not change while running. */
export async function registerApiDocs(app: FastifyInstance, version: string): Promise<void> {
  const doc = buildOpenApiDocument(version);
  const json = JSON.stringify(doc);
  const page = renderApiDocsPage(doc);
  app.get('/api/openapi.json', async (_req, reply) => {
    reply.type('application/json; charset=utf-8');
    return json;
  });
  app.get('/api/docs', async (_req, reply) => {
    // The page has no script and loads nothing: the policy says so, to the browser.
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    return page;
  });
}
